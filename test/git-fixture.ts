import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { git, gitAsync } from '../lib/git';
import { copyProject, snapshotDir } from './helpers';

const IDENTITY = ['-c', 'user.name=Bookstore CI', '-c', 'user.email=ci@example.com'];

/** A bare repository in a temporary folder standing in for the remote, seeded with this project. */
export class GitFixture {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-git-'));
  readonly remote = path.join(this.dir, 'remote.git');
  private clones = 0;

  constructor(prepare?: (seed: string) => void) {
    git(this.dir, ['init', '--quiet', '--bare', '--initial-branch=main', this.remote]);
    // A hosted remote does not garbage-collect inside each push, as git's own receive-pack does by default.
    git(this.remote, ['config', 'receive.autogc', 'false']);
    const seed = copyProject({ withDist: true });
    prepare?.(seed);
    fs.writeFileSync(path.join(seed, '.gitignore'), 'node_modules\n');
    git(seed, ['init', '--quiet', '--initial-branch=main']);
    git(seed, ['add', '--all']);
    git(seed, [...IDENTITY, 'commit', '--quiet', '-m', 'initial']);
    git(seed, ['push', '--quiet', this.remote, 'main']);
    fs.rmSync(seed, { recursive: true, force: true });
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

  /** A fingerprint of a clone: HEAD, status and every file's content. */
  state(clone: string): { head: string; status: string; files: Map<string, string> } {
    const files = snapshotDir(clone, ['.git', 'node_modules']);
    return { head: git(clone, ['rev-parse', 'HEAD']), status: git(clone, ['status', '--porcelain']), files };
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
