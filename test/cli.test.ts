import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './helpers';

const BIN = path.join(__dirname, '..', 'bin', 'bookstore.js');

describe('the bookstore command line', () => {
  it('stops quietly when its reader closes the pipe early (`bookstore status | head -1`)', () => {
    // `head -c 1` exits after one byte; status then writes into a closed pipe (EPIPE).
    const run = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" status | head -c 1 >/dev/null`], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
