export * from './domain';
export * from './application/dispatcher';
export * from './application/mail-transport';
export * from './application/notification-queries';
export * from './application/outbox-mapping';
export * from './application/outbox-projection';
export * from './application/recipients';
