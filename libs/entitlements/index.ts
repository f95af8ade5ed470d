export * from './application/account-commands';
export * from './application/credit-spending';
export * from './domain';
