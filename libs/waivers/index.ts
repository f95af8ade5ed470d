export * from './application/waivers';
export * from './domain';
