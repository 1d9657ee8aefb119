import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkPolicy, formatFinding, RULES, type Rule } from '../lib/check/policy';
import type { RenderedFile } from '../lib/render/project';
import { copyProject, rendered, ROOT, snapshotDir } from './helpers';

const PROD = 'eks-acg/production';
const DEV = 'eks-acg/development';

/** A deep copy of the rendered files with one object changed: a broken fixture, never written to dist/. */
function broken(file: string, pick: (o: any) => boolean, mutate: (o: any, all: RenderedFile[]) => void): RenderedFile[] {
  const files = rendered().rendered.map((f) => ({ ...f, objects: f.objects.map((o) => structuredClone(o)) }));
  const target = files.find((f) => f.path === file);
  if (!target) throw new Error(`no rendered file ${file}`);
  const object = target.objects.find(pick);
  if (!object) throw new Error(`nothing to break in ${file}`);
  mutate(object, files);
  return files;
}

const rule = (id: string): Rule => RULES.find((r) => r.id === id)!;
const findingsOf = (id: string, files: RenderedFile[]) => checkPolicy(rendered().project, files, [rule(id)]).map(formatFinding);
const deployment = (name: string) => (o: any) => o.kind === 'Deployment' && o.metadata.name === name;
const kind = (k: string, name?: string) => (o: any) => o.kind === k && (name === undefined || o.metadata.name === name);
const container = (o: any) => o.spec.template.spec.containers[0];

