import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { customNetworkingMaxPods } from '../lib/render/cluster-config';
import { loadProject } from '../lib/load/project';
import { inspect, kubernetesVersionOf } from '../lib/synth';
import { kubernetesVersions, validateObject } from '../lib/check/validate';
import { copyProject, linkProject, objectsIn, rendered, snapshotDir, synthInProcess } from './helpers';

/** Runs a command of the repository in a project folder with node and the TypeScript hook, as npm does. */
function run(project: string, script: string) {
  return spawnSync(process.execPath, ['--require', './bin/ts.js', script], { cwd: project, encoding: 'utf8' });
}

const MAX_PODS_T3_MEDIUM = 12; // (3 ENIs - 1) × (6 IPv4 per ENI - 1) + 2

describe("the cluster's Kubernetes version", () => {
  it('names a version with a generated schema, and every rendered object validates against it', () => {
    const { project, rendered: files } = rendered();
    for (const cluster of project.clusters) expect(kubernetesVersions()).toContain(cluster.kubernetesVersion);
    const findings = files
      .filter((f) => f.schema === 'kubernetes')
      .flatMap((file) =>
        file.objects.flatMap((object) => validateObject(object, kubernetesVersionOf(project, file.path)).map((f) => `${file.path}: ${f.object}: ${f.message}`)),
      );
    expect(findings).toEqual([]);
  });

  it('eksctl creates that version, on Amazon Linux 2023 nodes with the custom-networking max pods', () => {
    for (const cluster of rendered().project.clusters) {
      const config = objectsIn(`${cluster.name}/cluster/cluster.yaml`)[0];
      expect(config.metadata.version).toBe(cluster.kubernetesVersion);
      // Custom networking is on, so the primary ENI carries no pods.
      const cni = config.addons.find((a: any) => a.name === 'vpc-cni');
      expect(JSON.parse(cni.configurationValues).env.AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG).toBe('true');
      const groups = [...config.managedNodeGroups, ...config.nodeGroups];
      expect(groups.length).toBeGreaterThan(1);
      for (const group of groups) {
        const types = group.instanceType ? [group.instanceType] : group.instancesDistribution.instanceTypes;
        expect([group.name, group.amiFamily, group.maxPodsPerNode]).toEqual([group.name, 'AmazonLinux2023', customNetworkingMaxPods(types)]);
      }
    }
  });

  it('max pods under custom networking: (ENIs - 1) × (IPv4 per ENI - 1) + 2, the smallest of a mixed group', () => {
    expect(customNetworkingMaxPods(['t3.medium'])).toBe(MAX_PODS_T3_MEDIUM);
    expect(customNetworkingMaxPods(['t3.medium', 't3a.medium'])).toBe(MAX_PODS_T3_MEDIUM);
    expect(() => customNetworkingMaxPods(['m5.large', 't3.medium'])).toThrow(/no ENI limits for instance type m5.large/);
  });
});

