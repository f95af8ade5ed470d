export * from './idempotency.store';
