export * from './client-row';
export * from './column-mapping';
