export * from './actor';
export * from './request-context';
export * from './decider';
export * from './errors';
export * from './unique-claim';
export * from './money';
export * from './ids';
export * from './event-type';
