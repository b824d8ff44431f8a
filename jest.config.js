/**
 * Jest runs the TypeScript sources as ESM (see the "test" script: --experimental-vm-modules), in two projects:
 * `unit` (__tests__/unit: pure code, no server, no emulator, no bundle; `npm run test:unit`) and `integration`
 * (__tests__/integration: the embedded PostgreSQL, the AWS emulators, the bundled dist/). `npm test` runs both.
 * Only the integration project has the global setup that starts the shared PostgreSQL server: jest runs a
 * project's global setup only when at least one of that project's tests is selected.
 */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    // Transpile only: `npm run build` type-checks the tests (CI runs it), so each test file need not be checked again here.
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }]
  },
  testTimeout: 60000
}

export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/testkit/global-setup.mjs',
      globalTeardown: '<rootDir>/testkit/global-teardown.mjs'
    }
  ],
  testTimeout: 60000,
  verbose: true
}
