'use strict';
// The order jest starts the suites in, two at a time. Its own order puts the slowest first by the
// durations of the last run on this machine; a fresh clone has none, and it falls back to file
// size, which started the 20-bump race (about 40 s) after a minute, alone at the end of the run.
// The suites below go first, in this order (longest first: extensions runs `npm test` on an extended
// copy; the rest from `npx jest --ci --json` on this 2-core machine, the bump race now at 8 bumps);
// the rest follow in jest's own order. A name that matches no file only drops out of the list.
const path = require('node:path');
const TestSequencer = require('@jest/test-sequencer').default;

const SLOW_FIRST = ['extensions', 'bump', 'promote', 'service-files', 'bump-race', 'synth', 'buildspec'];

class SlowFirst extends TestSequencer {
  sort(tests) {
    const rank = (test) => {
      const index = SLOW_FIRST.indexOf(path.basename(test.path, '.test.ts'));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    // Array.prototype.sort is stable: within the rest, jest's order stays.
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirst;
