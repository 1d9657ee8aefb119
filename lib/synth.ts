import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './model/errors';
import { environmentNamed, loadProject, type LoadScope, type Project } from './load/project';
import { imagesIn, onlyImagesDiffer, parseOverlay } from './load/overlay';
import { folderOf, pendingClusterFiles, renderPictures, renderProject, toYaml, type Folders, type RenderedFile } from './render/project';
import { EKSCTL, validateClusterConfig, validateObject } from './check/validate';
import { checkPolicy, formatFinding, RULES, type Finding } from './check/policy';

export interface SynthResult {
  readonly project: Project;
  readonly files: ReadonlyMap<string, string>;
  /** The objects of each file, as rendered (before YAML). */
  readonly rendered: readonly RenderedFile[];
}

/** Everything a render says about the sources: the objects, and every schema and policy finding. */
export interface Inspection {
  readonly project: Project;
  readonly rendered: readonly RenderedFile[];
  /** `dist/<file>: <Kind/name>: <what the schema says>`, one per problem. */
  readonly schemaFindings: readonly string[];
  readonly policyFindings: readonly Finding[];
}

type Phase = <T>(name: string, work: () => T) => T;

function timed(timings?: Record<string, number>): Phase {
  return (name, work) => {
    const start = performance.now();
    try {
      return work();
    } finally {
      if (timings) timings[name] = performance.now() - start;
    }
  };
}

/** The Kubernetes version of the cluster a rendered file belongs to (files are `<cluster>/...`). */
export function kubernetesVersionOf(project: Project, file: string): string {
  const name = file.slice(0, file.indexOf('/'));
  const cluster = project.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`${file}: rendered for no cluster in clusters/`);
  return cluster.kubernetesVersion;
}

/** `dist/<file>: <Kind/name>: <what the schema says>` for every object of `files` that fails its schema. */
function schemaFindingsOf(project: Project, files: readonly RenderedFile[]): string[] {
  return files.flatMap((file) => {
    if (file.schema === 'eksctl') return file.objects.flatMap((o) => validateClusterConfig(o).map((f) => `dist/${file.path}: ${f.object}: eksctl ${EKSCTL.version}: ${f.message}`));
    if (file.schema !== 'kubernetes') return [];
    const version = kubernetesVersionOf(project, file.path);
    return file.objects.flatMap((o) => validateObject(o, version).map((f) => `dist/${file.path}: ${f.object}: ${f.message}`));
  });
}

/**
 * Loads and renders the project below `root` and checks every object, reporting all findings.
 * With `scope`, only the folders it picks from the loaded project are rendered and checked.
 */
export function inspect(root: string, timings?: Record<string, number>, scope?: (project: Project) => Folders, load?: LoadScope): Inspection {
  const phase = timed(timings);
  const project = phase('load sources', () => loadProject(root, load));
  const rendered = phase('construct tree', () => renderProject(project, scope?.(project)));
  const schemaFindings = phase('validation', () => schemaFindingsOf(project, rendered));
  const policyFindings = phase('policy', () => checkPolicy(project, rendered));
  return { project, rendered, schemaFindings, policyFindings };
}

/**
 * Loads, renders and validates the project below `root`, in memory. Throws a UserError on bad
 * input, on any object that fails its schema and on any policy finding: nothing invalid or unsafe
 * ever reaches dist/.
 */
export function synthesize(root: string, timings?: Record<string, number>, scope?: (project: Project) => Folders, load?: LoadScope): SynthResult {
  const { project, rendered, schemaFindings, policyFindings } = inspect(root, timings, scope, load);
  refuseFindings(schemaFindings, policyFindings);
  // The pictures of the environments rendered (all of them, or those a partial render picked).
  const pictures = renderPictures(project, new Set(rendered.map((f) => f.path.slice(0, f.path.lastIndexOf('/')))));
  const files = timed(timings)('YAML emit', () => new Map([...rendered.map((f): [string, string] => [f.path, toYaml(f)]), ...pictures]));
  return { project, files, rendered };
}

