/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/projections', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/bench/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^@clientele/(.*)$': '<rootDir>/libs/$1',
    '^@projections/(.*)$': '<rootDir>/projections/$1',
  },
  globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
  testTimeout: 60000,
  // On a PostgreSQL server the suites run one at a time: what readAll returns stops below the oldest
  // transaction in flight anywhere on the server (ADR 0002), so a suite's long transactions would
  // hold back another suite's read-after-append checks.
  maxWorkers: process.env.DATABASE_URL ? 1 : 2,
};
