export * from './batcher';
export * from './database';
export * from './mutex';
export * from './migrate';
export * from './sql-executor';
