import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';
import { loadProject, type Project } from './load';
import { renderProject, toYaml, type RenderedFile } from './render';
import { validateObject } from './validate';
import { checkPolicy, formatFinding, type Finding } from './policy';

export interface SynthResult {
  readonly project: Project;
  readonly files: ReadonlyMap<string, string>;
  /** The objects of each file, as rendered (before YAML). */
  readonly rendered: readonly RenderedFile[];
}

/**
 * Loads, renders and validates the project below `root`, in memory. Throws a UserError on bad
 * input or on any object that fails its schema: nothing invalid ever reaches dist/.
 */
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

/** Loads and renders the project below `root` and checks every object, reporting all findings. */
export function inspect(root: string, timings?: Record<string, number>): Inspection {
  const phase = timed(timings);
  const project = phase('load sources', () => loadProject(root));
  const rendered = phase('construct tree', () => renderProject(project));
  const schemaFindings = phase('validation', () => rendered.filter((f) => f.schema === 'kubernetes').flatMap((file: RenderedFile) => {
    const version = kubernetesVersionOf(project, file.path);
    return file.objects.flatMap((o) => validateObject(o, version).map((f) => `dist/${file.path}: ${f.object}: ${f.message}`));
  }));
  const policyFindings = phase('policy', () => checkPolicy(project, rendered));
  return { project, rendered, schemaFindings, policyFindings };
}

/**
 * Loads, renders and validates the project below `root`, in memory. Throws a UserError on bad
 * input, on any object that fails its schema and on any policy finding: nothing invalid or unsafe
 * ever reaches dist/.
 */
export function synthesize(root: string, timings?: Record<string, number>): SynthResult {
  const { project, rendered, schemaFindings, policyFindings } = inspect(root, timings);
  if (schemaFindings.length > 0) {
    throw new UserError(`${schemaFindings.length} rendered object(s) fail their schema, first: ${schemaFindings[0]}`);
  }
  if (policyFindings.length > 0) {
    throw new UserError(`${policyFindings.length} policy finding(s), first: ${formatFinding(policyFindings[0])} (\`npm run validate\` lists all)`);
  }
  const files = timed(timings)('YAML emit', () => new Map(rendered.map((f) => [f.path, toYaml(f)])));
  return { project, files, rendered };
}

/**
 * Replaces `outdir` with exactly `files`: everything is written into a sibling temporary folder
 * first, then swapped in by rename, so a failure part-way leaves the old outdir as it was.
 */
export function writeTree(outdir: string, files: ReadonlyMap<string, string>): void {
  const parent = path.dirname(path.resolve(outdir));
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(outdir)}.new-`));
  try {
    for (const [file, text] of files) {
      const target = path.join(staging, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  const retired = `${staging}.old`;
  const hadOld = fs.existsSync(outdir);
  if (hadOld) fs.renameSync(outdir, retired);
  fs.renameSync(staging, outdir);
  if (hadOld) fs.rmSync(retired, { recursive: true, force: true });
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

export { UserError };
