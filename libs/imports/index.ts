export * from './application/imports';
export * from './application/row-kinds';
export * from './application/client-rows';
export * from './application/csv-records';
export * from './application/failed-rows-csv';
export * from './application/import-jobs';
export * from './domain';
