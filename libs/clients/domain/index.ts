export * from './client.commands';
export * from './client.decider';
export * from './client.events';
export * from './client.rules';
export * from './relationship';
export * from './client-details';
export * from './client-files';
export * from './client-merge';
