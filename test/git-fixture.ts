import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { git, gitAsync } from '../lib/commands/git';
import { copyProject, ROOT, WORK_VARIABLE } from './helpers';

const IDENTITY = ['-c', 'user.name=Bookstore CI', '-c', 'user.email=ci@example.com'];

/**
 * A repository whose one commit, `initial`, holds this project's sources and dist/, as a remote's
 * first push would. Its objects are hashed and packed once per run; each fixture's remote is a
 * local clone of it, which links the pack instead of hashing and packing them again. (Borrowing
 * them through git alternates instead made every push and fetch start one more git to list the
 * seed's refs.) It is made on first use in the run's work folder
 * (test/global-setup.ts), else in `dir`; suites that start at once both make one, and the first to
 * rename its own into place is used.
 */
function seedRepository(dir: string): string {
  const work = process.env[WORK_VARIABLE];
  const target = work && fs.existsSync(work) ? path.join(work, `seed-${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}`) : path.join(dir, 'seed');
  if (fs.existsSync(target)) return target;
  const seed = copyProject({ withDist: true });
  fs.writeFileSync(path.join(seed, '.gitignore'), 'node_modules\n');
  git(seed, ['init', '--quiet', '--initial-branch=main']);
  git(seed, ['add', '--all']);
  git(seed, [...IDENTITY, 'commit', '--quiet', '-m', 'initial']);
  // One pack instead of ~600 loose objects: a clone then links, reads and removes a few files, not ~600.
  git(seed, ['repack', '-a', '-d', '-q']);
  try {
    fs.renameSync(seed, target);
  } catch (err) {
    // Another suite's seed got there first (a folder cannot be renamed onto a folder that has files).
    fs.rmSync(seed, { recursive: true, force: true });
    if (!fs.existsSync(target)) throw err;
  }
  return target;
}

/** A bare repository in a temporary folder standing in for the remote, seeded with this project. */
export class GitFixture {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-git-'));
  readonly remote = path.join(this.dir, 'remote.git');
  private clones = 0;

  /** `prepare` changes the project before it is pushed; what it changes is part of the one commit `initial`. */
  constructor(prepare?: (seed: string) => void) {
    const seed = seedRepository(this.dir);
    if (!prepare) {
      git(this.dir, ['clone', '--quiet', '--bare', seed, this.remote]);
    } else {
      const work = path.join(this.dir, 'prepare');
      git(this.dir, ['clone', '--quiet', seed, work]);
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'));
      prepare(work);
      git(work, ['add', '--all']);
      git(work, [...IDENTITY, 'commit', '--quiet', '--amend', '--no-edit']);
      git(this.dir, ['clone', '--quiet', '--bare', work, this.remote]);
      fs.rmSync(work, { recursive: true, force: true });
    }
    // A hosted remote does not garbage-collect inside each push, as git's own receive-pack does by default.
    git(this.remote, ['config', 'receive.autogc', 'false']);
  }

  /** A fresh clone with node_modules linked and a committer identity, as CI would have. */
  clone(): string {
    const target = path.join(this.dir, `clone-${++this.clones}`);
    git(this.dir, this.cloneArgs(target));
    return this.linkModules(target);
  }

  /** `count` fresh clones made side by side (see `clone`). */
  async cloneMany(count: number): Promise<string[]> {
    const targets = Array.from({ length: count }, () => path.join(this.dir, `clone-${++this.clones}`));
    await Promise.all(targets.map((target) => gitAsync(this.dir, this.cloneArgs(target))));
    return targets.map((target) => this.linkModules(target));
  }

  /** `git clone` writing the committer identity into the clone's config. */
  private cloneArgs(target: string): string[] {
    return ['clone', '--quiet', '--config', 'user.name=Bookstore CI', '--config', 'user.email=ci@example.com', this.remote, target];
  }

  private linkModules(target: string): string {
    fs.symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(target, 'node_modules'));
    return target;
  }

  /** The remote's history of main, oldest first: subject lines. */
  history(): string[] {
    return git(this.remote, ['log', '--format=%s', '--reverse', 'main']).split('\n').filter(Boolean);
  }

  /** A fingerprint of the remote: every ref and where it points. */
  refs(): string {
    return git(this.remote, ['for-each-ref', '--format=%(refname) %(objectname)']);
  }

  /**
   * A fingerprint of a clone: its HEAD commit and branch, and git's status of every file, untracked
   * and ignored ones included. The status compares each tracked file with the index (by content
   * where its stat could hide a change), so a file that changed, appeared or went away anywhere
   * shows here. (How far the branch is ahead of what was last fetched is left out: a fetch may move it.)
   */
  state(clone: string): string[] {
    return git(clone, ['status', '--porcelain=v2', '--branch', '--untracked-files=all', '--ignored'])
      .split('\n')
      .filter((line) => line && !line.startsWith('# branch.ab '));
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
