export * from './database';
export * from './mutex';
export * from './sql-executor';
