export * from './report';
export * from './reports';
export * from './reports.queries';
export * from './reports.migrations';
