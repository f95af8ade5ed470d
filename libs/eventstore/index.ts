export * from './event-store.port';
export * from './checkpoint';
export * from './wrong-expected-version.error';
export * from './postgres/postgres-event-store';
export * from './postgres/eventstore.migrations';
export * from './handle-command';
export * from './personal-data';
export * from './eventstoredb';
