/**
 * `npm run bench`: synth speed, scaling and bump latency, measured side by side in one run so that
 * ratios hold on a noisy machine. Each figure is the median of RUNS runs, with min and max.
 * Nothing here is asserted; docs/performance.md quotes its output.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
const NODE_SYNTH = [process.execPath, '--require', './bin/ts.js', 'main.ts'];
const RSS_HOOK = ['--require', path.join(ROOT, 'scripts', 'bench-rss.js')];

interface Row {
  readonly what: string;
  readonly times: number[];
  readonly note?: string;
}

function run(command: string[], options: SpawnSyncOptions): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { stdio: 'pipe', encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${command.join(' ')} failed (${result.status}): ${String(result.stderr).trim().split('\n').slice(-3).join(' / ')}`);
  }
  return ms;
}

function measure(what: string, command: string[], options: SpawnSyncOptions, note?: string): Row {
  run(command, options); // warm the OS and compile caches once; not counted
  const times = Array.from({ length: RUNS }, () => run(command, options));
  return { what, times, note };
}

/**
 * Commands measured in turns (a, b, a, b, ...), after one unmeasured run of each: what else the
 * machine does meanwhile weighs on all alike, so their ratios hold.
 */
function measureInTurns(commands: Array<{ what: string; command: string[] }>, options: SpawnSyncOptions): Row[] {
  for (const c of commands) run(c.command, options);
  const times = commands.map(() => [] as number[]);
  for (let n = 0; n < RUNS; n++) commands.forEach((c, i) => times[i].push(run(c.command, options)));
  return commands.map((c, i) => ({ what: c.what, times: times[i] }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/** Copies the sources a render needs (node_modules linked) into a temporary folder. */
function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-bench-'));
  for (const entry of fs.readdirSync(ROOT)) {
    if (['node_modules', '.git', 'dist'].includes(entry)) continue;
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function countObjects(dist: string): number {
  let count = 0;
  for (const entry of fs.readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.yaml')) {
      count += YAML.parseAllDocuments(fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8')).length;
    }
  }
  return count;
}

/**
 * A scale fixture: the real services plus generated API services up to `services`, three
 * environments on each of two clusters. Built in a temporary folder, never committed.
 */
function scaleFixture(services: number): string {
  const dir = copyProject();
  const template = fs.readFileSync(path.join(dir, 'services', 'resource-api.ts'), 'utf8');
  const real = fs
    .readdirSync(path.join(dir, 'services'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3));
  const generated = Array.from({ length: services - real.length }, (_, i) => `generated-${String(i + 1).padStart(3, '0')}-api`);
  for (const name of generated) {
    fs.writeFileSync(
      path.join(dir, 'services', `${name}.ts`),
      template
        .replace(/name: 'resource-api'/, `name: '${name}'`)
        .replace(/host: 'resource-api'/, `host: '${name}'`)
        .replace(/table: \{ name: 'resources' \}/, `table: { name: '${name}' }`),
    );
  }
  const cluster = fs.readFileSync(path.join(dir, 'clusters', 'eks-acg.ts'), 'utf8');
  fs.writeFileSync(path.join(dir, 'clusters', 'eks-bench.ts'), cluster.replace(/eks-acg/g, 'eks-bench'));
  const context = JSON.parse(fs.readFileSync(path.join(dir, 'clusters', 'eks-acg.context.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'clusters', 'eks-bench.context.json'), JSON.stringify(context, null, 2));
  const base = YAML.parse(fs.readFileSync(path.join(dir, 'environments', 'development.yaml'), 'utf8'));
  fs.rmSync(path.join(dir, 'environments'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'environments'));
  const ecr = [...real.filter((s) => s !== 'front-end-proxy'), ...generated];
  for (const cluster of ['eks-acg', 'eks-bench']) {
    for (const env of ['development', 'staging', 'production']) {
      const overlay = {
        // Each environment its own public hosts (synth refuses one host in two environments).
        ...base,
        cluster,
        namespace: env,
        hostSuffix: `-${env}-${cluster}`,
        images: Object.fromEntries(ecr.map((s) => [s, '1.0.af873c03'])),
      };
      fs.writeFileSync(path.join(dir, 'environments', `${env === 'production' ? 'prod' : env}-${cluster}.yaml`), YAML.stringify(overlay));
    }
  }
  return dir;
}

/**
 * The fleet: 20 clusters × 3 environments × 50 services (the real ones plus generated API
 * services), every cluster a copy of eks-acg under another name. Built in a temporary folder and
 * rendered once, never committed: where a bump must cost about what it costs on this repository.
 */
function fleetFixture(clusters = 20, services = 50): string {
  const dir = scaleFixture(services);
  const definition = fs.readFileSync(path.join(dir, 'clusters', 'eks-acg.ts'), 'utf8');
  const context = fs.readFileSync(path.join(dir, 'clusters', 'eks-acg.context.json'), 'utf8');
  const overlays = fs.readdirSync(path.join(dir, 'environments')).filter((f) => f.endsWith('-eks-acg.yaml'));
  const names = Array.from({ length: clusters - 1 }, (_, i) => `eks-fleet-${String(i + 1).padStart(2, '0')}`);
  for (const name of names) {
    fs.writeFileSync(path.join(dir, 'clusters', `${name}.ts`), definition.replace(/eks-acg/g, name));
    fs.writeFileSync(path.join(dir, 'clusters', `${name}.context.json`), context);
    for (const overlay of overlays) {
      const text = fs.readFileSync(path.join(dir, 'environments', overlay), 'utf8');
      fs.writeFileSync(
        path.join(dir, 'environments', overlay.replace('eks-acg', name)),
        text.replace(/cluster: eks-acg/, `cluster: ${name}`).replace(/^(hostSuffix: .*)-eks-acg$/m, `$1-${name}`),
      );
    }
  }
  for (const bench of ['eks-bench.ts', 'eks-bench.context.json']) fs.rmSync(path.join(dir, 'clusters', bench));
  for (const overlay of fs.readdirSync(path.join(dir, 'environments')).filter((f) => f.endsWith('-eks-bench.yaml'))) {
    fs.rmSync(path.join(dir, 'environments', overlay));
  }
  run(NODE_SYNTH, { cwd: dir });
  return dir;
}

/**
 * A bare repository standing in for the remote, seeded with the project, and a clone of it with a
 * committer identity: where `bookstore bump` runs end to end (validate, edit, render, commit, push).
 */
function bumpClone(project: string): { clone: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-bench-git-'));
  const git = (cwd: string, ...args: string[]) => run(['git', ...args], { cwd });
  const seed = path.join(dir, 'seed');
  fs.cpSync(project, seed, { recursive: true, filter: (src) => !src.includes(`${path.sep}.rss`) });
  fs.writeFileSync(path.join(seed, '.gitignore'), 'node_modules\nkustomize\n');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', 'remote.git');
  git(seed, 'init', '--quiet', '--initial-branch=main');
  git(seed, 'add', '--all');
  git(seed, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '--quiet', '-m', 'seed');
  git(seed, 'push', '--quiet', path.join(dir, 'remote.git'), 'main');
  const clone = path.join(dir, 'clone');
  git(dir, 'clone', '--quiet', path.join(dir, 'remote.git'), clone);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  git(clone, 'config', 'user.name', 'bench');
  git(clone, 'config', 'user.email', 'bench@example.com');
  return { clone, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function measureBump(project: string, environment: string, what: string): Row {
  const { clone, cleanup } = bumpClone(project);
  try {
    let n = 0;
    // Each run sets a new tag, so each is a real change: render, commit and push.
    const bump = () =>
      run([process.execPath, path.join(clone, 'bin', 'bookstore.js'), 'bump', environment, 'clients-api', `1.0.${(0x10000000 + ++n).toString(16)}`], {
        cwd: clone,
      });
    bump();
    const times = Array.from({ length: RUNS }, bump);
    return { what, times };
  } finally {
    cleanup();
  }
}

/** Runs of the fresh path (each is a clone and a whole `npm ci`: tens of seconds). */
const FRESH_RUNS = Math.max(1, Number(process.env.BENCH_FRESH_RUNS ?? 3));

/** The two commands of delivery/buildspec.yml the fresh path runs: its install, and its bump. */
function buildspecCommands(): { install: string; bump: string } {
  const spec = YAML.parse(fs.readFileSync(path.join(ROOT, 'delivery', 'buildspec.yml'), 'utf8'));
  const commands = [...spec.phases.pre_build.commands, ...spec.phases.build.commands] as string[];
  const install = commands.find((c) => c.startsWith('npm ci'));
  const bump = commands.find((c) => / bump /.test(c));
  if (!install || !bump) throw new Error('delivery/buildspec.yml: no npm ci or bump command');
  return { install, bump };
}

/**
 * What CI pays on every build (CodeBuild's bump): a fresh clone of the remote, then the install and
 * the bump exactly as delivery/buildspec.yml runs them (`bookstore bump` renders, commits and
 * pushes to the bare remote). npm's download cache (~/.npm) is kept, as on a developer's machine or
 * a CodeBuild project with a local cache; node_modules is new every run.
 */
function measureFreshPath(project: string): Row[] {
  const { clone: seed, cleanup } = bumpClone(project);
  const remote = path.join(path.dirname(seed), 'remote.git');
  const identity = { GIT_AUTHOR_NAME: 'ci', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'ci', GIT_COMMITTER_EMAIL: 'ci@example.com' };
  const { install, bump } = buildspecCommands();
  const phases = { clone: [] as number[], install: [] as number[], bump: [] as number[], total: [] as number[] };
  try {
    for (let n = 1; n <= FRESH_RUNS; n++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-bench-fresh-'));
      const clone = path.join(dir, 'clone');
      try {
        const env = { ...process.env, ...identity, BOOKSTORE_ENV: 'development', SERVICE: 'clients-api', TAG: `1.0.${(0x20000000 + n).toString(16)}` };
        const cloneMs = run(['git', 'clone', '--quiet', remote, clone], { cwd: dir, env });
        const installMs = run(['bash', '-c', `${install} --loglevel=error`], { cwd: clone, env });
        const bumpMs = run(['bash', '-c', bump], { cwd: clone, env });
        phases.clone.push(cloneMs);
        phases.install.push(installMs);
        phases.bump.push(bumpMs);
        phases.total.push(cloneMs + installMs + bumpMs);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    cleanup();
  }
  return [
    { what: 'fresh path: git clone of the remote', times: phases.clone },
    { what: `fresh path: ${install} (npm cache warm)`, times: phases.install },
    { what: 'fresh path: first bookstore bump after the install (render, commit, push)', times: phases.bump },
    { what: 'fresh path: clone + install + bump + push, end to end', times: phases.total },
  ];
}

/** Targets of issue 26: the fresh path ≤ 5 s, its first command ≤ 1 s, warm synth ≤ 3× kustomize. */
const TARGETS = { total: 5000, bump: 1000, synthOverFloor: 3 };

function main() {
  const rows: Row[] = [];
  const project = copyProject();
  const rss = path.join(project, '.rss');
  try {
    // The floor: kubectl kustomize reading the same rendered files (the copy has no dist/ until a synth), without rendering anything.
    run(NODE_SYNTH, { cwd: project });
    const floor = path.join(project, 'kustomize');
    const haveKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
    if (haveKubectl) {
      fs.cpSync(path.join(project, 'dist'), floor, { recursive: true });
      const resources = fs
        .readdirSync(floor, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
        .map((e) => path.relative(floor, path.join(e.parentPath, e.name)))
        // The CloudFormation templates have no Kubernetes metadata: kustomize cannot read them.
        .filter((file) => !/\/cluster\/(bootstrap|pod-network)\.yaml$/.test(file))
        .sort();
      fs.writeFileSync(path.join(floor, 'kustomization.yaml'), YAML.stringify({ resources }));
    }
    const synthRow = { what: 'npm run synth (this repository)', command: ['npm', 'run', '-s', 'synth'] };
    const floorCommand = { what: 'kubectl kustomize over the same files (floor)', command: ['kubectl', 'kustomize', floor] };
    rows.push(...measureInTurns(haveKubectl ? [synthRow, floorCommand] : [synthRow], { cwd: project }));
    rows.push(measure('node main.ts (synth without npm)', NODE_SYNTH, { cwd: project }));
    const bumpHere = measureBump(project, 'development', 'bookstore bump, end to end (local bare remote)');
    rows.push(bumpHere);
    if (process.env.BENCH_FRESH !== '0') rows.push(...measureFreshPath(project));
    rows.push(
      measure('cdk8s synth (the cdk8s CLI path)', [path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), 'synth', '--check-upgrade', 'false'], { cwd: project }),
    );

    // What no Node program can go below: starting Node, and starting npm.
    rows.push(measure('node -e 0 (Node start-up, for scale)', [process.execPath, '-e', '0'], { cwd: project }));
    rows.push(measure('npm --version (npm start-up, for scale)', ['npm', '--version'], { cwd: project }));

    const objects = countObjects(path.join(project, 'dist'));
    // Where the time of one synth goes (main.ts reports its phases with BOOKSTORE_TIMINGS=1).
    const phases = Array.from({ length: RUNS }, () => {
      const result = spawnSync(NODE_SYNTH[0], NODE_SYNTH.slice(1), { cwd: project, encoding: 'utf8', env: { ...process.env, BOOKSTORE_TIMINGS: '1' } });
      return JSON.parse(/^timings: (.*)$/m.exec(result.stderr)![1]) as Record<string, number>;
    });

    run([process.execPath, ...RSS_HOOK, '--require', './bin/ts.js', 'main.ts'], { cwd: project, env: { ...process.env, BENCH_RSS_FILE: rss } });
    const peakMiB = Number(fs.readFileSync(rss, 'utf8')) / 1024;

    const scale: Array<{ services: number; objects: number; row: Row }> = [];
    for (const services of [10, 50, 100]) {
      const fixture = scaleFixture(services);
      try {
        const row = measure(`synth ${services} services × 3 environments × 2 clusters`, NODE_SYNTH, { cwd: fixture });
        scale.push({ services, objects: countObjects(path.join(fixture, 'dist')), row });
        rows.push(row);
      } finally {
        fs.rmSync(fixture, { recursive: true, force: true });
      }
    }

    // The fleet: bump must not grow with the number of clusters, environments and services.
    const fleet = fleetFixture();
    let fleetObjects = 0;
    let bumpFleet: Row;
    try {
      fleetObjects = countObjects(path.join(fleet, 'dist'));
      bumpFleet = measureBump(fleet, 'development-eks-acg', 'bookstore bump on the fleet (20 clusters × 3 environments × 50 services)');
      rows.push(bumpFleet);
    } finally {
      fs.rmSync(fleet, { recursive: true, force: true });
    }

    // The test suite, once, as a developer runs it (BENCH_TESTS=0 skips it). The type check starts
    // from nothing, as on a fresh clone: its incremental build info is removed first (tsconfig.json).
    let testsMs: number | undefined;
    if (process.env.BENCH_TESTS !== '0') {
      fs.rmSync(path.join(ROOT, 'node_modules', '.cache', 'bookstore-tsc'), { recursive: true, force: true });
      testsMs = run(['npm', 'test', '--silent'], { cwd: ROOT });
    }

    const width = Math.max(...rows.map((r) => r.what.length));
    console.log(
      `bench: ${RUNS} runs each, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    );
    console.log(`| ${'what'.padEnd(width)} | median | min | max |`);
    console.log(`|${'-'.repeat(width + 2)}|---|---|---|`);
    for (const r of rows) {
      console.log(`| ${r.what.padEnd(width)} | ${fmt(median(r.times))} | ${fmt(Math.min(...r.times))} | ${fmt(Math.max(...r.times))} |`);
    }
    console.log('');
    console.log(`this repository: ${objects} objects; peak RSS of one synth ${peakMiB.toFixed(0)} MiB`);
    console.log(
      `one synth, median per phase: ${Object.keys(phases[0])
        .map((k) => `${k} ${fmt(median(phases.map((p) => p[k])))}`)
        .join(', ')}`,
    );
    for (const s of scale) {
      console.log(`scale ${s.services} services: ${s.objects} objects, ${(median(s.row.times) / s.objects).toFixed(2)} ms per object`);
    }
    const synth = median(rows[0].times);
    const floorRow = rows.find((r) => r.what.startsWith('kubectl'));
    if (floorRow) console.log(`npm run synth / kustomize floor: ${(synth / median(floorRow.times)).toFixed(1)}×`);
    const fresh = rows.filter((r) => r.what.startsWith('fresh path:')).map((r) => median(r.times));
    if (fresh.length === 4) {
      const [, , bumpMs, totalMs] = fresh;
      const line = (what: string, value: string, target: string, ratio: number) =>
        console.log(`| ${what} | ${value} | ${target} | ${ratio.toFixed(2)} | ${ratio <= 1 ? 'met' : 'not met'} |`);
      console.log('');
      console.log('| figure (median) | value | target | value / target | |');
      console.log('|---|---|---|---|---|');
      line('fresh path: first bump after the install (the first command)', fmt(bumpMs), `≤ ${fmt(TARGETS.bump)}`, bumpMs / TARGETS.bump);
      line('fresh path: end to end', fmt(totalMs), `≤ ${fmt(TARGETS.total)}`, totalMs / TARGETS.total);
      if (floorRow)
        line(
          'warm npm run synth / kubectl kustomize',
          `${fmt(synth)} / ${fmt(median(floorRow.times))} = ${(synth / median(floorRow.times)).toFixed(2)}×`,
          `≤ ${TARGETS.synthOverFloor}×`,
          synth / median(floorRow.times) / TARGETS.synthOverFloor,
        );
    }
    console.log(`fleet: ${fleetObjects} objects; bump on the fleet / bump here: ${(median(bumpFleet.times) / median(bumpHere.times)).toFixed(2)}×`);
    if (testsMs !== undefined) console.log(`npm test (whole suite, once, wall time, type check from nothing): ${fmt(testsMs)}`);
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
}

main();
