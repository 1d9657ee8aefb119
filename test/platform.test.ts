import * as fs from 'node:fs';
import * as path from 'node:path';
import { addOnRoles, POD_IDENTITY_AGENT } from '../lib/render/cluster-config';
import { usesPodIdentity } from '../lib/model/iam';
import { roleArn } from '../lib/model/naming';
import { allObjects, find, objectsIn, podRoles, rendered, ROOT } from './helpers';

/** The vendored chart sources (development-time data): absent on a bare clone. */
const CHARTS = path.resolve(ROOT, '..', 'shared', 'charts');

const platform = (file: string) => `eks-acg/platform/${file}.yaml`;
const ROLE = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
const clusterConfig = () => objectsIn('eks-acg/cluster/cluster.yaml')[0];

function application(name: string) {
  return find(platform(name), 'Application', name);
}

describe('platform add-ons', () => {
  it.each([
    ['aws-load-balancer-controller', 'https://aws.github.io/eks-charts', 'kube-system'],
    ['external-dns', 'https://kubernetes-sigs.github.io/external-dns', 'external-dns'],
    ['aws-node-termination-handler', 'public.ecr.aws/aws-ec2/helm', 'kube-system'],
  ])('%s: a Helm chart pinned to an exact version, in project platform', (name, repo, namespace) => {
    const app = application(name);
    expect(app.spec.project).toBe('platform');
    expect(app.spec.source.repoURL).toBe(repo);
    expect(app.spec.source.chart).toBe(name);
    expect(app.spec.source.targetRevision).toMatch(/^\d+\.\d+\.\d+$/);
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('the load balancer controller knows its cluster, region and VPC; its role reaches it through Pod Identity, not an annotation', () => {
    const values = application('aws-load-balancer-controller').spec.source.helm.valuesObject;
    expect(values).toMatchObject({
      clusterName: 'eks-acg',
      region: 'us-east-1',
      vpcId: 'vpc-0a1b2c3d4e5f60000',
      serviceAccount: { name: 'aws-load-balancer-controller' },
    });
    expect(values.serviceAccount.annotations ?? {}).toEqual({});
    expect(podRoles(clusterConfig()).find((r) => r.roleName === 'eks-acg-aws-load-balancer-controller')).toMatchObject({
      namespace: 'kube-system',
      serviceAccount: 'aws-load-balancer-controller',
      via: 'pod-identity',
      wellKnownPolicies: { awsLoadBalancerController: true },
    });
  });

  it('ExternalDNS is limited to the base domain and the hosted zone, owned by this cluster', () => {
    const values = application('external-dns').spec.source.helm.valuesObject;
    expect(values).toMatchObject({
      provider: { name: 'aws' },
      domainFilters: ['example.com'],
      txtOwnerId: 'eks-acg',
      policy: 'sync',
      registry: 'txt',
      extraArgs: ['--zone-id-filter=Z0123456789EXAMPLEAB'],
    });
    expect(values.serviceAccount.annotations ?? {}).toEqual({});
  });

  it('the termination handler runs in IMDS mode on the spot nodes', () => {
    const values = application('aws-node-termination-handler').spec.source.helm.valuesObject;
    expect(values).toMatchObject({ enableSqsTerminationDraining: false, enableSpotInterruptionDraining: true, nodeSelector: { lifecycle: 'Ec2Spot' } });
    const spot = clusterConfig().nodeGroups.find((g: any) => g.name === 'eks-node-group-spot-instances');
    expect(spot.labels).toEqual(values.nodeSelector);
  });

  (fs.existsSync(CHARTS) ? it : it.skip)('every chart that generates its webhook certificate on each render has Argo CD keep the live one', () => {
    const applications = allObjects()
      .filter(({ object }) => object.kind === 'Application' && object.spec.source?.chart)
      .map(({ object }) => object);
    let generating = 0;
    for (const app of applications) {
      const dir = path.join(CHARTS, `${app.spec.source.chart}-${app.spec.source.targetRevision}`, 'templates');
      expect([app.metadata.name, fs.existsSync(dir)]).toEqual([app.metadata.name, true]);
      const templates = fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
        .join('\n');
      if (/\bgenCA\b/.test(templates)) {
        generating++;
        const kinds = (app.spec.ignoreDifferences ?? []).map((d: any) => d.kind);
        expect([app.metadata.name, kinds]).toEqual([app.metadata.name, expect.arrayContaining(['Secret', 'MutatingWebhookConfiguration'])]);
        expect([app.metadata.name, app.spec.syncPolicy.syncOptions]).toEqual([app.metadata.name, expect.arrayContaining(['RespectIgnoreDifferences=true'])]);
      } else {
        // No generated certificate to keep; at most the webhook fields a controller writes at run time (istiod's caBundle).
        const kinds = (app.spec.ignoreDifferences ?? []).map((d: any) => d.kind);
        expect([app.metadata.name, kinds.filter((k: string) => !/WebhookConfiguration$/.test(k))]).toEqual([app.metadata.name, []]);
      }
    }
    expect(generating).toBeGreaterThan(0);
  });

  const uses = (mesh: string) => rendered().project.environments.some((e) => e.mesh === mesh);
  (uses('lattice') || uses('istio') ? it : it.skip)('the Gateway API v1.5.1 CRDs from their tag, wave 0, kept when their Application goes', () => {
    const crds = find(platform('gateway-api-crds'), 'Application', 'gateway-api-crds');
    expect(crds.spec.source).toEqual({ repoURL: 'https://github.com/kubernetes-sigs/gateway-api', targetRevision: 'v1.5.1', path: 'config/crd/standard' });
    expect(crds.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('0');
    expect(crds.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
  });

  (uses('lattice') ? it : it.skip)('the Gateway API controller: its chart (leading v) from ECR Public, its class', () => {
    const app = application('aws-gateway-controller');
    expect(app.spec.source).toMatchObject({
      repoURL: 'public.ecr.aws/aws-application-networking-k8s',
      chart: 'aws-gateway-controller-chart',
      targetRevision: 'v2.1.3',
    });
    expect(app.spec.source.helm.valuesObject).toMatchObject({
      clusterName: 'eks-acg',
      awsRegion: 'us-east-1',
      clusterVpcId: 'vpc-0a1b2c3d4e5f60000',
    });
    expect(app.spec.source.helm.valuesObject.serviceAccount.annotations ?? {}).toEqual({});
    expect(podRoles(clusterConfig()).find((r) => r.roleName === 'eks-acg-aws-gateway-controller')?.via).toBe('pod-identity');
    // Its webhook gives pods of the Lattice namespaces their readiness gate.
    expect(app.spec.source.helm.valuesObject.webhookEnabled).toBe(true);
    expect(find(platform('aws-gateway-controller'), 'GatewayClass', 'amazon-vpc-lattice').spec).toEqual({
      controllerName: 'application-networking.k8s.aws/gateway-api-controller',
    });
    expect(application('external-dns').spec.source.helm.valuesObject.sources).toEqual(['ingress', 'crd']);
  });

  it("one ENIConfig per zone, named after it, with that zone's pod subnet and the security groups", () => {
    const configs = objectsIn(platform('vpc-cni'));
    expect(configs.map((c) => [c.kind, c.metadata.name, c.spec.subnet])).toEqual([
      ['ENIConfig', 'us-east-1a', 'subnet-0a1b2c3d4e5f60001'],
      ['ENIConfig', 'us-east-1b', 'subnet-0a1b2c3d4e5f60002'],
      ['ENIConfig', 'us-east-1c', 'subnet-0a1b2c3d4e5f60003'],
    ]);
    for (const c of configs) expect(c.spec.securityGroups).toEqual(['sg-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60002']);
  });

  it('orders ENIConfigs and controllers before ExternalDNS, and all of them before the environments', () => {
    const wave = (o: any) => Number(o.metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave(objectsIn(platform('vpc-cni'))[0])).toBeLessThan(wave(application('aws-load-balancer-controller')));
    expect(wave(application('aws-load-balancer-controller'))).toBeLessThan(wave(application('external-dns')));
    // The Gateway API controller starts after ExternalDNS has installed the DNSEndpoint CRD it writes.
    if (uses('lattice')) expect(wave(application('external-dns'))).toBeLessThan(wave(application('aws-gateway-controller')));
  });

  it("every custom resource a controller's CRD defines skips the dry run while that CRD is missing", () => {
    const builtIn = /^(v1|apps\/v1|networking\.k8s\.io\/v1|policy\/v1|argoproj\.io\/v1alpha1)$/;
    const custom = allObjects().filter(({ file, object }) => !file.includes('/cluster/') && !builtIn.test(object.apiVersion));
    expect(custom.length).toBeGreaterThan(40);
    for (const { object } of custom) {
      const options = String(object.metadata.annotations?.['argocd.argoproj.io/sync-options']).split(',');
      expect([object.kind, options]).toEqual([object.kind, expect.arrayContaining(['SkipDryRunOnMissingResource=true'])]);
    }
  });

  it('the platform project allows every chart repository and namespace the add-ons use', () => {
    const project = find('eks-acg/argocd/projects.yaml', 'AppProject', 'platform');
    for (const { object } of allObjects().filter(({ file }) => file.startsWith('eks-acg/platform/'))) {
      if (object.kind !== 'Application') continue;
      expect(project.spec.sourceRepos).toContain(object.spec.source.repoURL);
      expect(project.spec.destinations).toContainEqual(object.spec.destination);
    }
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'crd.k8s.amazonaws.com', kind: 'ENIConfig' });
  });
});

describe('the eksctl cluster config', () => {
  it("creates the course's cluster", () => {
    const config = clusterConfig();
    expect(config.apiVersion).toBe('eksctl.io/v1alpha5');
    expect(config.kind).toBe('ClusterConfig');
    expect(config.metadata).toEqual({
      name: 'eks-acg',
      region: 'us-east-1',
      version: rendered().project.clusters.find((c) => c.name === 'eks-acg')!.kubernetesVersion,
    });
    expect(config.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(config.vpc).toMatchObject({ cidr: '10.0.0.0/16', nat: { gateway: 'HighlyAvailable' }, clusterEndpoints: { privateAccess: true } });
    expect(config.iam.withOIDC).toBe(true);
    expect(config.managedNodeGroups).toEqual([expect.objectContaining({ instanceType: 't3.medium', desiredCapacity: 3, privateNetworking: true })]);
    expect(config.nodeGroups[0].instancesDistribution).toMatchObject({ instanceTypes: ['t3.medium', 't3a.medium'], onDemandPercentageAboveBaseCapacity: 0 });
    // Fargate only where the cluster file names namespaces for it; the spot nodes carry the label spot namespaces select.
    const cluster = rendered().project.clusters.find((c) => c.name === 'eks-acg')!;
    const fargate = cluster.fargateNamespaces ?? [];
    expect(config.fargateProfiles).toEqual(
      fargate.length > 0 ? [{ name: 'eks-acg-fargate', selectors: fargate.map((namespace) => ({ namespace })) }] : undefined,
    );
    expect(config.nodeGroups[0].labels).toEqual({ lifecycle: 'Ec2Spot' });
  });

  it('turns on VPC CNI custom networking by zone and the network policy agent', () => {
    const cni = clusterConfig().addons.find((a: any) => a.name === 'vpc-cni');
    expect(JSON.parse(cni.configurationValues)).toEqual({
      env: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true', ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone' },
      enableNetworkPolicy: 'true',
    });
    expect(cni.serviceAccountRoleARN).toBe(ROLE('eks-acg-aws-node'));
  });

  it('scopes ExternalDNS to the hosted zone (the course attached Route 53 full access)', () => {
    const role = podRoles(clusterConfig()).find((r) => r.roleName === 'eks-acg-external-dns')!;
    expect(role.policy.Statement[0]).toMatchObject({
      Action: expect.arrayContaining(['route53:ChangeResourceRecordSets']),
      Resource: 'arn:aws:route53:::hostedzone/Z0123456789EXAMPLEAB',
    });
    expect(JSON.stringify(role)).not.toContain('AmazonRoute53FullAccess');
  });
});

describe("the add-ons' credentials: EKS Pod Identity on the EC2 nodes, IRSA only where a role says why", () => {
  const { project } = rendered();
  for (const cluster of project.clusters) {
    const config = objectsIn(`${cluster.name}/cluster/cluster.yaml`)[0];
    const workloads = { environments: project.environments.filter((e) => e.cluster === cluster.name), services: project.services };
    const roles = addOnRoles(cluster, workloads.environments, project.services, project.addOns);

    it(`${cluster.name}: each add-on role is created once, the way it says, with exactly its policies`, () => {
      expect(roles.length).toBeGreaterThan(0);
      const rendered = podRoles(config);
      expect(rendered.map((r) => r.roleName).sort()).toEqual(roles.map((r) => r.roleName).sort());
      for (const role of roles) {
        const found = rendered.find((r) => r.roleName === role.roleName)!;
        expect(found).toEqual({
          namespace: role.namespace,
          serviceAccount: role.serviceAccount,
          roleName: role.roleName,
          policy: role.policy,
          managedPolicyArns: role.managedPolicyArns,
          wellKnownPolicies: role.wellKnownPolicies,
          via: usesPodIdentity(role) ? 'pod-identity' : 'irsa',
        });
        if (!usesPodIdentity(role)) expect(role.irsa!.why.length).toBeGreaterThan(10);
      }
      // The node agent that serves the associations, whenever there is one.
      expect(config.addons.some((a: any) => a.name === POD_IDENTITY_AGENT)).toBe(roles.some(usesPodIdentity));
      // The services' roles trust the OIDC provider (IRSA), so it stays.
      expect(config.iam.withOIDC).toBe(true);
    });

    it(`${cluster.name}: no service account of a Pod Identity role carries a role annotation; each IRSA one carries its own`, () => {
      const text = JSON.stringify(
        allObjects()
          .filter(({ file }) => file.startsWith(`${cluster.name}/platform/`))
          .map(({ object }) => object),
      );
      for (const role of roles) {
        const arn = roleArn(cluster, role.roleName);
        if (usesPodIdentity(role)) expect([role.roleName, text.includes(arn)]).toEqual([role.roleName, false]);
        else if (!role.eksAddOn && role.serviceAccount !== 'aws-node')
          expect([role.roleName, text.includes(`"eks.amazonaws.com/role-arn":"${arn}"`)]).toEqual([role.roleName, true]);
      }
    });
  }
});
