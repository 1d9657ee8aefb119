/**
 * `npm run check:renovate` (development-time, like `npm run check:charts`; not part of `npm test`):
 * runs Renovate itself, the pinned RENOVATE_VERSION fetched by npx, on a temporary copy of the
 * repository's files (what `git ls-files` lists, edits included; the working tree is only read),
 * with the `local` platform and `--dry-run=extract`: Renovate reads renovate.json and extracts
 * the dependencies as it would before looking anything up, and writes them to a report file. No
 * registry but npm's is asked (extract looks nothing up).
 *
 * Then it checks that every pin the project model holds is among what Renovate extracted, from
 * that pin's file:
 *  - each add-on's chart (platform/<add-on>.ts): repository, chart and version;
 *  - each Git source an add-on's Application reads (its `sourceRepositories`), at the revision
 *    its render pins (the Gateway API CRDs' tag);
 *  - each cluster's kubernetesVersion (clusters/<cluster>.ts);
 *  - each public image (services/<service>.ts);
 *  - RENOVATE_VERSION itself, here and in docs/platform.md's commands.
 * Exit 1 with one line per pin Renovate did not extract (or extracted but will skip), naming the
 * file and the pin; otherwise a summary with Renovate's counts per manager.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { runCommand, UserError } from '../lib/model/errors';
import { addOnFile } from '../lib/model/addon';
import { loadClusterDefinitions, loadProject, type Project } from '../lib/load/project';

/** The Renovate this check runs (npm package `renovate`), the same as docs/platform.md's validator. */
export const RENOVATE_VERSION = '44.121.2';

/** One pin the project holds, where Renovate must find it. */
export interface Pin {
  /** The file that declares it, relative to the root: Renovate's packageFile. */
  readonly file: string;
  /** What it is, for the message: `chart <repository> <chart> <version>`, say. */
  readonly label: string;
  /** Whether an extracted dependency is this pin. */
  matches(dep: ExtractedDep): boolean;
}

/** The fields of a dependency in Renovate's report that the check reads. */
export interface ExtractedDep {
  readonly depName?: string;
  readonly packageName?: string;
  readonly currentValue?: string;
  readonly datasource?: string;
  readonly registryUrls?: readonly string[];
  readonly skipReason?: string;
}

/** Renovate's report (`--report-type=file`): per repository, per manager, the package files and their deps. */
export interface RenovateReport {
  readonly problems?: ReadonlyArray<{ readonly level?: number; readonly msg?: string }>;
  readonly repositories: Record<
    string,
    {
      readonly problems?: ReadonlyArray<{ readonly level?: number; readonly msg?: string }>;
      readonly packageFiles: Record<string, ReadonlyArray<{ readonly packageFile: string; readonly deps: readonly ExtractedDep[] }>>;
    }
  >;
}

/**
 * A skip Renovate decides from where it runs, not from renovate.json: a github-tags dependency
 * without a GitHub token (a local run has none; the hosted app and a workflow with a token do).
 */
export const ENVIRONMENT_SKIPS: readonly string[] = ['github-token-required'];

const names = (dep: ExtractedDep) => [dep.packageName, dep.depName].filter((n): n is string => !!n);

/** The Git sources an add-on's render reads at a pinned revision: every Application source whose repoURL it declares. */
function gitSources(project: Project): Array<{ file: string; repository: string; revision: string }> {
  const cluster = project.clusters[0] ?? project.pending[0]?.cluster;
  return project.addOns
    .filter((a) => (a.sourceRepositories ?? []).length > 0)
    .flatMap((addOn) => {
      if (!cluster) throw new UserError(`${addOnFile(addOn)}: reads ${addOn.sourceRepositories!.join(', ')}, but there is no cluster to render it on`);
      // Rendered on its own, whether or not a cluster needs it today: its pin is Renovate's either way.
      const chart = new Chart(new App(), 'check-renovate');
      addOn.render(chart, cluster, {
        environments: project.environments.filter((e) => e.cluster === cluster.name),
        services: project.services,
        addOns: project.addOns,
      });
      const sources = chart
        .toJson()
        .filter((o) => o.kind === 'Application')
        .flatMap((o) => [o.spec?.source, ...(o.spec?.sources ?? [])])
        .filter((s) => s && addOn.sourceRepositories!.includes(s.repoURL) && typeof s.targetRevision === 'string');
      if (sources.length === 0)
        throw new UserError(`${addOnFile(addOn)}: renders no Application reading ${addOn.sourceRepositories!.join(', ')} at a revision`);
      return sources.map((s) => ({ file: addOnFile(addOn), repository: s.repoURL as string, revision: s.targetRevision as string }));
    });
}

