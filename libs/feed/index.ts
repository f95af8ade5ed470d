export * from './application/feed';
export * from './application/public-events';
