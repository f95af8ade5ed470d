export * from './batcher';
export * from './database';
export * from './mutex';
export * from './page-cursor';
export * from './migrate';
export * from './sql-executor';
export * from './unnest-rows';
export * from './unavailable';