/** Every pin the project model holds, from the loaded project: nothing listed by hand. */
export function expectedPins(root: string, project: Project = loadProject(root)): Pin[] {
  const charts = project.addOns.flatMap((addOn) => {
    if (!addOn.chart) return [];
    const { repository, chart, version } = addOn.chart;
    const oci = !/^https?:\/\//.test(repository);
    return [
      {
        file: addOnFile(addOn),
        label: `chart ${repository} ${chart} ${version}`,
        // https: the helm datasource with the repository as registry; OCI: an image registry/path/chart.
        matches: (d: ExtractedDep) =>
          d.currentValue === version &&
          (oci
            ? d.datasource === 'docker' && d.packageName === `${repository}/${chart}`
            : d.datasource === 'helm' && d.depName === chart && (d.registryUrls ?? []).includes(repository)),
      },
    ];
  });
  const sources = gitSources(project).map(({ file, repository, revision }) => {
    const slug = repository.replace(/^https?:\/\/[^/]+\//, '').replace(/\.git$/, '');
    return {
      file,
      label: `git ${repository} ${revision}`,
      matches: (d: ExtractedDep) => d.currentValue === revision && names(d).some((n) => n === slug || n === repository),
    };
  });
  // Every cluster file, the ones still waiting for their account facts included.
  const clusters = loadClusterDefinitions(root).map((c) => ({
    file: `clusters/${c.name}.ts`,
    label: `kubernetesVersion ${c.kubernetesVersion}`,
    matches: (d: ExtractedDep) => d.currentValue === c.kubernetesVersion,
  }));
  const images = project.services.flatMap((s) =>
    (s.image.kind === 'public' ? [s.image.image] : []).map((image) => ({
      file: `services/${s.name}.ts`,
      label: `image ${image}`,
      matches: (d: ExtractedDep) => d.datasource === 'docker' && names(d).some((n) => `${n}:${d.currentValue}` === image),
    })),
  );
  // This check's own Renovate, in the script and in the docs' commands (test/renovate.test.ts: the same version).
  const renovate = ['scripts/check-renovate.ts', 'docs/platform.md'].map((file) => ({
    file,
    label: `renovate ${RENOVATE_VERSION}`,
    matches: (d: ExtractedDep) => d.datasource === 'npm' && d.depName === 'renovate' && d.currentValue === RENOVATE_VERSION,
  }));
  return [...charts, ...sources, ...clusters, ...images, ...renovate];
}

/** The pins Renovate missed (one line each, file first), and its counts per manager. */
export function compare(pins: readonly Pin[], report: RenovateReport): { findings: string[]; managers: Record<string, { files: number; deps: number }> } {
  const repositories = Object.values(report.repositories);
  if (repositories.length !== 1) throw new UserError(`Renovate's report has ${repositories.length} repositories, not the one local run`);
  const [repository] = repositories;
  const managers: Record<string, { files: number; deps: number }> = {};
  const depsOf = new Map<string, ExtractedDep[]>();
  for (const [manager, files] of Object.entries(repository.packageFiles ?? {})) {
    managers[manager] = { files: files.length, deps: files.reduce((n, f) => n + f.deps.length, 0) };
    for (const f of files) depsOf.set(f.packageFile, [...(depsOf.get(f.packageFile) ?? []), ...f.deps]);
  }
  const findings = pins.flatMap((pin) => {
    const there = depsOf.get(pin.file) ?? [];
    const found = there.filter((d) => pin.matches(d));
    if (found.length === 0) {
      const instead = there.map((d) => [d.datasource, names(d)[0], d.currentValue].filter(Boolean).join(' '));
      return [`${pin.file}: ${pin.label}: not extracted by Renovate${instead.length ? ` (it extracted there: ${instead.join('; ')})` : ''}`];
    }
    if (found.every((d) => d.skipReason && !ENVIRONMENT_SKIPS.includes(d.skipReason))) {
      return [`${pin.file}: ${pin.label}: extracted but skipped by Renovate (${found.map((d) => d.skipReason).join(', ')})`];
    }
    return [];
  });
  return { findings, managers };
}

/** The files Renovate would see in a clone: tracked and untracked-but-not-ignored ones, as they are in the working tree. */
function copyRepository(root: string, into: string): number {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) throw new UserError(`git ls-files failed in ${root}: ${listed.stderr.trim() || listed.error?.message}`);
  const files = listed.stdout.split('\0').filter((f) => f && fs.existsSync(path.join(root, f)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(into, file));
  }
  return files.length;
}