describe('a second cluster on another Kubernetes version', () => {
  let project: string;
  const FIRST = 'eks-acg';
  const SECOND = 'eks-next';
  /** A kind 1.36 serves and 1.35 does not: MutatingAdmissionPolicy went GA (admissionregistration.k8s.io/v1) in 1.36. */
  const POLICY = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingAdmissionPolicy',
    metadata: { name: 'team-label' },
    spec: {
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] },
      mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"team": "bookstore"}}}' } }],
      reinvocationPolicy: 'Never',
    },
  };
  let firstVersion: string;
  let secondVersion: string;

  beforeAll(() => {
    project = copyProject({ withDist: true });
    firstVersion = rendered().project.clusters.find((c) => c.name === FIRST)!.kubernetesVersion;
    secondVersion = kubernetesVersions().find((v) => validateObject(POLICY, v).length === 0 && v !== firstVersion)!;
    const clusters = path.join(project, 'clusters');
    const source = fs
      .readFileSync(path.join(clusters, `${FIRST}.ts`), 'utf8')
      .replace(`name: '${FIRST}'`, `name: '${SECOND}'`)
      .replace(/kubernetesVersion: '[^']*'/, `kubernetesVersion: '${secondVersion}'`)
      .replace(`/bookstore/${FIRST}/`, `/bookstore/${SECOND}/`);
    fs.writeFileSync(path.join(clusters, `${SECOND}.ts`), source);
    fs.copyFileSync(path.join(clusters, `${FIRST}.context.json`), path.join(clusters, `${SECOND}.context.json`));
    const overlay = fs
      .readFileSync(path.join(project, 'environments', 'development.yaml'), 'utf8')
      .replace(`cluster: ${FIRST}`, `cluster: ${SECOND}`)
      .replace('namespace: development', 'namespace: staging')
      .replace('hostSuffix: -development', 'hostSuffix: -staging');
    fs.writeFileSync(path.join(project, 'environments', 'staging.yaml'), overlay);
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it('the object is valid on one version and refused on the other', () => {
    expect(secondVersion).toBeDefined();
    expect(validateObject(POLICY, secondVersion)).toEqual([]);
    expect(validateObject(POLICY, firstVersion)).toEqual([
      {
        object: 'MutatingAdmissionPolicy/team-label',
        message: `Kubernetes ${firstVersion} does not serve admissionregistration.k8s.io/v1 MutatingAdmissionPolicy`,
      },
    ]);
  });

  it('renders and validates against its own version: eksctl version and Pod Security labels follow it', () => {
    const synth = run(project, 'main.ts');
    // Only the mesh report (what a provider does not enforce) on stderr: no error, no other warning.
    expect(synth.stderr.split('\n').filter((line) => line && !/^(synth: \S+ \(\w+\) (does not enforce|enforces): |note: Istio)/.test(line))).toEqual([]);
    expect(synth.status).toBe(0);
    const read = (file: string) => YAML.parseAllDocuments(fs.readFileSync(path.join(project, 'dist', file), 'utf8')).map((d) => d.toJS());
    expect(read(`${SECOND}/cluster/cluster.yaml`)[0].metadata.version).toBe(secondVersion);
    expect(read(`${FIRST}/cluster/cluster.yaml`)[0].metadata.version).toBe(firstVersion);
    const namespace = read(`${SECOND}/staging/namespace.yaml`).find((o) => o.kind === 'Namespace');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe(`v${secondVersion}`);
  });

  it("an object the first cluster's version does not serve stops synth naming file and object; the second cluster accepts it", () => {
    const addOn = path.join(project, 'platform', 'admission-policy.ts');
    fs.writeFileSync(
      addOn,
      `import { ApiObject } from 'cdk8s';
import { defineAddOn } from '../lib/render/addon';

export default defineAddOn({
  name: 'admission-policy',
  namespace: 'kube-system',
  clusterKinds: [{ group: 'admissionregistration.k8s.io', kind: 'MutatingAdmissionPolicy' }],
  syncWave: 0,
  render(scope) {
    new ApiObject(scope, 'policy', ${JSON.stringify(POLICY)});
  },
});
`,
    );
    const before = snapshotDir(path.join(project, 'dist'));
    try {
      // One schema finding per cluster on the first cluster's version: the same object on the second
      // cluster validates against its own version.
      const findings = loadProject(project)
        .clusters.filter((c) => c.kubernetesVersion === firstVersion)
        .map((c) => c.name)
        .sort()
        .map(
          (name) =>
            `dist/${name}/platform/admission-policy.yaml: MutatingAdmissionPolicy/team-label: ` +
            `Kubernetes ${firstVersion} does not serve admissionregistration.k8s.io/v1 MutatingAdmissionPolicy`,
        );
      expect(findings.length).toBeGreaterThanOrEqual(1);
      // In this process, as `npm run validate` and synth run (their output is tested in policy.test.ts and above).
      expect(inspect(project).schemaFindings).toEqual(findings);
      expect(synthInProcess(project)).toEqual({ status: 1, stderr: `synth: ${findings.length} rendered object(s) fail their schema, first: ${findings[0]}` });
      expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    } finally {
      fs.rmSync(addOn);
    }
  });
});

describe('a bad kubernetesVersion in a cluster file', () => {
  it.each([
    ['1.35.2', () => `kubernetesVersion "1.35.2" is not a Kubernetes minor version such as '1.35'`],
    ['v1.35', () => `kubernetesVersion "v1.35" is not a Kubernetes minor version such as '1.35'`],
    [
      '1.34',
      () =>
        `kubernetesVersion: Kubernetes 1.34 has no generated schema (imports/validators/ has ${kubernetesVersions().join(', ')}; ` +
        '`npm run import` generates one per file in ../shared/schemas)',
    ],
  ])('%s: one line naming the file, exit 1, dist/ untouched', (version, message) => {
    expect(kubernetesVersions()).not.toContain(version);
    // The cluster file is the project's own copy; the rest links to this repository (synth runs in this process).
    const project = linkProject(['clusters', 'dist']);
    try {
      const clusterFile = path.join(project, 'clusters', 'eks-acg.ts');
      fs.writeFileSync(clusterFile, fs.readFileSync(clusterFile, 'utf8').replace(/kubernetesVersion: '[^']*'/, `kubernetesVersion: '${version}'`));
      const before = snapshotDir(path.join(project, 'dist'));
      expect(synthInProcess(project)).toEqual({ status: 1, stderr: `synth: clusters/eks-acg.ts: ${message()}` });
      expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
