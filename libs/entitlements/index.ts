export * from './application/account-commands';
export * from './application/credit-spending';
export * from './application/booking-payments';
export * from './application/refunds';
export * from './domain';
export * from './application/sales';
export * from './application/memberships';
export * from './application/account-upkeep';
