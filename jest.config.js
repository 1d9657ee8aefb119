const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * The ES-module packages the product's dependencies reach (Octokit and its own): jest's registry
 * loads CommonJS only, so test/transform.js compiles these. Derived from node_modules, so that a
 * dependency update that adds one needs no change here.
 */
function esModulePackages() {
  const found = new Set();
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    let manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8'));
    } catch {
      return; // optional or nested elsewhere: not reached through the top level
    }
    if (manifest.type === 'module') found.add(name);
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  const own = JSON.parse(fs.readFileSync(path.join(__dirname, 'package.json'), 'utf8'));
  for (const dependency of Object.keys({ ...own.dependencies, ...own.peerDependencies })) visit(dependency);
  return [...found].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
const ESM = esModulePackages().join('|');

/** Type checking runs once in `npm test` (tsc --noEmit); jest only compiles, as the CLI does (bin/ts.js). */
module.exports = {
  // jest's Node environment; its workers leave at once when they are done (test/environment.js).
  testEnvironment: '<rootDir>/test/environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The project is rendered once per run; the suites read that render (test/helpers.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // The slow suites start first, also on a fresh clone (test/sequencer.js).
  testSequencer: '<rootDir>/test/sequencer.js',
  transform: { '^.+\\.ts$': '<rootDir>/test/transform.js', [`/node_modules/(${ESM})/.+\\.js$`]: '<rootDir>/test/transform.js' },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM})/)`],
  // jest's default is one worker less than the cores: one worker on a 2-core machine. The slow
  // suites spend much of their time waiting on git and child processes, so two share well.
  maxWorkers: Math.max(2, os.cpus().length),
  testTimeout: 60000,
};
