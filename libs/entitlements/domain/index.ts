export * from './account.commands';
export * from './account.decider';
export * from './account.processor';
export * from './account.events';
export * from './account.rules';
export * from './account.state';
export * from './dates';
export * from './account.views';
