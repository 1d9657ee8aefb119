import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesize, type SynthResult } from '../lib/synth';
import { RENDER_FILE_VARIABLE, ROOT, SYSTEM_TMPDIR_VARIABLE, USER_TMPDIR_VARIABLE, WORK_VARIABLE } from './helpers';

/** statfs's f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

/**
 * The run's temporary files peak at about 150 MB (20 clones, worktrees, copies: measured with `df`
 * during a run). A tmpfs with less room than this, such as a container's default 64 MB /dev/shm,
 * is not used.
 */
const ROOM_NEEDED = 1024 ** 3;

/**
 * Where the run's temporary folders go: a memory-backed tmpfs (/dev/shm on Linux) when it has room,
 * else the system's temporary folder. The suites create thousands of files (clones, worktrees and
 * copies); on this machine's ext4 a `git clone` of the project took 0.14–0.25 s, most of it creating
 * files, and 0.05 s on /dev/shm. A TMPDIR the user set is theirs to choose, and is kept.
 */
function scratchRoot(): string {
  if (process.env.TMPDIR) return os.tmpdir();
  try {
    const shm = '/dev/shm';
    const stats = fs.statfsSync(shm);
    fs.accessSync(shm, fs.constants.W_OK);
    if (stats.type === TMPFS_MAGIC && stats.bavail * stats.bsize >= ROOM_NEEDED) return shm;
  } catch {
    // No /dev/shm (macOS) or none that can be written: the system's folder it is.
  }
  return os.tmpdir();
}

/**
 * Does once for the whole run what several suites need:
 * - makes the run's work folder, and points TMPDIR at it for the suites and every command they
 *   start, so that each temporary folder lands there and goes when the run ends
 *   (test/global-teardown.ts), even one a failed test left behind;
 * - renders the project, so that the suites that read rendered objects (`rendered()` in
 *   helpers.ts) do not each render it again. A render that fails leaves nothing: each suite then
 *   renders itself and shows the error where it fails. The seed repository of test/git-fixture.ts
 *   is made in the work folder too.
 */
export default function globalSetup(): void {
  delete process.env[RENDER_FILE_VARIABLE];
  process.env[SYSTEM_TMPDIR_VARIABLE] = os.tmpdir();
  if (process.env.TMPDIR) process.env[USER_TMPDIR_VARIABLE] = process.env.TMPDIR;
  else delete process.env[USER_TMPDIR_VARIABLE];
  const work = fs.mkdtempSync(path.join(scratchRoot(), 'bookstore-run-'));
  process.env[WORK_VARIABLE] = work;
  process.env.TMPDIR = work;
  let result: SynthResult;
  try {
    result = synthesize(ROOT);
  } catch {
    return;
  }
  const file = path.join(work, 'render.json');
  fs.writeFileSync(file, JSON.stringify({ root: ROOT, files: [...result.files], rendered: result.rendered }));
  process.env[RENDER_FILE_VARIABLE] = file;
}