/**
 * Re-renders `outdir` after the overlay of `envName` went from `before` to `after`. When only its
 * `images` changed (a bump, a promotion), only that environment's folder is rendered, and only the
 * files the change can move are validated and written (see `renderTagChange`); any other change
 * renders everything. Returns how many files changed. `loaded`: the project as loaded (scoped to
 * `envName`, as a bump loads it) while the overlay still read `before`, every other file as it is
 * now; it then is not loaded again. (Promote calls this function of the commit it promotes on:
 * its signature stays.)
 */
export function renderOverlayChange(root: string, outdir: string, envName: string, before: string, after: string, loaded?: Project): number {
  return renderOverlayChangeFiles(root, outdir, envName, before, after, loaded).changed;
}

/**
 * `renderOverlayChange`, also naming what it touched: `files`, the paths below `outdir` it wrote or
 * removed, when it rendered only the environment's folder (a bump then stages just those);
 * undefined when it rendered everything.
 */
export function renderOverlayChangeFiles(root: string, outdir: string, envName: string, before: string, after: string, loaded?: Project):
  { readonly changed: number; readonly files?: readonly string[] } {
  if (!onlyImagesDiffer(before, after)) {
    const { files } = synthesize(root);
    const changed = treeDifferences(files, readTree(outdir)).length;
    writeTree(outdir, files);
    return { changed };
  }
  const files = renderTagChange(root, outdir, envName, before, loaded && withOverlay(loaded, envName, after));
  return { changed: files.length, files };
}

/** `project` (loaded while the overlay of `envName` read otherwise) with that overlay read from `text`. */
function withOverlay(project: Project, envName: string, text: string): Project {
  const environment = parseOverlay(`environments/${envName}.yaml`, text, envName, project.services);
  return { ...project, environments: project.environments.map((e) => (e.name === envName ? environment : e)) };
}

/** Throws a UserError for the first schema or policy finding, as a synth reports it. */
function refuseFindings(schemaFindings: readonly string[], policyFindings: readonly Finding[]): void {
  if (schemaFindings.length > 0) {
    throw new UserError(`${schemaFindings.length} rendered object(s) fail their schema, first: ${schemaFindings[0]}`);
  }
  if (policyFindings.length > 0) {
    throw new UserError(`${policyFindings.length} policy finding(s), first: ${formatFinding(policyFindings[0])} (\`npm run validate\` lists all)`);
  }
}

/**
 * A change of tags in the overlay of `envName` (it read `before`; it now reads what is on disk).
 * Each service sees its own tag only (`environmentOf`), so a tag feeds its own service's file and
 * nothing else: the files of the services whose tags stayed are the ones already in dist/ (which
 * held what the sources rendered before the change), and are neither validated, turned into YAML
 * nor written again. The files of the services whose tags moved, the folder's other files (the
 * namespace, the provider's environment-wide objects, the picture) and any file missing on disk
 * are validated, emitted, compared with dist/ and written where they differ. The posture rules
 * that read other objects (a namespace's Pod Security labels, the network rules) see the whole
 * folder, as in a full synth; the others see those files. A folder of 50 services whose bump
 * moves one tag emits two files instead of 51. Returns the paths below `outdir` it wrote or removed.
 */
