export * from './application/client-imports';
export * from './application/client-rows';
export * from './application/csv-records';
export * from './application/failed-rows-csv';
export * from './application/import-jobs';
export * from './domain';
