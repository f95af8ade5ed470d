export * from './projection';
export * from './projection-runner';
export * from './projector.migrations';
export * from './read-consistency';
