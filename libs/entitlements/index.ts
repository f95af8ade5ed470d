export * from './application/account-commands';
export * from './application/credit-spending';
export * from './domain';
export * from './application/sales';
export * from './application/memberships';
export * from './application/account-upkeep';
