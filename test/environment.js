'use strict';
// jest's Node environment, and one thing more for the worker processes that run it: a worker whose
// run is over leaves through process.exit(), not through Node's graceful teardown. That teardown
// frees the worker's heap (300–600 MB by the end of a run) page by page and took 320–490 ms on the
// 2-core machine of README "Performance"; jest kills a worker still there after 500 ms and prints
// "A worker process has failed to exit gracefully", which read as a leak in our tests. 'beforeExit'
// comes only once nothing is left to do (no handle, no pending write), so nothing is cut short.
const { TestEnvironment } = require('jest-environment-node');

if (typeof process.send === 'function' && !process.listeners('beforeExit').some((l) => l.name === 'exitAtOnce')) {
  process.once('beforeExit', function exitAtOnce(code) {
    process.exit(code);
  });
}

module.exports = TestEnvironment;
