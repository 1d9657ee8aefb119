import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { VERB_NAMES } from '../lib/cli';
import { ROOT } from './helpers';

const BIN = path.join(__dirname, '..', 'bin', 'bookstore.js');

describe('the bookstore command line', () => {
  it('lists every verb in --help, their descriptions in one column', () => {
    const run = spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n').slice(1);
    expect(lines.map((line) => line.trim().split(' ')[0])).toEqual(VERB_NAMES);
    // Where each description starts: after the synopsis and at least two spaces.
    const columns = lines.map((line) => /^ {2}\S.*?\S {2,}(?=\S)/.exec(line)![0].length);
    expect(new Set(columns).size).toBe(1);
  });

  it('stops quietly when its reader closes the pipe early (`bookstore status | head -1`)', () => {
    // `head -c 1` exits after one byte; status then writes into a closed pipe (EPIPE).
    const run = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" status | head -c 1 >/dev/null`], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
