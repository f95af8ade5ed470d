export * from './dev-seed';
