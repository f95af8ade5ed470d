export * from './application/staff-commands';
export * from './application/studio-settings';
export * from './application/tokens';
export * from './domain/roles';
export * from './domain/staff-member';
export * from './domain/studio';
