export * from './signatures';
export * from './waiver';
