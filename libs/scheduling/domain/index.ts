export * from './session.decider';
export * from './session.events';
