export * from './application/schedule-commands';
export * from './domain';
