/**
 * Inputs that used to be accepted silently although what they asked for could not happen: each is
 * now one line naming the file (or argument) and the cause, exit 1, and nothing written.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promote } from '../lib/commands/promote';
import { GitFixture } from './git-fixture';
import { copyProject, editFile, linkProject, snapshotDir, synthInProcess } from './helpers';

const edit = editFile;

describe('synth refuses what it would otherwise get wrong silently', () => {
  it.each<[string, readonly string[], (dir: string) => void, string]>([
    [
      'uid 0 with runAsNonRoot',
      ['services'],
      (d) => edit(d, 'services/clients-api.ts', 'runAsUser: 10001', 'runAsUser: 0'),
      'synth: services/clients-api.ts: security.runAsUser: 0 is root, which runAsNonRoot refuses at start-up: use a non-zero uid, or declare security.root with the reason',
    ],
    [
      'the same public host in two environments',
      ['environments'],
      (d) => edit(d, 'environments/development.yaml', 'hostSuffix: -development', 'hostSuffix: ""'),
      'synth: environments/production.yaml: clients-api would be published at clients-api.example.com, which clients-api in development already is (give the environment its own hostSuffix, or its cluster its own base domain)',
    ],
    [
      'an overlay ending in .yml',
      ['environments'],
      (d) => fs.copyFileSync(path.join(d, 'environments/development.yaml'), path.join(d, 'environments/staging.yml')),
      'synth: environments/staging.yml: overlays end in .yaml; rename it to staging.yaml',
    ],
    [
      'a service file in JavaScript',
      ['services'],
      (d) => fs.writeFileSync(path.join(d, 'services/search-api.js'), 'module.exports = {};\n'),
      'synth: services/search-api.js: the files of services/ are TypeScript (.ts); rename or remove it',
    ],
    [
      'a Kubernetes version EKS no longer creates',
      ['clusters'],
      (d) => edit(d, 'clusters/eks-acg.ts', /kubernetesVersion: '[^']+'/, "kubernetesVersion: '1.29'"),
      'synth: clusters/eks-acg.ts: kubernetesVersion: EKS creates no 1.29 cluster (its extended support ended 2026-03-23); choose one of 1.32, 1.33, 1.34, 1.35, 1.36',
    ],
    [
      'a VPC range that is no range',
      ['clusters'],
      (d) => edit(d, 'clusters/eks-acg.ts', "vpcCidr: '10.0.0.0/16'", "vpcCidr: '10.0.0.0/33'"),
      'synth: clusters/eks-acg.ts: vpcCidr "10.0.0.0/33" is not an IPv4 range a VPC can have (a.b.c.d/16 to /28)',
    ],
    [
      'a VPC range with host bits',
      ['clusters'],
      (d) => edit(d, 'clusters/eks-acg.ts', "vpcCidr: '10.0.0.0/16'", "vpcCidr: '10.0.5.0/16'"),
      'synth: clusters/eks-acg.ts: vpcCidr 10.0.5.0/16 has host bits set (its network is 10.0.0.0/16)',
    ],
    [
      'a Fargate namespace no environment uses',
      ['clusters'],
      (d) => edit(d, 'clusters/eks-acg.ts', "spotNamespaces: ['development'],", "spotNamespaces: ['development'],\n  fargateNamespaces: ['staging'],"),
      'synth: clusters/eks-acg.ts: fargateNamespaces: no environment on eks-acg uses namespace "staging" (its namespaces: development, production); a Fargate profile for it would select nothing',
    ],
  ])('%s: one line naming the file and the cause', (_what, own, mistake, line) => {
    const dir = linkProject(own);
    try {
      mistake(dir);
      expect(synthInProcess(dir)).toEqual({ status: 1, stderr: line });
      expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('run as a user runs it', () => {
  let project: string;
  beforeAll(() => {
    project = copyProject({ withDist: true });
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
  const synth = (...args: string[]) => spawnSync(process.execPath, ['--require', './bin/ts.js', 'main.ts', ...args], { cwd: project, encoding: 'utf8' });

  it('`npm run synth -- --env x` is refused: synth renders everything, an argument would be ignored', () => {
    const before = snapshotDir(path.join(project, 'dist'));
    const run = synth('--env', 'x');
    expect(run.stderr.trim()).toBe('synth: takes no arguments (got --env x): it renders every cluster and environment; `bookstore diff` shows one change');
    expect(run.status).toBe(1);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
  });

  it('says when dist/<cluster>/cluster/ changed, which Argo CD does not apply, and how to apply it', () => {
    const overlay = path.join(project, 'environments', 'development.yaml');
    const original = fs.readFileSync(overlay, 'utf8');
    try {
      // App Mesh's controller role comes into the eksctl config: a cluster-side change.
      fs.writeFileSync(overlay, original.replace(/^mesh: .*$/m, 'mesh: appmesh'));
      const run = synth();
      expect(run.status).toBe(0);
      expect(run.stderr).toMatch(/^note: dist\/eks-acg\/cluster\/cluster\.yaml changed: Argo CD does not apply it; after merging, apply it with eksctl/m);
      // Rendered again with nothing new, it says nothing.
      expect(synth().stderr).not.toMatch(/^note: dist\/eks-acg\/cluster\//m);
    } finally {
      fs.writeFileSync(overlay, original);
      synth();
    }
  });
});

describe('promote', () => {
  let fixture: GitFixture;
  beforeAll(() => {
    fixture = new GitFixture();
  });
  afterAll(() => fixture.remove());

  it('refuses a provider it cannot speak to, on a dry run too, and changes nothing', async () => {
    const clone = fixture.clone();
    const before = fixture.state(clone);
    const refs = fixture.refs();
    for (const extra of [[], ['--dry-run']]) {
      const error = await promote(['development', 'production', '--provider', 'gitlab', ...extra], { root: clone, log: () => undefined }).catch((e) => e);
      expect(error.message).toBe('--provider: unknown provider "gitlab" (github, codecommit)');
    }
    expect(fixture.state(clone)).toEqual(before);
    expect(fixture.refs()).toBe(refs);
  });

  it('says --branch like bump (the branch the change lands on); --base, its older name, still works, and two different ones are refused', async () => {
    const clone = fixture.clone();
    for (const flag of ['--branch', '--base']) {
      const lines: string[] = [];
      await promote(['development', 'production', flag, 'main', '--dry-run'], { root: clone, log: (l) => lines.push(l) });
      expect(lines.join('\n')).toMatch(/from origin\/main|on origin\/main/);
    }
    const error = await promote(['development', 'production', '--branch', 'main', '--base', 'release', '--dry-run'], {
      root: clone,
      log: () => undefined,
    }).catch((e) => e);
    expect(error.message).toBe('--branch main and --base release name two branches; --base is the older name of --branch: give one');
  });
});
