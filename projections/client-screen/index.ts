export * from './client-screen.queries';
