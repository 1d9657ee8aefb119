import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './model/errors';
import { environmentNamed, loadProject, type LoadScope, type Project } from './load/project';
import { imagesIn, onlyImagesDiffer, parseOverlay } from './load/overlay';
import { folderOf, pendingClusterFiles, renderPictures, renderProject, toYaml, type Folders, type RenderedFile } from './render/project';
import { EKSCTL, validateClusterConfig, validateObject } from './check/validate';
import { checkPolicy, formatFinding, RULES, type Finding } from './check/policy';
import { abandoned, readIfFile, readTree, treeDifferences, writeFiles, writeTree } from './output/write';

export { oneTimeChanges, readTree, treeDifferences, writeFiles, writeTree } from './output/write';

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
    if (file.schema === 'eksctl')
      return file.objects.flatMap((o) => validateClusterConfig(o).map((f) => `dist/${file.path}: ${f.object}: eksctl ${EKSCTL.version}: ${f.message}`));
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
export function renderOverlayChangeFiles(
  root: string,
  outdir: string,
  envName: string,
  before: string,
  after: string,
  loaded?: Project,
): { readonly changed: number; readonly files?: readonly string[] } {
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
  const removals = [...onDisk]
    .filter((name) => !keep.has(name) && (!name.startsWith('.') || (name.includes('.new-') && abandoned(name.slice(name.indexOf('.new-') + 5)))))
    .map((name) => `${folder}/${name}`);
  writeFiles(outdir, writes, removals);
  return [...writes.keys(), ...removals].sort();
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
