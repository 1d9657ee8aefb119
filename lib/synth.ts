import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';
import { loadProject, type Project } from './load';
import { renderProject, toYaml, type RenderedFile } from './render';
import { validateObject } from './validate';
import { checkPolicy, formatFinding } from './policy';

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
export function synthesize(root: string, timings?: Record<string, number>): SynthResult {
  const phase = <T>(name: string, work: () => T): T => {
    const start = performance.now();
    try {
      return work();
    } finally {
      if (timings) timings[name] = performance.now() - start;
    }
  };
  const project = phase('load sources', () => loadProject(root));
  const rendered = phase('construct tree', () => renderProject(project));
  const findings = phase('validation', () => rendered.filter((f) => f.schema === 'kubernetes').flatMap((file: RenderedFile) =>
    file.objects.flatMap((o) => validateObject(o).map((f) => `dist/${file.path}: ${f.object}: ${f.message}`))));
  if (findings.length > 0) {
    throw new UserError(`${findings.length} rendered object(s) fail their schema, first: ${findings[0]}`);
  }
  const broken = phase('policy', () => checkPolicy(project, rendered));
  if (broken.length > 0) {
    throw new UserError(`${broken.length} policy finding(s), first: ${formatFinding(broken[0])} (\`npm run validate\` lists all)`);
  }
  const files = phase('YAML emit', () => new Map(rendered.map((f) => [f.path, toYaml(f)])));
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
