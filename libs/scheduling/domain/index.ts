export * from './session.decider';
export * from './session.events';
export * from './class-type';
export * from './recurring-registration';
