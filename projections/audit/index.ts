export * from './client-history.queries';
