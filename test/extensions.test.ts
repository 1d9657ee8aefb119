/**
 * The README's extensions, performed on a copy of the repository: a sixth service (with a table, a
 * backend edge, a proxy route and its tag line in every overlay) and a second cluster in another
 * region with its own environments. Synth, validate and the structural tests must pass on it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { status } from '../lib/commands/status';
import { loadProject } from '../lib/load';
import { ROOT, SYSTEM_TMPDIR_VARIABLE, copyProject } from './helpers';

const SIXTH = `import { defineService } from '../lib/service';

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

const SECOND_CLUSTER = `import { defineCluster } from '../lib/cluster';

export default defineCluster({
  name: 'eks-eu',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  kubernetesVersion: '1.36',
  ssmPrefix: '/bookstore/eks-eu/',
  repoUrl: 'https://github.com/example-org/bookstore-gitops.git',
  targetRevision: 'main',
  vpcCidr: '10.1.0.0/16',
  endpointPublicAccess: true,
  // Fargate stays a cluster option: this cluster's development runs there, on a mesh that serves Fargate pods.
  fargateNamespaces: ['development'],
});
`;

function extend(dir: string): void {
  fs.writeFileSync(path.join(dir, 'services', 'search-api.ts'), SIXTH);
  const proxy = path.join(dir, 'services', 'front-end-proxy.ts');
  fs.writeFileSync(proxy, fs.readFileSync(proxy, 'utf8').replace(
    "  { service: 'clients-api', route: '/clients-api/', configKey: 'clientApi' },\n",
    "  { service: 'clients-api', route: '/clients-api/', configKey: 'clientApi' },\n  { service: 'search-api', route: '/search-api/', configKey: 'searchApi' },\n"));
  fs.writeFileSync(path.join(dir, 'clusters', 'eks-eu.ts'), SECOND_CLUSTER);
  const context = JSON.parse(fs.readFileSync(path.join(dir, 'clusters', 'eks-acg.context.json'), 'utf8'));
  const eu = Object.fromEntries(Object.entries(context as Record<string, string>).map(([k, v]) => [k.replace('us-east-1', 'eu-west-1'), v.replace('us-east-1', 'eu-west-1')]));
  eu['base-domain'] = 'eu.example.com';
  fs.writeFileSync(path.join(dir, 'clusters', 'eks-eu.context.json'), `${JSON.stringify(eu, null, 2)}\n`);
  for (const env of ['development', 'production']) {
    const file = path.join(dir, 'environments', `${env}.yaml`);
    const text = fs.readFileSync(file, 'utf8').replace('images:\n', 'images:\n  search-api: 1.0.5ea4c11a\n');
    fs.writeFileSync(file, text);
    const eu = text.replace('cluster: eks-acg', 'cluster: eks-eu');
    // Istio's node agents do not run on Fargate: the Fargate environment takes a mesh that does.
    fs.writeFileSync(path.join(dir, 'environments', `eu-${env}.yaml`), env === 'development' ? eu.replace(/^mesh: .*$/m, 'mesh: none') : eu);
  }
}

describe('the documented extensions keep CI green', () => {
  let project: string;
  beforeAll(() => {
    project = copyProject();
    extend(project);
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it('synth renders the sixth service in every environment of both clusters', () => {
    const run = spawnSync('npm', ['run', '-s', 'synth'], { cwd: project, encoding: 'utf8' });
    // Only the mesh report on stderr (what a provider does not enforce; App Mesh where it is still used), never an error.
    expect(run.stderr).not.toMatch(/^synth: (?!.*(App Mesh|does not enforce|\) enforces: ))/m);
    expect(run.status).toBe(0);
    const model = loadProject(project);
    expect(model.services.map((s) => s.name)).toContain('search-api');
    expect(model.clusters.map((c) => c.name)).toEqual(['eks-acg', 'eks-eu']);
    for (const environment of model.environments) {
      expect(fs.existsSync(path.join(project, 'dist', environment.cluster, environment.name, 'search-api.yaml'))).toBe(true);
    }
  }, 300000);

  it('validate finds nothing', () => {
    const run = spawnSync('npm', ['run', '-s', 'validate'], { cwd: project, encoding: 'utf8' });
    expect(run.stdout.trim().split('\n').pop()).toMatch(/^validate: \d+ objects in \d+ files pass/);
    expect(run.status).toBe(0);
  }, 300000);

  it('status shows one table per cluster, in promotion order', async () => {
    const lines: string[] = [];
    await status([], { root: project, log: (l) => lines.push(l) });
    expect(lines.filter((l) => l.startsWith('cluster '))).toEqual([
      'cluster eks-acg: development → production',
      'cluster eks-eu: eu-development → eu-production',
    ]);
  });

  it('the structural tests pass on the extended copy', () => {
    const jest = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const run = spawnSync(process.execPath, [jest, '--ci', '--runInBand', 'test/workloads.test.ts', 'test/schema.test.ts', 'test/drift.test.ts'], {
      // The system's TMPDIR, not this run's work folder: there it finds this run's transform cache.
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, BOOKSTORE_TEST_ROOT: project, TMPDIR: process.env[SYSTEM_TMPDIR_VARIABLE] ?? os.tmpdir() },
    });
    // Tests of a mesh provider no environment uses are skipped; the rest must pass.
    expect(run.stderr).toMatch(/Tests: +(\d+ skipped, )?\d+ passed, \d+ total/);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.status).toBe(0);
  }, 600000);
});
