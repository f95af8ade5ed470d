export * from './application/schedule-commands';
export * from './domain';
export * from './application/enroll-client';
export * from './application/attendance';
