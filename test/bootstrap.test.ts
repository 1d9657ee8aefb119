import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { bootstrap } from '../lib/commands/bootstrap';
import { find, linkProject, ROOT, rendered, synthInProcess } from './helpers';

/** A `helm` on PATH that records its arguments and a copy of the values file it was given. */
function fakeHelm(exitCode = 0): { dir: string; restore: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-helm-'));
  fs.writeFileSync(path.join(dir, 'helm'), [
    '#!/bin/sh',
    `printf '%s\\n' "$@" > "${dir}/args"`,
    `while [ $# -gt 0 ]; do if [ "$1" = --values ]; then cp "$2" "${dir}/values.yaml"; fi; shift; done`,
    `exit ${exitCode}`,
    '',
  ].join('\n'), { mode: 0o755 });
  const path0 = process.env.PATH;
  process.env.PATH = `${dir}${path.delimiter}${path0}`;
  return { dir, restore: () => { process.env.PATH = path0; fs.rmSync(dir, { recursive: true, force: true }); } };
}

describe.each(rendered().project.clusters.map((c) => [c.name]))('bookstore bootstrap argocd %s', (cluster) => {
  const app = () => find(`${cluster}/argocd/argo-cd.yaml`, 'Application', 'argo-cd');

  it('runs helm upgrade --install with the chart, version, namespace and values of the rendered Application', async () => {
    const helm = fakeHelm();
    const lines: string[] = [];
    try {
      await bootstrap(['argocd', cluster], { root: ROOT, log: (l) => lines.push(l) });
      const { source, destination } = app().spec;
      const args = fs.readFileSync(path.join(helm.dir, 'args'), 'utf8').trim().split('\n');
      const valuesFile = args[args.indexOf('--values') + 1];
      expect(args).toEqual(['upgrade', '--install', source.helm.releaseName, source.chart, '--repo', source.repoURL,
        '--version', source.targetRevision, '--namespace', destination.namespace, '--create-namespace', '--values', valuesFile, '--wait']);
      expect(YAML.parse(fs.readFileSync(path.join(helm.dir, 'values.yaml'), 'utf8'))).toEqual(source.helm.valuesObject);
      expect(fs.existsSync(valuesFile)).toBe(false);
      expect(lines.at(-1)).toContain(`kubectl apply -f dist/${cluster}/argocd/`);
    } finally {
      helm.restore();
    }
  });

  it('--print prints the command and runs nothing', async () => {
    const helm = fakeHelm();
    const lines: string[] = [];
    try {
      await bootstrap(['argocd', cluster, '--print'], { root: ROOT, log: (l) => lines.push(l) });
      expect(fs.existsSync(path.join(helm.dir, 'args'))).toBe(false);
      expect(lines[0]).toMatch(new RegExp(`^helm upgrade --install argo-cd argo-cd --repo \\S+ --version ${app().spec.source.targetRevision} `));
      const valuesFile = lines[0].split(' --values ')[1].split(' ')[0];
      expect(YAML.parse(fs.readFileSync(valuesFile, 'utf8'))).toEqual(app().spec.source.helm.valuesObject);
      fs.rmSync(path.dirname(valuesFile), { recursive: true, force: true });
    } finally {
      helm.restore();
    }
  });

  it('a failing helm is one line naming its exit code', async () => {
    const helm = fakeHelm(3);
    try {
      await expect(bootstrap(['argocd', cluster], { root: ROOT, log: () => undefined })).rejects.toThrow('helm exited with 3; nothing else was done');
    } finally {
      helm.restore();
    }
  });
});

describe('bookstore bootstrap: bad arguments', () => {
  it.each([
    [['argocd', 'no-such-cluster'], 'dist/no-such-cluster/argocd/argo-cd.yaml not found'],
    [['argocd'], 'usage: bookstore bootstrap cluster|argocd <cluster> [--print]'],
    [['cluster'], 'usage: bookstore bootstrap cluster|argocd <cluster> [--print]'],
    [['nodes', 'eks-acg'], 'usage: bookstore bootstrap cluster|argocd <cluster> [--print]'],
    [['cluster', 'no-such-cluster'], 'dist/no-such-cluster/cluster/cluster.yaml not found'],
    [['argocd', 'eks-acg', '--force'], 'unknown option --force'],
  ])('%j', async (argv, message) => {
    await expect(bootstrap(argv, { root: ROOT, log: () => undefined })).rejects.toThrow(message);
  });
});

/**
 * `eksctl` and `kubectl` on PATH that append their command lines to one log; `failing` exits 1.
 * `eksctl get cluster` finds the cluster only when `existing`, as on a second run.
 */
