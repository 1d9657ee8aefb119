import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { UserError, userErrorLine } from '../lib/model/errors';
import { loadProject } from '../lib/load/project';
import { synthesize, writeTree, type SynthResult } from '../lib/synth';
import { BUMP_SOURCES } from '../lib/commands/bump';
export { podRoles, type PodRole } from '../lib/render/cluster-config';

/**
 * The project the structural tests read: this repository, or the copy in $BOOKSTORE_TEST_ROOT
 * (test/extensions.test.ts runs them on a copy extended the way the README says).
 */
export const ROOT = process.env.BOOKSTORE_TEST_ROOT ? path.resolve(process.env.BOOKSTORE_TEST_ROOT) : path.resolve(__dirname, '..');

/**
 * The source folders a render needs (what a bump renders from, lib/commands/bump.ts, but dist/ and
 * the lockfile) and the formatting config `npm test` checks; a temporary copy of them is a whole project.
 */
const SOURCES = [...BUMP_SOURCES.filter((entry) => entry !== 'dist' && entry !== 'package-lock.json'), '.prettierrc.json', '.prettierignore'];

/**
 * A temporary project made of this repository's sources (and dist/), each entry copied, linked or
 * left out as `place` says; node_modules is always linked.
 */
function projectFrom(place: (entry: string) => 'copy' | 'link' | 'skip'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-'));
  for (const entry of [...SOURCES, 'dist']) {
    const from = path.join(ROOT, entry);
    const how = place(entry);
    if (!fs.existsSync(from) || how === 'skip') continue;
    if (how === 'copy') fs.cpSync(from, path.join(dir, entry), { recursive: true });
    else fs.symlinkSync(from, path.join(dir, entry));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Copies the project (sources and dist/, node_modules linked) into a temporary folder. */
export function copyProject(options: { withDist?: boolean } = {}): string {
  return projectFrom((entry) => (entry === 'dist' && !options.withDist ? 'skip' : 'copy'));
}

/**
 * A project in a temporary folder whose `own` entries (e.g. `services`, `dist`) are copies and whose
 * other sources are links to this repository's; dist/ is there only when it is its own. Its files
 * load through the modules this process already has (a link resolves to the real file), so a test
 * can run synth on a mistake in-process and get the UserError the command would print, without
 * loading the project's modules again. Never run a command in it: main.ts and bin/ resolve to this
 * repository, and would render into this repository's dist/.
 */
export function linkProject(own: readonly string[]): string {
  return projectFrom((entry) => (own.includes(entry) ? 'copy' : entry === 'dist' ? 'skip' : 'link'));
}

/**
 * A node_modules folder at `modules` linking every package this repository installed but the
 * `left` ones (`yaml`, `@aws-sdk/client-codecommit`): an install that lacks them, or has its own copy.
 */
export function linkNodeModules(modules: string, left: readonly string[]): void {
  const installed = path.join(ROOT, 'node_modules');
  const link = (name: string) => {
    if (left.includes(name)) return;
    // A scope of which some package is left gets a folder of its own.
    if (name.startsWith('@') && !name.includes('/') && left.some((l) => l.startsWith(`${name}/`))) {
      fs.mkdirSync(path.join(modules, name), { recursive: true });
      for (const entry of fs.readdirSync(path.join(installed, name))) link(`${name}/${entry}`);
      return;
    }
    fs.symlinkSync(path.join(installed, name), path.join(modules, name));
  };
  fs.mkdirSync(modules, { recursive: true });
  for (const entry of fs.readdirSync(installed)) link(entry);
}

/**
 * Runs synth in this process as main.ts runs it (render, then write dist/): the line the command
 * prints for a UserError and its exit status. Anything else is a bug and fails the test.
 */
export function synthInProcess(dir: string): { status: number; stderr: string } {
  try {
    writeTree(path.join(dir, 'dist'), synthesize(dir).files);
    return { status: 0, stderr: '' };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { status: 1, stderr: userErrorLine('synth', err) };
  }
}

/**
 * Makes `mistake` in a project whose `own` folders (and dist/) are its own, runs synth in this
 * process, and checks dist/ was left as it was: what synth said, for the caller to compare.
 */
export function synthAfterMistake(own: readonly string[], mistake: (dir: string) => void): { status: number; stderr: string } {
  const project = linkProject([...own, 'dist']);
  try {
    mistake(project);
    const before = snapshotDir(path.join(project, 'dist'));
    const result = synthInProcess(project);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    return result;
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
}

/** Names the folder test/global-setup.ts leaves its work in, for test/global-teardown.ts to remove. */
export const WORK_VARIABLE = 'BOOKSTORE_TEST_WORK';

/**
 * Names the system's temporary folder as it was before test/global-setup.ts pointed TMPDIR at the
 * run's work folder: a jest started by a test uses it, and so finds this run's transform cache.
 */
export const SYSTEM_TMPDIR_VARIABLE = 'BOOKSTORE_TEST_SYSTEM_TMPDIR';

/**
 * Names the TMPDIR the user set before test/global-setup.ts pointed it at the run's work folder;
 * unset when they set none (a jest started by a test then picks its scratch folder as this run did).
 */
export const USER_TMPDIR_VARIABLE = 'BOOKSTORE_TEST_USER_TMPDIR';

/** Names the file where test/global-setup.ts left the render of ROOT for this run. */
export const RENDER_FILE_VARIABLE = 'BOOKSTORE_TEST_RENDER';

/** What test/global-setup.ts rendered, when it rendered this ROOT. */
function renderOfThisRun(): SynthResult | undefined {
  const file = process.env[RENDER_FILE_VARIABLE];
  if (!file || !fs.existsSync(file)) return undefined;
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { root: string; files: Array<[string, string]>; rendered: SynthResult['rendered'] };
  if (saved.root !== ROOT) return undefined;
  return { project: loadProject(ROOT), files: new Map(saved.files), rendered: saved.rendered };
}

let cached: SynthResult | undefined;
/**
 * The repository rendered in memory: rendered once per run by test/global-setup.ts and read here
 * (the model loaded afresh), or rendered here when the setup could not (its error then shows in the test).
 */
export function rendered(): SynthResult {
  cached ??= renderOfThisRun() ?? synthesize(ROOT);
  return cached;
}

const parsed = new Map<string, any[]>();
/**
 * Every object rendered into one file below dist/: parsed once per suite, a fresh copy per call
 * (a test may change what it reads).
 */
export function objectsIn(file: string): any[] {
  let objects = parsed.get(file);
  if (!objects) {
    const text = rendered().files.get(file);
    if (text === undefined) throw new Error(`${file} was not rendered`);
    objects = YAML.parseAllDocuments(text).map((d) => d.toJS());
    parsed.set(file, objects);
  }
  return structuredClone(objects);
}

/** Whether a rendered file holds Kubernetes objects (the eksctl config in <cluster>/cluster/ and the environments' pictures do not). */
export function isKubernetesFile(file: string): boolean {
  return file.endsWith('.yaml') && !/^[^/]+\/cluster\//.test(file);
}

/** All rendered Kubernetes objects with the file each is in. */
export function allObjects(): Array<{ file: string; object: any }> {
  return [...rendered().files.keys()].filter(isKubernetesFile).flatMap((file) => objectsIn(file).map((object) => ({ file, object })));
}

/** The one object of a kind and name in a file; fails when there is not exactly one. */
export function find(file: string, kind: string, name: string): any {
  const found = objectsIn(file).filter((o) => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) throw new Error(`${file}: expected one ${kind}/${name}, found ${found.length}`);
  return found[0];
}

/** A snapshot of a folder's files and contents, to show that a failed command changed nothing; `skip` names top-level entries left out. */
export function snapshotDir(dir: string, skip: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  for (const top of fs.readdirSync(dir, { withFileTypes: true })) {
    if (skip.includes(top.name)) continue;
    const full = path.join(dir, top.name);
    if (top.isFile()) out.set(top.name, fs.readFileSync(full, 'utf8'));
    if (!top.isDirectory()) continue;
    for (const entry of fs.readdirSync(full, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) {
        const file = path.join(entry.parentPath, entry.name);
        out.set(path.relative(dir, file), fs.readFileSync(file, 'utf8'));
      }
    }
  }
  return out;
}

/** Replaces text in a file of a copy; fails when the text is not there (the mistake a test makes must be made). */
export function editFile(dir: string, file: string, from: string | RegExp, to: string): void {
  const full = path.join(dir, file);
  const text = fs.readFileSync(full, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${file}: ${from} not found`);
  fs.writeFileSync(full, next);
}
