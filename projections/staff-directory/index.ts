export * from './staff-directory.migrations';
export * from './staff-directory.projection';
export * from './staff-directory.queries';
