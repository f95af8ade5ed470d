export * from './relationships.migrations';
export * from './relationships.projection';
export * from './relationships.queries';
