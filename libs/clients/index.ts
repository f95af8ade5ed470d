export * from './application/client-commands';
export * from './application/client-lookup';
export * from './application/client-memos';
export * from './application/email-claims';
export * from './client-memo';
export * from './client-profile';
export * from './domain';
export * from './application/client-history';
