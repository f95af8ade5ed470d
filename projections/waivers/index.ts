export * from './waivers.migrations';
export * from './waivers.projection';
export * from './waivers.queries';
