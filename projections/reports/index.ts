export * from './report';
export * from './reports';
export * from './reports.queries';
