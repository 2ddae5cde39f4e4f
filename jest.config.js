// Two projects: `unit` (pure logic, no services) and `e2e` (real Kafka, PostgreSQL, Chromium).
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
// @noble/*, jose, openid-client and oauth4webapi ship only ES modules: swc turns them into CommonJS for Jest like the
// project's own TypeScript.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }],
  '^.+\\.js$': ['@swc/jest', { ...swc, swcrc: false, jsc: { ...swc.jsc, parser: { syntax: 'ecmascript' } } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(@noble|jose|openid-client|oauth4webapi)/)'];
const moduleNameMapper = { '^@corridor/(.*)$': '<rootDir>/libs/$1/src/index.ts' };

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testMatch: [
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/scripts/**/*.spec.ts',
        '<rootDir>/bench/**/*.spec.ts',
      ],
      // apps/web is the browser front end: its specs run under Vitest (npm run test:unit runs both).
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/web/'],
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testMatch: ['<rootDir>/test/**/*.e2e.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
