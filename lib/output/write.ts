// Writing dist/: a folder's files in place, or the whole tree swapped in; never half a dist/ (docs/rendering.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../model/errors';

/** A file's text, or undefined when there is none. */
export function readIfFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes `files` (paths below outdir → text) and removes `removals` (paths below outdir) in outdir,
 * touching nothing else: every file is written beside its place first, then all are renamed into
 * place, so a failure while writing leaves outdir as it was.
 */
export function writeFiles(outdir: string, files: ReadonlyMap<string, string>, removals: readonly string[] = []): void {
  const root = path.resolve(outdir);
  const staged: Array<[string, string]> = [];
  try {
    for (const [file, text] of files) {
      const target = path.join(root, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const staging = path.join(path.dirname(target), `.${path.basename(target)}.new-${process.pid}-${staged.length}`);
      staged.push([staging, target]);
      fs.writeFileSync(staging, text);
    }
    for (const [staging, target] of staged) fs.renameSync(staging, target);
    for (const file of removals) fs.rmSync(path.join(root, file), { recursive: true, force: true });
  } catch (err) {
    for (const [staging] of staged) fs.rmSync(staging, { force: true });
    throw ioError(err, root);
  }
}

/** An I/O failure as one line naming the folder being written and the errno, syscall and path Node reports. */
function ioError(err: unknown, target: string): unknown {
  if (err instanceof UserError || !(err as NodeJS.ErrnoException)?.code) return err;
  return new UserError(`cannot write ${path.relative(process.cwd(), target) || '.'}/: ${(err as Error).message}`);
}

/** Whether a process of that id runs (a signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what a killed write left next to `target`: `.<name>.new-<pid>-…` folders (and their
 * `.old` twins) of processes that no longer run. A running writer's folder is left alone.
 */
function removeLeftovers(target: string): void {
  const parent = path.dirname(target);
  const prefix = `.${path.basename(target)}.new-`;
  for (const entry of fs.readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    if (abandoned(entry.slice(prefix.length))) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
}

/**
 * Whether what a write staged as `.<name>.new-<pid>-…` (`rest` is what follows `.new-`) was left
 * by a process that no longer runs, or by this one (which has nothing staged between its writes).
 */
export function abandoned(rest: string): boolean {
  const pid = Number(/^(\d+)-/.exec(rest)?.[1]);
  return !pid || pid === process.pid || !alive(pid);
}

/** The mode a new folder gets here: that of the folder it replaces, else 0777 less the umask (mkdtemp makes 0700). */
function modeFor(target: string): number {
  try {
    return fs.statSync(target).mode & 0o7777;
  } catch {
    const umask = process.umask();
    return 0o777 & ~umask;
  }
}

/** Writes `files` (relative path → text) into a fresh sibling of `target`, with target's mode; returns its path. */
function stage(target: string, files: Iterable<readonly [string, string]>): string {
  removeLeftovers(target);
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.new-${process.pid}-`));
  try {
    fs.chmodSync(staging, modeFor(target));
    for (const [file, text] of files) {
      const full = path.join(staging, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
    }
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return staging;
}

/** Puts a staged folder in place of `target` by rename, then removes the old one. */
function swap(staging: string, target: string): void {
  const retired = `${staging}.old`;
  const hadOld = fs.existsSync(target);
  if (hadOld) fs.renameSync(target, retired);
  fs.renameSync(staging, target);
  if (hadOld) fs.rmSync(retired, { recursive: true, force: true });
}

/**
 * Replaces `outdir` with exactly `files`: everything is written into a sibling temporary folder
 * first, then swapped in by rename, so a failure part-way leaves the old outdir as it was. The new
 * outdir keeps the old one's mode; leftovers of a killed run are removed first. An outdir that
 * already holds exactly `files` (a synth with nothing to change) is left as it is. An I/O error is
 * a UserError of one line naming the path and the errno.
 */
export function writeTree(outdir: string, files: ReadonlyMap<string, string>): void {
  const target = path.resolve(outdir);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (holdsExactly(target, files)) {
      removeLeftovers(target);
      return;
    }
    swap(stage(target, files), target);
  } catch (err) {
    throw ioError(err, target);
  }
}

/** Whether `dir` holds `files` and nothing else: the same texts, no other file, link or folder. */
function holdsExactly(dir: string, files: ReadonlyMap<string, string>): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return false;
  }
  const folders = new Set(
    [...files.keys()].flatMap((file) =>
      file
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  let seen = 0;
  for (const entry of entries) {
    const name = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (entry.isDirectory() && folders.has(name)) continue;
    if (!entry.isFile() || !files.has(name) || files.get(name) !== fs.readFileSync(path.join(dir, name), 'utf8')) return false;
    seen++;
  }
  return seen === files.size;
}

/**
 * What a person must apply outside Argo CD after this render: one line per file of
 * dist/<cluster>/cluster/ whose text changes (the eksctl ClusterConfig, the bootstrap stack), with
 * the command that applies it. A new cluster's files are its bootstrap, not a change.
 */
export function oneTimeChanges(outdir: string, files: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  for (const [file, text] of files) {
    const match = /^([^/]+)\/cluster\/(cluster|bootstrap|pod-network)\.yaml$/.exec(file);
    if (!match) continue;
    const existing = path.join(outdir, file);
    if (!fs.existsSync(existing) || fs.readFileSync(existing, 'utf8') === text) continue;
    const [, cluster, kind] = match;
    lines.push(
      kind === 'cluster'
        ? `note: dist/${file} changed: Argo CD does not apply it; after merging, apply it with eksctl (e.g. \`eksctl create iamserviceaccount -f dist/${file} --approve\`, \`eksctl create addon -f dist/${file}\`, \`eksctl create podidentityassociation -f dist/${file}\`, \`eksctl create nodegroup -f dist/${file}\` for what is new; docs/clusters.md, "The cluster")`
        : `note: dist/${file} changed: Argo CD does not apply it; after merging, deploy it: \`npx bookstore bootstrap ${cluster}\` (it skips the steps that are done; --dry-run shows them)`,
    );
  }
  return lines;
}

/** Reads a rendered tree back: relative path → text (for the drift gate and diffs). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
  }
  return out;
}

/** Files that differ between two trees: added, removed or changed, sorted. */
export function treeDifferences(expected: ReadonlyMap<string, string>, actual: ReadonlyMap<string, string>): string[] {
  const names = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  return names.flatMap((name) => {
    if (!actual.has(name)) return [`missing: ${name}`];
    if (!expected.has(name)) return [`not rendered: ${name}`];
    return expected.get(name) === actual.get(name) ? [] : [`differs: ${name}`];
  });
}