function renderTagChange(root: string, outdir: string, envName: string, before: string, loaded?: Project): string[] {
  const project = loaded ?? loadProject(root, { around: [envName] });
  const environment = environmentNamed(project, envName);
  const folder = folderOf(environment);
  const folders = new Set([folder]);
  const rendered = renderProject(project, folders);
  const target = path.join(path.resolve(outdir), folder);
  const onDisk = new Set(fs.existsSync(target) ? fs.readdirSync(target) : []);
  const nameOf = (file: string) => file.slice(folder.length + 1);
  // The services whose files are as they were: a tag that did not move (no tag at all, for a public image).
  const was = imagesIn(before);
  const still = new Set(was ? project.services.filter((s) => was[s.name] === environment.images[s.name]).map((s) => `${s.name}.yaml`) : []);
  const unchanged = new Set(rendered.map((f) => f.path).filter((file) => still.has(nameOf(file)) && onDisk.has(nameOf(file))));
  const moved = rendered.filter((f) => !unchanged.has(f.path));
  refuseFindings(schemaFindingsOf(project, moved), checkPolicy(project, rendered, RULES, unchanged));

  const pictures = renderPictures(project, folders);
  const texts = new Map<string, string>([...moved.map((f): [string, string] => [f.path, toYaml(f)]), ...pictures]);
  const keep = new Set([...rendered.map((f) => nameOf(f.path)), ...[...pictures.keys()].map(nameOf)]);
  const writes = new Map([...texts].filter(([file, text]) => readIfFile(path.join(target, nameOf(file))) !== text));
  // What the folder holds beyond the render goes, as a full synth would drop it; so does what a killed write left.
  const removals = [...onDisk].filter((name) => !keep.has(name) && (!name.startsWith('.') || (name.includes('.new-') && abandoned(name.slice(name.indexOf('.new-') + 5)))))
    .map((name) => `${folder}/${name}`);
  writeFiles(outdir, writes, removals);
  return [...writes.keys(), ...removals].sort();
}

/** A file's text, or undefined when there is none. */
function readIfFile(file: string): string | undefined {
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
function abandoned(rest: string): boolean {
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
  const folders = new Set([...files.keys()].flatMap((file) => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  let seen = 0;
  for (const entry of entries) {
    const name = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (entry.isDirectory() && folders.has(name)) continue;
    if (!entry.isFile() || !files.has(name) || files.get(name) !== fs.readFileSync(path.join(dir, name), 'utf8')) return false;
    seen++;
  }
  return seen === files.size;
}

/** Reads a rendered tree back: relative path → text (for the drift gate and diffs). */
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
    lines.push(kind === 'cluster'
      ? `note: dist/${file} changed: Argo CD does not apply it; after merging, apply it with eksctl (e.g. \`eksctl create iamserviceaccount -f dist/${file} --approve\`, \`eksctl create addon -f dist/${file}\`, \`eksctl create podidentityassociation -f dist/${file}\`, \`eksctl create nodegroup -f dist/${file}\` for what is new; docs/clusters.md, "The cluster")`
      : `note: dist/${file} changed: Argo CD does not apply it; after merging, deploy it: \`npx bookstore bootstrap ${cluster}\` (it skips the steps that are done; --dry-run shows them)`);
  }
  return lines;
}

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

export { UserError };

/**
 * What synth says of each cluster being added (its cache lacks facts): what it rendered of it and
 * what it still needs, so that adding a cluster works offline and says where it stands.
 */
export function pendingReport(project: Project): string[] {
  return project.pending.map((pending) => {
    const name = pending.cluster.name;
    const { files, needs } = pendingClusterFiles(project, pending);
    const cache = fs.existsSync(path.join(project.root, pending.contextFile)) ? `${pending.contextFile} lacks` : `${pending.contextFile} not found: it needs`;
    const read = `put them under ${pending.cluster.ssmPrefix} in SSM and run \`npm run context -- ${name}\` (docs/clusters.md, "Adding a cluster")`;
    return files.length > 0
      ? `synth: ${name}: rendered dist/${name}/cluster/ only (for eksctl): ${cache} ${pending.missing.join(', ')}; once the cluster exists, ${read}`
      : `synth: ${name}: nothing rendered yet: ${cache} ${pending.missing.join(', ')}; dist/${name}/cluster/ (for eksctl) needs ${needs.join(', ')} first: ${read}`;
  });
}
