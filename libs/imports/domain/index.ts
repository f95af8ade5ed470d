export * from './client-row';
export * from './column-mapping';
export * from './entitlement-rows';