describe('the posture rules', () => {
  it('pass on everything this repository renders', () => {
    expect(checkPolicy(rendered().project, rendered().rendered).map(formatFinding)).toEqual([]);
  });

  it('each have a distinct id and a description', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) expect(r.description.length).toBeGreaterThan(20);
  });

  it('say when their findings read other objects of the folder: a bump checks only those on the files it does not write', () => {
    // Every rule on every rendered object, with the folder's objects behind a proxy that notes a read.
    const { project, rendered: files } = rendered();
    const readers = new Set<string>();
    const byFolder = new Map<string, any[]>();
    const folderOf = (file: RenderedFile) => file.path.split('/').slice(0, 2).join('/');
    for (const file of files) byFolder.set(folderOf(file), [...(byFolder.get(folderOf(file)) ?? []), ...file.objects]);
    for (const file of files) {
      const [clusterName, folder] = file.path.split('/');
      const cluster = project.clusters.find((c) => c.name === clusterName)!;
      const environment = project.environments.find((e) => e.cluster === clusterName && e.name === folder);
      for (const r of RULES) {
        const siblings = new Proxy(byFolder.get(folderOf(file))!, {
          get(target, key, receiver) {
            readers.add(r.id);
            return Reflect.get(target, key, receiver);
          },
        });
        const context = { file: file.path, cluster, environment, project, siblings };
        for (const object of file.objects) if (r.applies(object, context)) r.check(object, context);
      }
    }
    expect(readers.size).toBeGreaterThan(0);
    expect([...readers].sort()).toEqual(
      RULES.filter((r) => r.acrossObjects)
        .map((r) => r.id)
        .sort(),
    );
  });

  it('check a file named unchanged only against the rules that read other objects', () => {
    // A finding an object-local rule would make, in a file a bump proved unchanged: not reported there.
    const file = `${DEV}/clients-api.yaml`;
    const files = broken(file, deployment('clients-api'), (o) => {
      delete container(o).resources.limits.memory;
    });
    expect(checkPolicy(rendered().project, files).map((f) => f.rule)).toEqual(['resources']);
    expect(checkPolicy(rendered().project, files, RULES, new Set([file]))).toEqual([]);
    // A rule that reads other objects still sees it: a workload without its NetworkPolicy.
    const isolated = broken(file, kind('NetworkPolicy', 'clients-api'), (o) => {
      o.spec.podSelector = { matchLabels: { 'app.kubernetes.io/name': 'nobody' } };
    });
    expect(checkPolicy(rendered().project, isolated, RULES, new Set([file])).map((f) => f.rule)).toContain('network-allow');
  });

  const cases: Array<[string, string, (o: any) => boolean, (o: any, all: RenderedFile[]) => void, string]> = [
    [
      'resources',
      `${PROD}/clients-api.yaml`,
      deployment('clients-api'),
      (o) => {
        delete container(o).resources.limits.memory;
      },
      'dist/eks-acg/production/clients-api.yaml: Deployment/clients-api: resources: container clients-api has no memory limit',
    ],
    [
      'probes',
      `${DEV}/renting-api.yaml`,
      deployment('renting-api'),
      (o) => {
        delete container(o).livenessProbe;
      },
      'dist/eks-acg/development/renting-api.yaml: Deployment/renting-api: probes: container renting-api has no liveness probe',
    ],
    [
      'image-source',
      `${PROD}/inventory-api.yaml`,
      deployment('inventory-api'),
      (o) => {
        container(o).image = '111122223333.dkr.ecr.us-east-1.amazonaws.com/bookstore.inventory-api:latest';
      },
      'dist/eks-acg/production/inventory-api.yaml: Deployment/inventory-api: image-source: container inventory-api image 111122223333.dkr.ecr.us-east-1.amazonaws.com/bookstore.inventory-api:latest is not pinned to a version (no tag, or latest)',
    ],
    [
      'image-source',
      `${PROD}/inventory-api.yaml`,
      deployment('inventory-api'),
      (o) => {
        container(o).image = 'docker.io/library/node:16.20.2';
      },
      'dist/eks-acg/production/inventory-api.yaml: Deployment/inventory-api: image-source: container inventory-api image docker.io/library/node:16.20.2 is neither in 111122223333.dkr.ecr.us-east-1.amazonaws.com/ nor a public image pinned in a service file',
    ],
    [
      'container-security',
      `${PROD}/resource-api.yaml`,
      deployment('resource-api'),
      (o) => {
        container(o).securityContext.allowPrivilegeEscalation = true;
      },
      'dist/eks-acg/production/resource-api.yaml: Deployment/resource-api: container-security: container resource-api does not set allowPrivilegeEscalation: false',
    ],
    [
      'container-security',
      `${PROD}/resource-api.yaml`,
      deployment('resource-api'),
      (o) => {
        container(o).securityContext.capabilities.add = ['NET_RAW'];
      },
      'dist/eks-acg/production/resource-api.yaml: Deployment/resource-api: container-security: container resource-api adds NET_RAW without a reason in services/resource-api.ts (security.addCapabilities)',
    ],
    [
      'container-security',
      `${PROD}/resource-api.yaml`,
      deployment('resource-api'),
      (o) => {
        delete container(o).securityContext.seccompProfile;
      },
      'dist/eks-acg/production/resource-api.yaml: Deployment/resource-api: container-security: container resource-api does not use seccomp RuntimeDefault',
    ],
    [
      'container-security',
      `${PROD}/resource-api.yaml`,
      deployment('resource-api'),
      (o) => {
        container(o).securityContext.runAsNonRoot = false;
        o.spec.template.spec.securityContext.runAsNonRoot = false;
      },
      'dist/eks-acg/production/resource-api.yaml: Deployment/resource-api: container-security: container resource-api may run as root without a reason in services/resource-api.ts (security.root)',
    ],
    [
      'container-security',
      `${PROD}/resource-api.yaml`,
      deployment('resource-api'),
      (o) => {
        container(o).securityContext.capabilities.drop = [];
      },
      'dist/eks-acg/production/resource-api.yaml: Deployment/resource-api: container-security: container resource-api does not drop ALL capabilities',
    ],
    [
      'pod-security-baseline',
      `${DEV}/front-end.yaml`,
      deployment('front-end'),
      (o) => {
        o.spec.template.spec.hostNetwork = true;
      },
      'dist/eks-acg/development/front-end.yaml: Deployment/front-end: pod-security-baseline: shares a host namespace (hostNetwork/hostPID/hostIPC)',
    ],
    [
      'pod-security-baseline',
      `${DEV}/front-end.yaml`,
      deployment('front-end'),
      (o) => {
        container(o).securityContext.capabilities.add.push('SYS_ADMIN');
      },
      'dist/eks-acg/development/front-end.yaml: Deployment/front-end: pod-security-baseline: container front-end adds SYS_ADMIN',
    ],
    [
      'service-account-token',
      `${DEV}/clients-api.yaml`,
      deployment('clients-api'),
      (o) => {
        delete o.spec.template.spec.automountServiceAccountToken;
      },
      'dist/eks-acg/development/clients-api.yaml: Deployment/clients-api: service-account-token: mounts a service-account token (set automountServiceAccountToken: false)',
    ],
    [
      'availability',
      `${PROD}/clients-api.yaml`,
      deployment('clients-api'),
      (o) => {
        o.spec.replicas = 1;
      },
      'dist/eks-acg/production/clients-api.yaml: Deployment/clients-api: availability: runs 1 replica(s); production needs at least 2',
    ],
    [
      'availability',
      `${PROD}/clients-api.yaml`,
      kind('PodDisruptionBudget'),
      (o) => {
        o.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'someone-else' };
      },
      'dist/eks-acg/production/clients-api.yaml: Deployment/clients-api: availability: no PodDisruptionBudget selects its pods',
    ],
    [
      'availability',
      `${PROD}/clients-api.yaml`,
      deployment('clients-api'),
      (o) => {
        o.spec.template.spec.topologySpreadConstraints.shift();
      },
      'dist/eks-acg/production/clients-api.yaml: Deployment/clients-api: availability: its pods are not spread over zones (topologySpreadConstraints on topology.kubernetes.io/zone)',
    ],
    [
      'availability',
      `${PROD}/clients-api.yaml`,
      deployment('clients-api'),
      (o) => {
        o.spec.strategy.rollingUpdate.maxUnavailable = '25%';
      },
      'dist/eks-acg/production/clients-api.yaml: Deployment/clients-api: availability: its rolling update may go below the desired count (set maxUnavailable: 0)',
    ],
    [
      'network-default-deny',
      `${PROD}/namespace.yaml`,
      kind('NetworkPolicy', 'default-deny-ingress'),
      (o) => {
        o.spec.ingress = [{}];
      },
      'dist/eks-acg/production/namespace.yaml: Namespace/production: network-default-deny: has no default-deny ingress NetworkPolicy (podSelector: {}, policyTypes: [Ingress], no rules)',
    ],
    [
      'network-allow',
      `${DEV}/inventory-api.yaml`,
      kind('NetworkPolicy'),
      (o) => {
        o.spec.ingress[0].from.push({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'front-end' } } });
      },
      'dist/eks-acg/development/inventory-api.yaml: Deployment/inventory-api: network-allow: admits pods of [front-end], which do not declare it as a backend',
    ],
    [
      'network-allow',
      `${DEV}/inventory-api.yaml`,
      kind('AuthorizationPolicy', 'inventory-api'),
      (o) => {
        o.spec.rules[0].from[0].source.principals.push('cluster.local/ns/development/sa/front-end-iam-service-account');
      },
      'dist/eks-acg/development/inventory-api.yaml: Deployment/inventory-api: network-allow: its AuthorizationPolicy admits the identities of [front-end, front-end-proxy, renting-api] but the services declaring it as a backend are [front-end-proxy, renting-api]',
    ],
    [
      'network-allow',
      `${DEV}/inventory-api.yaml`,
      kind('AuthorizationPolicy', 'inventory-api'),
      (o) => {
        o.spec.rules[0].from[0].source.principals.shift();
      },
      'dist/eks-acg/development/inventory-api.yaml: Deployment/inventory-api: network-allow: its AuthorizationPolicy admits the identities of [renting-api] but the services declaring it as a backend are [front-end-proxy, renting-api]',
    ],
    [
      'network-allow',
      `${DEV}/inventory-api.yaml`,
      kind('NetworkPolicy'),
      (o) => {
        o.spec.ingress[1].from = [{ ipBlock: { cidr: '0.0.0.0/0' } }];
      },
      'dist/eks-acg/development/inventory-api.yaml: Deployment/inventory-api: network-allow: a NetworkPolicy rule admits 0.0.0.0/0',
    ],
    [
      'network-allow',
      `${DEV}/front-end.yaml`,
      kind('NetworkPolicy'),
      (o) => {
        o.spec.podSelector.matchLabels = { 'app.kubernetes.io/name': 'nobody' };
      },
      'dist/eks-acg/development/front-end.yaml: Deployment/front-end: network-allow: no NetworkPolicy admits traffic to its pods',
    ],
    [
      'pod-security-labels',
      `${PROD}/namespace.yaml`,
      kind('Namespace'),
      (o) => {
        delete o.metadata.annotations['bookstore.example.com/pod-security-exception'];
      },
      'dist/eks-acg/production/namespace.yaml: Namespace/production: pod-security-labels: enforces baseline without the reason in bookstore.example.com/pod-security-exception',
    ],
    [
      'pod-security-labels',
      `${PROD}/namespace.yaml`,
      kind('Namespace'),
      (o) => {
        o.metadata.labels['pod-security.kubernetes.io/warn'] = 'baseline';
      },
      'dist/eks-acg/production/namespace.yaml: Namespace/production: pod-security-labels: does not warn at restricted',
    ],
    [
      'iam',
      'eks-acg/cluster/cluster.yaml',
      kind('ClusterConfig'),
      (o) => {
        o.iam.podIdentityAssociations.find((a: any) => a.serviceAccountName === 'ack-dynamodb-controller').permissionPolicy.Statement[0].Resource = '*';
      },
      'dist/eks-acg/cluster/cluster.yaml: ClusterConfig/eks-acg: iam: role eks-acg-ack-dynamodb grants dynamodb:CreateTable, dynamodb:DescribeTable, dynamodb:DescribeContinuousBackups, dynamodb:DescribeTimeToLive, dynamodb:DescribeContributorInsights, dynamodb:DescribeKinesisStreamingDestination, dynamodb:ListTagsOfResource, dynamodb:GetResourcePolicy, dynamodb:UpdateTable, dynamodb:UpdateContinuousBackups, dynamodb:UpdateTimeToLive, dynamodb:UpdateContributorInsights, dynamodb:TagResource, dynamodb:UntagResource on *: name the resources',
    ],
    [
      'iam',
      `${DEV}/clients-api.yaml`,
      kind('Role'),
      (o) => {
        const document = JSON.parse(o.spec.inlinePolicies['clients-api']);
        document.Statement[0].Resource = '*';
        o.spec.inlinePolicies['clients-api'] = JSON.stringify(document);
      },
      'dist/eks-acg/development/clients-api.yaml: Role/eks-acg-development-clients-api: iam: role eks-acg-development-clients-api grants dynamodb:BatchGetItem, dynamodb:DeleteItem, dynamodb:DescribeTable, dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:Scan, dynamodb:UpdateItem on *: name the resources',
    ],
    [
      'iam',
      `${DEV}/clients-api.yaml`,
      kind('Role'),
      (o) => {
        const trust = JSON.parse(o.spec.assumeRolePolicyDocument);
        const key = Object.keys(trust.Statement[0].Condition.StringEquals).find((k) => k.endsWith(':sub'))!;
        trust.Statement[0].Condition.StringEquals[key] = [
          'system:serviceaccount:development:clients-api-iam-service-account',
          'system:serviceaccount:development:front-end-iam-service-account',
        ];
        o.spec.assumeRolePolicyDocument = JSON.stringify(trust);
      },
      'dist/eks-acg/development/clients-api.yaml: Role/eks-acg-development-clients-api: iam: role eks-acg-development-clients-api is not trusted by exactly one service account of namespace development (one statement: Federated arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9, sts:AssumeRoleWithWebIdentity, StringEquals oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9:sub system:serviceaccount:development:<name> and oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9:aud sts.amazonaws.com)',
    ],
    [
      'iam',
      `${DEV}/clients-api.yaml`,
      kind('Role'),
      (o) => {
        delete o.spec.permissionsBoundary;
      },
      "dist/eks-acg/development/clients-api.yaml: Role/eks-acg-development-clients-api: iam: role eks-acg-development-clients-api does not carry the cluster's permissions boundary arn:aws:iam::111122223333:policy/bookstore/eks-acg-service-boundary",
    ],
    [
      'iam',
      'eks-acg/cluster/bootstrap.yaml',
      (o) => o.AWSTemplateFormatVersion !== undefined,
      (o) => {
        o.Resources.ServiceBoundary.Properties.PolicyDocument.Statement[0].Resource = '*';
      },
      'dist/eks-acg/cluster/bootstrap.yaml: CloudFormation/bootstrap.yaml: iam: policy eks-acg-service-boundary grants dynamodb:BatchGetItem, dynamodb:DeleteItem, dynamodb:DescribeTable, dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:Scan, dynamodb:UpdateItem on *: name the resources',
    ],
    [
      'ack-retained',
      `${PROD}/inventory-api.yaml`,
      kind('Role'),
      (o) => {
        delete o.metadata.annotations['services.k8s.aws/deletion-policy'];
      },
      'dist/eks-acg/production/inventory-api.yaml: Role/eks-acg-production-inventory-api: ack-retained: needs annotation services.k8s.aws/deletion-policy: retain',
    ],
    [
      'ack-retained',
      'eks-acg/registry/clients-api.yaml',
      kind('Repository'),
      (o) => {
        o.metadata.annotations['argocd.argoproj.io/sync-options'] = 'Delete=false';
      },
      'dist/eks-acg/registry/clients-api.yaml: Repository/bookstore.clients-api: ack-retained: needs sync option Prune=false (argocd.argoproj.io/sync-options)',
    ],
    [
      'iam',
      'eks-acg/cluster/cluster.yaml',
      kind('ClusterConfig'),
      (o) => {
        o.iam.podIdentityAssociations[0].serviceAccountName = '*';
      },
      'dist/eks-acg/cluster/cluster.yaml: ClusterConfig/eks-acg: iam: role eks-acg-ack-dynamodb is not bound to one named namespace/service account',
    ],
    [
      'iam',
      'eks-acg/cluster/cluster.yaml',
      kind('ClusterConfig'),
      (o) => {
        o.iam.serviceAccounts[0].metadata.namespace = undefined;
      },
      'dist/eks-acg/cluster/cluster.yaml: ClusterConfig/eks-acg: iam: role eks-acg-aws-node is not bound to one named namespace/service account',
    ],
    [
      'iam',
      'eks-acg/cluster/cluster.yaml',
      kind('ClusterConfig'),
      (o) => {
        o.iam.podIdentityAssociations.push({ ...o.iam.podIdentityAssociations[1], roleName: 'second' });
      },
      'dist/eks-acg/cluster/cluster.yaml: ClusterConfig/eks-acg: iam: role second: ack-system/ack-ecr-controller has two roles',
    ],
    [
      'iam',
      'eks-acg/cluster/cluster.yaml',
      kind('ClusterConfig'),
      (o) => {
        o.addons[0].configurationValues = '{}';
      },
      'dist/eks-acg/cluster/cluster.yaml: ClusterConfig/eks-acg: iam: the vpc-cni addon does not enable the network policy agent (enableNetworkPolicy)',
    ],
    [
      'no-secrets',
      `${DEV}/front-end.yaml`,
      kind('ConfigMap'),
      (o) => {
        o.kind = 'Secret';
      },
      'dist/eks-acg/development/front-end.yaml: Secret/front-end-config: no-secrets: is a Secret with data: keep secrets out of Git (Secrets Manager, or a sealed/external secret)',
    ],
    [
      'no-secrets',
      `${DEV}/clients-api.yaml`,
      deployment('clients-api'),
      (o) => {
        container(o).env.push({ name: 'AWS_ACCESS_KEY_ID', value: 'AKIAIOSFODNN7EXAMPLE' });
      },
      'dist/eks-acg/development/clients-api.yaml: Deployment/clients-api: no-secrets: spec.template.spec.containers[0].env[3].value looks like an AWS access key id',
    ],
    [
      'no-secrets',
      `${DEV}/front-end.yaml`,
      kind('ConfigMap'),
      (o) => {
        o.data['key.pem'] = '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n';
      },
      'dist/eks-acg/development/front-end.yaml: ConfigMap/front-end-config: no-secrets: data.key.pem holds a private key',
    ],
  ];

  it.each(cases)('%s catches a broken fixture: %#', (id, file, pick, mutate, message) => {
    expect(findingsOf(id, broken(file, pick, mutate))).toContain(message);
  });

  // A rule about what a capability-run Argo CD takes does not apply to the example's own render
  // (self-managed): its fixture is that render's Argo CD objects on the same cluster under EKS Capabilities.
  it('managed-argocd catches a broken fixture: the self-managed Argo CD objects under the Argo CD capability', () => {
    const { project } = rendered();
    const cluster = { ...project.clusters[0], controllers: 'eks-capabilities' as const };
    expect(checkPolicy(project, rendered().rendered, [rule('managed-argocd')])).toEqual([]);
    const files = rendered().rendered.filter((f) => [`${cluster.name}/argocd/root.yaml`, `${cluster.name}/argocd/projects.yaml`].includes(f.path));
    expect(files).toHaveLength(2);
    const findings = checkPolicy({ ...project, clusters: [cluster] }, files, [rule('managed-argocd')]).map(formatFinding);
    const arn = `arn:aws:eks:${cluster.region}:${cluster.accountId}:cluster/${cluster.name}`;
    expect(findings).toContain(
      `dist/${cluster.name}/argocd/root.yaml: Application/${cluster.name}-root: managed-argocd: deploys to https://kubernetes.default.svc: the Argo CD capability knows this cluster as ${arn}`,
    );
    expect(findings).toContain(
      `dist/${cluster.name}/argocd/projects.yaml: AppProject/platform: managed-argocd: deploys to https://kubernetes.default.svc: the Argo CD capability knows this cluster as ${arn}`,
    );
  });

  it('cover every rule with at least one broken fixture', () => {
    expect(new Set([...cases.map(([id]) => id), 'managed-argocd'])).toEqual(new Set(RULES.map((r) => r.id)));
  });
});

