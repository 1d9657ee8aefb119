const os = require('node:os');

/** Type checking runs once in `npm test` (tsc --noEmit); jest only compiles, as the CLI does (bin/compile.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The project is rendered once per run; the suites read that render (test/helpers.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  transform: { '^.+\\.ts$': '<rootDir>/test/transform.js' },
  // jest's default is one worker less than the cores: one worker on a 2-core machine. The slow
  // suites spend much of their time waiting on git and child processes, so two share well.
  maxWorkers: Math.max(2, os.cpus().length),
  testTimeout: 60000,
};
