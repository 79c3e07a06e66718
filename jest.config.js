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
  // The two slow suites wait on Terraform and the emulator more than they compute: run them side by side.
  maxWorkers: 2,
  // The end-to-end suite alone is most of the run: it starts first (test/support/end-to-end-first-sequencer.js).
  testSequencer: '<rootDir>/test/support/end-to-end-first-sequencer.js',
};
