export * from './message';
export * from './notification';
export * from './retry';
