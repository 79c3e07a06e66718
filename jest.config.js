/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // tsconfig's isolatedModules makes ts-jest transpile only; `npm test` runs tsc over everything first.
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Snapshots and endpoint tests must not depend on the caller's emulator.
  setupFiles: ['<rootDir>/test/support/isolate-environment.ts'],
  testTimeout: 30_000,
  // The slow suites (the two end-to-end ones, the state bootstrap and locks) wait on the provider's own
  // polling more than they compute: measured, a 2-core run kept its cores half busy with two workers. A third
  // runs the unit suites beside both end-to-end suites.
  maxWorkers: 3,
  // The end-to-end suites are most of the run: they start first (test/support/end-to-end-first-sequencer.js).
  testSequencer: '<rootDir>/test/support/end-to-end-first-sequencer.js',
};