/** Runs the pinned Renovate's extract on a copy of `root`; its report, and whether it used RE2 (as the hosted app does) or fell back to RegExp. */
export function runRenovateExtract(root: string): { report: RenovateReport; re2: boolean; seconds: number } {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'check-renovate-'));
  try {
    const repo = path.join(work, 'repo');
    copyRepository(root, repo);
    const reportPath = path.join(work, 'report.json');
    const started = Date.now();
    const run = spawnSync(
      'npx',
      [
        '--yes',
        '--package',
        `renovate@${RENOVATE_VERSION}`,
        'renovate',
        '--platform=local',
        '--dry-run=extract',
        '--report-type=file',
        `--report-path=${reportPath}`,
      ],
      {
        cwd: repo,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        // Its caches in the temporary folder, which is removed after.
        env: { ...process.env, LOG_LEVEL: 'info', RENOVATE_BASE_DIR: path.join(work, 'base') },
      },
    );
    const seconds = (Date.now() - started) / 1000;
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    if (run.status !== 0 || !fs.existsSync(reportPath)) {
      throw new UserError(
        `renovate@${RENOVATE_VERSION} failed (exit ${run.status ?? run.error?.message}); its last lines:\n${output.trim().split('\n').slice(-20).join('\n')}`,
      );
    }
    const report = JSON.parse(fs.readFileSync(reportPath, 'utf8')) as RenovateReport;
    return { report, re2: !/RE2 not usable/.test(output), seconds };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runCommand('check:renovate', () => {
    const root = path.resolve(__dirname, '..');
    const pins = expectedPins(root);
    const { report, re2, seconds } = runRenovateExtract(root);
    const problems = [...(report.problems ?? []), ...Object.values(report.repositories).flatMap((r) => r.problems ?? [])]
      .filter((p) => (p.level ?? 0) >= 50)
      .map((p) => p.msg);
    for (const problem of problems) console.error(`check:renovate: Renovate reported an error: ${problem}`);
    const { findings, managers } = compare(pins, report);
    for (const finding of findings) console.error(`check:renovate: ${finding}`);
    if (findings.length > 0 || problems.length > 0)
      throw new UserError(`${findings.length} of ${pins.length} pin(s) not extracted by renovate@${RENOVATE_VERSION}`);
    const counts = Object.entries(managers)
      .map(([m, c]) => `${m} ${c.deps} in ${c.files} file(s)`)
      .join(', ');
    console.log(`check:renovate: renovate@${RENOVATE_VERSION} extracted all ${pins.length} pin(s) of the project (${counts}) in ${seconds.toFixed(0)} s`);
    if (!re2)
      console.log(
        'check:renovate: note: Renovate fell back to JavaScript RegExp (its re2 module did not load): the hosted app uses RE2, which rejects some patterns RegExp takes',
      );
  });
}
