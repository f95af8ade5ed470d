export * from './config';
export * from './runtime';
export * from './admin-actions';
export * from './embedded';
export * from './process';
