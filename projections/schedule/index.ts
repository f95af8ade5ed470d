export * from './schedule.migrations';
export * from './schedule.projection';
export * from './schedule.queries';
export * from './roster.queries';
export * from './booking-upkeep.queries';
export * from './recurring.projection';
export * from './recurring.queries';
