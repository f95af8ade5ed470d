export * from './client-accounts.migrations';
export * from './client-accounts.projection';
export * from './client-accounts.queries';
