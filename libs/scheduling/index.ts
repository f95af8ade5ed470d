export * from './application/schedule-commands';
export * from './domain';
export * from './application/enroll-client';
export * from './application/attendance';
export * from './application/booking-workflow';
export * from './application/cancellations';
export * from './application/invitations';