function fakeTools(failing?: string, existing = false): { log: () => string[]; restore: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-tools-'));
  for (const tool of ['eksctl', 'kubectl']) {
    const probe = tool === 'eksctl' ? `if [ "$1" = get ]; then exit ${existing ? 0 : 1}; fi\n` : '';
    fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho "${tool} $*" >> "${dir}/log"\n${probe}exit ${tool === failing ? 1 : 0}\n`, { mode: 0o755 });
  }
  const path0 = process.env.PATH;
  process.env.PATH = `${dir}${path.delimiter}${path0}`;
  return {
    log: () => (fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n') : []),
    restore: () => { process.env.PATH = path0; fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

describe.each(rendered().project.clusters.map((c) => [c.name, c.region]))('bookstore bootstrap cluster %s', (cluster, region) => {
  const config = `dist/${cluster}/cluster/cluster.yaml`;
  const eni = `dist/${cluster}/platform/vpc-cni.yaml`;
  const probe = `eksctl get cluster --name ${cluster} --region ${region}`;

  it('creates the cluster without nodes, applies its ENIConfigs, then creates the node groups: no pod starts without an IP', async () => {
    const tools = fakeTools();
    const lines: string[] = [];
    try {
      await bootstrap(['cluster', cluster], { root: ROOT, log: (l) => lines.push(l) });
      expect(tools.log()).toEqual([probe, `eksctl create cluster -f ${config} --without-nodegroup`, `kubectl apply -f ${eni}`, `eksctl create nodegroup -f ${config}`]);
      expect(lines.at(-1)).toContain(`bookstore bootstrap argocd ${cluster}`);
    } finally {
      tools.restore();
    }
    // What it applies before the nodes are exactly the ENIConfigs, one per zone of the cluster.
    const objects = YAML.parseAllDocuments(fs.readFileSync(path.join(ROOT, eni), 'utf8')).map((d) => d.toJS());
    const definition = rendered().project.clusters.find((c) => c.name === cluster)!;
    expect(objects.map((o) => [o.kind, o.metadata.name])).toEqual(definition.availabilityZones.map((z) => ['ENIConfig', z]));
    // The node groups it creates last are the ones the config declares.
    const clusterConfig = YAML.parse(fs.readFileSync(path.join(ROOT, config), 'utf8'));
    expect((clusterConfig.nodeGroups ?? []).length + (clusterConfig.managedNodeGroups ?? []).length).toBeGreaterThan(0);
  });

  it('stops at the first step that fails, in one line saying what is done', async () => {
    const tools = fakeTools('kubectl');
    try {
      const error = await bootstrap(['cluster', cluster], { root: ROOT, log: () => undefined }).catch((e) => e);
      expect(error.message).toBe('step 2 (kubectl apply -f) exited with 1; steps 1-1 are done, the later ones were not run');
      expect(tools.log()).toHaveLength(3);
    } finally {
      tools.restore();
    }
  });

  it('run again on a cluster that exists, skips its creation and does the rest (safe to run twice)', async () => {
    const tools = fakeTools(undefined, true);
    const lines: string[] = [];
    try {
      await bootstrap(['cluster', cluster], { root: ROOT, log: (l) => lines.push(l) });
      expect(tools.log()).toEqual([probe, `kubectl apply -f ${eni}`, `eksctl create nodegroup -f ${config}`]);
      expect(lines[0]).toBe(`bootstrap: 1/3 already done (${probe} finds it): eksctl create cluster -f ${config} --without-nodegroup skipped`);
    } finally {
      tools.restore();
    }
  });

  it('--print prints the three commands and runs none', async () => {
    const tools = fakeTools();
    const lines: string[] = [];
    try {
      await bootstrap(['cluster', cluster, '--print'], { root: ROOT, log: (l) => lines.push(l) });
      expect(lines).toEqual([`eksctl create cluster -f ${config} --without-nodegroup`, `kubectl apply -f ${eni}`, `eksctl create nodegroup -f ${config}`]);
      expect(tools.log()).toEqual([]);
    } finally {
      tools.restore();
    }
  });
});

describe('bookstore bootstrap cluster, for a cluster being added (only the account\'s own facts cached)', () => {
  let dir: string;
  beforeAll(() => {
    dir = linkProject(['clusters', 'environments']);
    const [example] = rendered().project.clusters;
    const definition = fs.readFileSync(path.join(dir, 'clusters', `${example.name}.ts`), 'utf8');
    fs.writeFileSync(path.join(dir, 'clusters', 'eks-new.ts'), definition.split(`'${example.name}'`).join("'eks-new'"));
    const facts = JSON.parse(fs.readFileSync(path.join(dir, 'clusters', `${example.name}.context.json`), 'utf8'));
    fs.writeFileSync(path.join(dir, 'clusters', 'eks-new.context.json'), JSON.stringify({ 'account-id': facts['account-id'], 'hosted-zone-id': facts['hosted-zone-id'] }));
    expect(synthInProcess(dir).status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the cluster and stops, saying to cache its own facts and run it again', async () => {
    expect(fs.readdirSync(path.join(dir, 'dist', 'eks-new'))).toEqual(['cluster']);
    const tools = fakeTools();
    const lines: string[] = [];
    try {
      await bootstrap(['cluster', 'eks-new'], { root: dir, log: (l) => lines.push(l) });
      const region = rendered().project.clusters[0].region;
      expect(tools.log()).toEqual([`eksctl get cluster --name eks-new --region ${region}`, 'eksctl create cluster -f dist/eks-new/cluster/cluster.yaml --without-nodegroup']);
      expect(lines.at(-1)).toMatch(/^bootstrap: cluster eks-new exists, without nodes; next: .*`npm run context -- eks-new`.* bookstore bootstrap cluster eks-new again for its ENIConfigs and node groups/);
    } finally {
      tools.restore();
    }
  });
});