describe('npm run validate', () => {
  it('reports that the repository passes, and leaves dist/ alone', () => {
    const out = execFileSync('npm', ['run', '--silent', 'validate'], { cwd: ROOT, encoding: 'utf8' });
    expect(out.trim()).toMatch(new RegExp(`^validate: \\d+ objects in \\d+ files pass their schemas and ${RULES.length} policy rules$`));
  });

  it('lists every finding of a service that loosens its security without saying why, and synth refuses to write', () => {
    const dir = copyProject({ withDist: true });
    try {
      const file = path.join(dir, 'services', 'resource-api.ts');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('security: {', "security: {\n    addCapabilities: { names: ['NET_ADMIN'], why: '' },"));
      const result = spawnSync('npm', ['run', '--silent', 'validate'], { cwd: dir, encoding: 'utf8' });
      expect(result.status).toBe(1);
      // Two findings in each environment's file of the service, environments in the order of their folders.
      const folders = rendered()
        .project.environments.map((e) => `${e.cluster}/${e.name}`)
        .sort();
      const expected = folders.flatMap((folder) => [
        `dist/${folder}/resource-api.yaml: Deployment/resource-api: container-security: container resource-api adds NET_ADMIN without a reason in services/resource-api.ts (security.addCapabilities)`,
        `dist/${folder}/resource-api.yaml: Deployment/resource-api: pod-security-baseline: container resource-api adds NET_ADMIN`,
      ]);
      expect(result.stdout.trim().split('\n')).toEqual(expected);
      // Every rendered object of the repository, the eksctl config included (validate counts them all).
      const objects = rendered().rendered.reduce((n, f) => n + f.objects.length, 0);
      expect(result.stderr.trim()).toBe(`validate: ${expected.length} finding(s) in ${objects} rendered object(s)`);

      const before = snapshotDir(path.join(dir, 'dist'));
      const synth = spawnSync('npm', ['run', '--silent', 'synth'], { cwd: dir, encoding: 'utf8' });
      expect(synth.status).toBe(1);
      expect(synth.stderr.trim()).toBe(`synth: ${expected.length} policy finding(s), first: ${expected[0]} (\`npm run validate\` lists all)`);
      expect(snapshotDir(path.join(dir, 'dist'))).toEqual(before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
