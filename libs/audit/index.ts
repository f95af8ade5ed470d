export * from './application/account-as-of';
export * from './application/client-history';
export * from './application/timeline';
