/**
 * The README's extensions, performed on a copy of the repository's committed files as a user
 * performs them: a sixth service (with a table, a backend edge, a proxy route and its tag line in
 * every overlay) and a second cluster in another region with its own environments, whose account
 * facts arrive in the README's two steps through `npm run context` (from a stand-in for SSM).
 * Synth must say where the new cluster stands at each step, and `npm test` must pass on the result.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { status } from '../lib/commands/status';
import { loadProject } from '../lib/load/project';
import { CREDENTIALS, FakeSsm } from './fake-ssm';
import { ROOT, USER_TMPDIR_VARIABLE } from './helpers';

/** Set in the `npm test` this suite runs on the extended copy, where it does not run itself again. */
const INNER = 'BOOKSTORE_EXTENSIONS_INNER_RUN';

/**
 * The suites the run on the extended copy leaves out: what each proves does not depend on the
 * project's services, environments or clusters, so a sixth service and a second cluster cannot
 * change its outcome, and the outer run has just proven it on the same code. Every suite that reads
 * the model (loadProject, the render, services/, environments/, clusters/) to build what it expects
 * still runs there, and so does `tsc --noEmit`, which type-checks the new service and cluster files.
 */
const INDEPENDENT_OF_THE_MODEL = [
  'ts-loader', // bin/ts.js on files of its own
  'compile', // bin/ts.js's compiler and content-keyed store (one service file as sample text)
  'lean-install', // which packages bin/ and a bump load: package-lock.json against node_modules
  'buildspec', // delivery/buildspec.yml's commands, bumping clients-api on eks-acg's development
  'bump-race', // git and bump's retries under concurrent pushes; its services are generated
];

const SIXTH = `import { defineService } from '../lib/model/service';

export default defineService({
  name: 'search-api',
  description: 'Full-text search over the store\\'s resources.',
  component: 'api',
  image: { kind: 'ecr' },
  port: 5005,
  host: 'search-api',
  table: { name: 'search' },
  backends: [{ service: 'resource-api', envVar: 'RESOURCE_API_ENDPOINT' }],
  env: ({ cluster }) => ({ AWS_REGION: cluster.region }),
  health: { httpPath: '/health' },
  resources: { cpuMillis: [100, 500], memoryMiB: [128, 128] },
  security: { runAsUser: 10001, scratchPaths: ['/tmp'] },
});
`;

/** clusters/eks-acg.ts with the fields the README says to change changed. */
function secondCluster(example: string): string {
  const changed = example
    .replace(/name: 'eks-acg'/, "name: 'eks-eu'")
    .replace(/region: 'us-east-1'/, "region: 'eu-west-1'")
    .replace(/availabilityZones: \[[^\]]*\]/, "availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']")
    .replace(/ssmPrefix: '[^']*'/, "ssmPrefix: '/bookstore/eks-eu/'")
    .replace(/vpcCidr: '[^']*'/, "vpcCidr: '10.1.0.0/16'")
    // Fargate stays a cluster option: this cluster's development runs there (not on spot), on a mesh that serves Fargate pods.
    .replace(/^(\s*)spotNamespaces: .*$/m, "$1fargateNamespaces: ['development'],");
  for (const field of [
    "name: 'eks-eu'",
    "region: 'eu-west-1'",
    "ssmPrefix: '/bookstore/eks-eu/'",
    "vpcCidr: '10.1.0.0/16'",
    "fargateNamespaces: ['development']",
  ]) {
    if (!changed.includes(field)) throw new Error(`clusters/eks-acg.ts no longer has the field the README tells to change: ${field}`);
  }
  return changed;
}

