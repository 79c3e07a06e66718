/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // Snapshots and endpoint tests must not depend on the caller's emulator.
  setupFiles: ['<rootDir>/test/support/isolate-environment.ts'],
  testTimeout: 30_000,
  // The two slow suites wait on Terraform and the emulator more than they compute: run them side by side.
  maxWorkers: 2,
};