/** A copy of the files git tracks or would (what a clone of the change has), with node_modules linked. */
function cloneLikeCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-extended-'));
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files in ${ROOT}: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!fs.existsSync(path.join(ROOT, file))) continue; // deleted in the work tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** The README's "Adding a service" and steps 1-2 of "Adding a cluster" (files only; the facts come later). */
function extend(dir: string): void {
  fs.writeFileSync(path.join(dir, 'services', 'search-api.ts'), SIXTH);
  const proxy = path.join(dir, 'services', 'front-end-proxy.ts');
  fs.writeFileSync(
    proxy,
    fs
      .readFileSync(proxy, 'utf8')
      .replace(
        "  { service: 'clients-api', route: '/clients-api/', configKey: 'clientApi' },\n",
        "  { service: 'clients-api', route: '/clients-api/', configKey: 'clientApi' },\n  { service: 'search-api', route: '/search-api/', configKey: 'searchApi' },\n",
      ),
  );
  fs.writeFileSync(path.join(dir, 'clusters', 'eks-eu.ts'), secondCluster(fs.readFileSync(path.join(dir, 'clusters', 'eks-acg.ts'), 'utf8')));
  for (const env of ['development', 'production']) {
    const file = path.join(dir, 'environments', `${env}.yaml`);
    const text = fs.readFileSync(file, 'utf8').replace('images:\n', 'images:\n  search-api: 1.0.5ea4c11a\n');
    fs.writeFileSync(file, text);
    const eu = text.replace('cluster: eks-acg', 'cluster: eks-eu');
    // Istio's node agents do not run on Fargate: the Fargate environment takes a mesh that does.
    fs.writeFileSync(path.join(dir, 'environments', `eu-${env}.yaml`), env === 'development' ? eu.replace(/^mesh: .*$/m, 'mesh: none') : eu);
  }
}

/** The facts of clusters/eks-acg.context.json, as the new cluster's account would have them. */
function euFacts(dir: string): Record<string, string> {
  const example = JSON.parse(fs.readFileSync(path.join(dir, 'clusters', 'eks-acg.context.json'), 'utf8')) as Record<string, string>;
  const facts = Object.fromEntries(Object.entries(example).map(([k, v]) => [k.replace('us-east-1', 'eu-west-1'), v.replace('us-east-1', 'eu-west-1')]));
  return {
    ...facts,
    'account-id': '444455556666',
    'base-domain': 'eu.example.com',
    'certificate-arn': facts['certificate-arn'].replace(/\d{12}/, '444455556666'),
  };
}

const BEFORE_THE_CLUSTER = ['account-id', 'base-domain', 'certificate-arn', 'hosted-zone-id'];

const run = promisify(execFile);
/** An npm script in `dir`, as a user runs it; it may fail (its status and output are returned). */
async function npm(dir: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '-s', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: 0, stdout, stderr };
  } catch (err: any) {
    return { status: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(err) };
  }
}

/** Synth's stderr holds its report only (the mesh lines, the notes, where a cluster being added stands), never an error. */
const NOT_A_REPORT = /^synth: (?!.*(App Mesh|does not enforce|\) enforces: |eks-eu: ))/m;

(process.env[INNER] ? describe.skip : describe)('the documented extensions keep CI green', () => {
  let project: string;
  let ssm: FakeSsm;
  let endpoint: string;
  const context = () => npm(project, ['context', '--', 'eks-eu', '--endpoint-url', endpoint], CREDENTIALS);
  beforeAll(async () => {
    project = cloneLikeCopy();
    extend(project);
    ssm = new FakeSsm();
    endpoint = await ssm.start();
  });
  afterAll(async () => {
    await ssm.stop();
    fs.rmSync(project, { recursive: true, force: true });
  });

  it('offline, before any fact: synth renders the sixth service everywhere and says what the new cluster waits for', async () => {
    const synth = await npm(project, ['synth']);
    expect(synth.stderr).not.toMatch(NOT_A_REPORT);
    expect(synth.status).toBe(0);
    expect(synth.stderr).toMatch(
      /^synth: eks-eu: nothing rendered yet: clusters\/eks-eu\.context\.json not found: it needs account-id, .*; dist\/eks-eu\/cluster\/ \(for eksctl\) needs account-id, hosted-zone-id first: /m,
    );
    expect(fs.existsSync(path.join(project, 'dist', 'eks-eu'))).toBe(false);
    const model = loadProject(project);
    expect(model.pending.map((p) => p.cluster.name)).toEqual(['eks-eu']);
    for (const environment of model.environments) {
      expect(fs.existsSync(path.join(project, 'dist', environment.cluster, environment.name, 'search-api.yaml'))).toBe(true);
    }
    const lines: string[] = [];
    await status([], { root: project, log: (l) => lines.push(l) });
    expect(lines.filter((l) => l.startsWith('cluster '))).toEqual([
      'cluster eks-acg: development → production',
      'cluster eks-eu: eu-development → eu-production (not rendered yet: its account facts are missing)',
    ]);
  }, 120000);

  it("the account's own facts: context writes them, synth renders dist/eks-eu/cluster/ only", async () => {
    const facts = euFacts(project);
    ssm.parameters = Object.fromEntries(BEFORE_THE_CLUSTER.map((k) => [`/bookstore/eks-eu/${k}`, facts[k]]));
    const refresh = await context();
    expect(refresh.stderr).toBe('');
    expect(refresh.stdout).toMatch(/^missing: \/bookstore\/eks-eu\/oidc-issuer$/m);
    const synth = await npm(project, ['synth']);
    expect(synth.status).toBe(0);
    expect(synth.stderr).toMatch(/^synth: eks-eu: rendered dist\/eks-eu\/cluster\/ only \(for eksctl\): clusters\/eks-eu\.context\.json lacks /m);
    expect(fs.readdirSync(path.join(project, 'dist', 'eks-eu'))).toEqual(['cluster']);
    expect(fs.readFileSync(path.join(project, 'dist', 'eks-eu', 'cluster', 'cluster.yaml'), 'utf8')).toContain('arn:aws:iam::444455556666:');
  }, 120000);

  it("the cluster's own facts once it exists: synth renders all of it, validate finds nothing", async () => {
    ssm.parameters = Object.fromEntries(Object.entries(euFacts(project)).map(([k, v]) => [`/bookstore/eks-eu/${k}`, v]));
    const refresh = await context();
    expect(refresh.stdout).not.toMatch(/^missing: /m);
    const synth = await npm(project, ['synth']);
    expect(synth.stderr).not.toMatch(NOT_A_REPORT);
    expect(synth.stderr).not.toMatch(/^synth: eks-eu: /m);
    expect(synth.status).toBe(0);
    const model = loadProject(project);
    expect(model.clusters.map((c) => c.name)).toEqual(['eks-acg', 'eks-eu']);
    for (const environment of model.environments) {
      expect(fs.existsSync(path.join(project, 'dist', environment.cluster, environment.name, 'search-api.yaml'))).toBe(true);
    }
    const validate = await npm(project, ['validate']);
    expect(validate.stdout.trim().split('\n').pop()).toMatch(/^validate: \d+ objects in \d+ files pass/);
    expect(validate.status).toBe(0);
  }, 120000);

  it('npm test passes on the extended repository: the tests derive their expectations from the project', async () => {
    // Formatted as the contributor would before committing (`npm test` checks the formatting).
    const format = await npm(project, ['format']);
    expect([format.status, format.stderr]).toEqual([0, '']);
    // A clone with the change committed, as the pull request's CI sees it (suites read `git` state).
    for (const args of [
      ['init', '--quiet', '--initial-branch=main'],
      ['add', '--all'],
      ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'extend'],
    ]) {
      expect(spawnSync('git', args, { cwd: project, encoding: 'utf8' }).status).toBe(0);
    }
    // The user's TMPDIR (none, if they set none), not this run's work folder: the inner run makes its
    // own work folder where this one did (a tmpfs when there is one: on disk its clones took twice
    // as long), and its jest finds this run's transform cache in the system's temporary folder.
    const skipped = `/test/(${INDEPENDENT_OF_THE_MODEL.join('|')})\\.test\\.ts$`;
    const inner = await npm(project, ['test', '--', '--ci', '--testPathIgnorePatterns', skipped], { [INNER]: '1', TMPDIR: process.env[USER_TMPDIR_VARIABLE] });
    const summary = /^Tests: .*$/m.exec(inner.stderr)?.[0];
    expect([
      summary,
      inner.stderr
        .split('\n')
        .filter((l) => /^(FAIL|\s+●)/.test(l))
        .slice(0, 20),
    ]).toEqual([expect.stringMatching(/^Tests: +(\d+ skipped, )?\d+ passed, \d+ total$/), []]);
    expect(inner.status).toBe(0);
  }, 600000);
});
