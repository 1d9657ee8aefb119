import { allObjects, find, objectsIn, rendered } from './helpers';
import { callersOf } from '../lib/service';

const ENVS = [
  { env: 'development', suffix: '-development', aspnet: 'Development' },
  { env: 'production', suffix: '', aspnet: 'Production' },
];
const SERVICES = [
  { name: 'front-end', service: 'front-end-service', port: 80, host: 'bookstore' },
  { name: 'front-end-proxy', service: 'front-end-service-proxy', port: 8080, host: 'api' },
  { name: 'clients-api', service: 'clients-api-service', port: 5003, host: 'clients-api' },
  { name: 'inventory-api', service: 'inventory-api-service', port: 5001, host: 'inventory-api' },
  { name: 'renting-api', service: 'renting-api-service', port: 5004, host: 'renting-api' },
  { name: 'resource-api', service: 'resource-api-service', port: 5000, host: 'resource-api' },
];

function envOf(deployment: any): Record<string, string> {
  return Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
}

describe.each(ENVS)('the $env environment', ({ env, suffix, aspnet }) => {
  const file = (service: string) => `eks-acg/${env}/${service}.yaml`;

  const lattice = (name: string, port: number) => `http://${name}.${env}.lattice.example.com:${port}`;
  const portOf = (name: string) => SERVICES.find((s) => s.name === name)!.port;

  it('is on VPC Lattice: its service network and Gateway, and no App Mesh label or object', () => {
    const namespace = find(`eks-acg/${env}/namespace.yaml`, 'Namespace', env);
    expect(Object.keys(namespace.metadata.labels).filter((k) => k === 'mesh' || k.startsWith('appmesh.k8s.aws'))).toEqual([]);
    expect(allObjects().filter(({ file, object }) => file.startsWith(`eks-acg/${env}/`) && object.apiVersion.startsWith('appmesh.k8s.aws/'))).toEqual([]);
    const gateway = find(`eks-acg/${env}/namespace.yaml`, 'Gateway', `eks-acg-${env}`);
    expect(gateway.spec.gatewayClassName).toBe('amazon-vpc-lattice');
    expect(find(`eks-acg/${env}/namespace.yaml`, 'ServiceNetwork', `eks-acg-${env}`)).toBeDefined();
  });

  describe.each(SERVICES)('$name', ({ name, service, port, host }) => {
    it('runs under its own IRSA role', () => {
      const account = find(file(name), 'ServiceAccount', `${name}-iam-service-account`);
      expect(account.metadata.namespace).toBe(env);
      expect(account.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::111122223333:role/bookstore/eks-acg/eks-acg-${env}-${name}`);
      const deployment = find(file(name), 'Deployment', name);
      expect(deployment.spec.template.spec.serviceAccountName).toBe(`${name}-iam-service-account`);
    });

    it('exposes its container port as http on the same Service port, selecting its pods', () => {
      const deployment = find(file(name), 'Deployment', name);
      const container = deployment.spec.template.spec.containers[0];
      expect(container.ports).toEqual([{ containerPort: port, name: 'http' }]);
      const svc = find(file(name), 'Service', service);
      expect(svc.spec.ports).toEqual([{ name: 'http', port, protocol: 'TCP', targetPort: 'http' }]);
      expect(deployment.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
      expect(deployment.spec.selector.matchLabels).toEqual(svc.spec.selector);
    });

    it('has probes, requests and limits, and a locked-down container', () => {
      const container = find(file(name), 'Deployment', name).spec.template.spec.containers[0];
      expect(container.readinessProbe).toBeDefined();
      expect(container.livenessProbe).toBeDefined();
      expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'memory']);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      });
    });

    it(`is published at https://${host}${suffix}.example.com through the environment's shared ALB`, () => {
      const ingress = find(file(name), 'Ingress', name);
      expect(ingress.spec.ingressClassName).toBe('alb');
      expect(ingress.spec.rules).toEqual([{
        host: `${host}${suffix}.example.com`,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { name: 'http' } } } }] },
      }]);
      expect(ingress.metadata.annotations).toMatchObject({
        'alb.ingress.kubernetes.io/group.name': env,
        'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
        'alb.ingress.kubernetes.io/ssl-redirect': '443',
        'alb.ingress.kubernetes.io/certificate-arn': 'arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
        'alb.ingress.kubernetes.io/load-balancer-attributes': 'idle_timeout.timeout_seconds=360',
        'alb.ingress.kubernetes.io/target-type': 'ip',
        'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      });
      expect(ingress.metadata.annotations).not.toHaveProperty(['kubernetes.io/ingress.class']);
    });

    it('is routed by VPC Lattice: an HTTPRoute on the listener at its port, to its Service, and a health check', () => {
      const route = find(file(name), 'HTTPRoute', name);
      expect(route.spec).toEqual({
        parentRefs: [{ name: `eks-acg-${env}`, sectionName: `http-${port}` }],
        hostnames: [`${name}.${env}.lattice.example.com`],
        rules: [{ backendRefs: [{ name: service, kind: 'Service', port }] }],
      });
      const policy = find(file(name), 'TargetGroupPolicy', name);
      expect(policy.spec.targetRef).toEqual({ group: '', kind: 'Service', name: service });
      expect(policy.spec.healthCheck).toMatchObject({ enabled: true, port, protocol: 'HTTP' });
    });
  });

  it('gives each API its environment variables from the facts', () => {
    const region = { AWS_DEFAULT_REGION: 'us-east-1' };
    expect(envOf(find(file('clients-api'), 'Deployment', 'clients-api'))).toEqual({
      DYNAMODB_TABLE: `${env}-clients`, ASPNETCORE_ENVIRONMENT: aspnet, ...region,
    });
    expect(envOf(find(file('inventory-api'), 'Deployment', 'inventory-api'))).toEqual({
      DYNAMODB_TABLE: `${env}-inventory`, RESOURCE_API_ENDPOINT: lattice('resource-api', 5000), ...region, AWS_REGION: 'us-east-1',
    });
    expect(envOf(find(file('renting-api'), 'Deployment', 'renting-api'))).toEqual({
      DYNAMODB_TABLE: `${env}-renting`,
      INVENTORY_API_ENDPOINT: lattice('inventory-api', 5001),
      CLIENTS_API_ENDPOINT: lattice('clients-api', 5003),
      RESOURCES_API_ENDPOINT: lattice('resource-api', 5000),
      AWS_REGION: 'us-east-1',
    });
    expect(envOf(find(file('resource-api'), 'Deployment', 'resource-api'))).toEqual({ DYNAMODB_TABLE: `${env}-resources`, ...region });
  });

  it('takes each ECR image tag from the overlay', () => {
    const image = find(file('renting-api'), 'Deployment', 'renting-api').spec.template.spec.containers[0].image;
    expect(image).toBe('111122223333.dkr.ecr.us-east-1.amazonaws.com/bookstore.renting-api:1.0.c81e4b6a');
  });

  it('admits to each service the pods of the services that declare it as a backend, the VPC and VPC Lattice', () => {
    for (const { name, port } of SERVICES) {
      const policy = find(file(name), 'NetworkPolicy', name);
      expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': name } });
      const admitted = policy.spec.ingress.flatMap((r: any) => r.from).filter((p: any) => p.podSelector).map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']).sort();
      // The same declaration: whoever has this service as a mesh backend is admitted, nobody else.
      const callers = callersOf(rendered().project.services, name).sort();
      expect(admitted).toEqual(callers);
      expect(policy.spec.ingress).toContainEqual({ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }, { ipBlock: { cidr: '169.254.171.0/24' } }], ports: [{ port, protocol: 'TCP' }] });
      for (const rule of policy.spec.ingress) expect(rule.ports).toEqual([{ port, protocol: 'TCP' }]);
    }
    expect(find(file('resource-api'), 'NetworkPolicy', 'resource-api').spec.ingress[0].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']))
      .toEqual(['front-end-proxy', 'inventory-api', 'renting-api']);
    expect(find(`eks-acg/${env}/namespace.yaml`, 'NetworkPolicy', 'default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('labels its namespace for Pod Security: enforce and audit baseline (the front-end runs as root), warn at restricted, the reason stated', () => {
    const namespace = find(`eks-acg/${env}/namespace.yaml`, 'Namespace', env);
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/audit': 'baseline', // front-end's nginx runs as root: not restricted
      'pod-security.kubernetes.io/warn': 'restricted',
      // The standards of the cluster's own Kubernetes version.
      'pod-security.kubernetes.io/enforce-version': `v${rendered().project.clusters.find((c) => c.name === 'eks-acg')!.kubernetesVersion}`,
    });
    expect(namespace.metadata.annotations['bookstore.example.com/pod-security-exception']).toMatch(/^baseline, not restricted: front-end \(container front-end may run as root/);
  });

  it('spreads each service over zones and nodes, and budgets disruptions where it runs more than one pod', () => {
    for (const { name } of SERVICES) {
      const deployment = find(file(name), 'Deployment', name);
      const spread = deployment.spec.template.spec.topologySpreadConstraints;
      expect(spread.map((t: any) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([
        ['topology.kubernetes.io/zone', env === 'production' ? 'DoNotSchedule' : 'ScheduleAnyway'],
        ['kubernetes.io/hostname', 'ScheduleAnyway'],
      ]);
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      const budgets = objectsIn(file(name)).filter((o) => o.kind === 'PodDisruptionBudget');
      if (env === 'production') {
        expect(deployment.spec.replicas).toBe(3);
        expect(budgets).toEqual([expect.objectContaining({ spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': name } } } })]);
      } else {
        // One pod: a budget would block every node drain.
        expect(deployment.spec.replicas).toBe(1);
        expect(budgets).toEqual([]);
      }
    }
  });

  it('ships the front-end config.json as a ConfigMap pointing at the proxy', () => {
    const configMap = find(file('front-end'), 'ConfigMap', 'front-end-config');
    const api = `https://api${suffix}.example.com`;
    expect(JSON.parse(configMap.data['config.json'])).toEqual({
      api: { resourceApi: `${api}/resources-api`, inventoryApi: `${api}/inventory-api`, clientApi: `${api}/clients-api`, rentingApi: `${api}/renting-api` },
    });
    const container = find(file('front-end'), 'Deployment', 'front-end').spec.template.spec.containers[0];
    expect(container.volumeMounts).toContainEqual({
      mountPath: '/usr/share/nginx/html/assets/json/config.json', name: 'config', readOnly: true, subPath: 'config.json',
    });
    expect(objectsIn(file('front-end')).filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('routes each API path of the proxy to its backend\'s VPC Lattice name and port and allows the front-end origin', () => {
    const conf = find(file('front-end-proxy'), 'ConfigMap', 'front-end-proxy-config').data['default.conf'];
    for (const [route, upstream] of [['/resources-api/', 'resource-api'], ['/inventory-api/', 'inventory-api'],
      ['/renting-api/', 'renting-api'], ['/clients-api/', 'clients-api'], ['/', 'front-end']]) {
      expect(conf).toMatch(new RegExp(`location ${route} \\{[^}]*?(\\{[^}]*\\}[^}]*?)*proxy_pass ${lattice(upstream, portOf(upstream)).replace(/\./g, '\\.')}/;`));
    }
    expect(conf).toContain(`add_header Access-Control-Allow-Origin "https://bookstore${suffix}.example.com" always;`);
  });
});

describe('every rendered object', () => {
  it('has a name a person chose, no hash suffix', () => {
    const hashed = allObjects().filter(({ object }) => /-[0-9a-f]{8}$/.test(object.metadata.name));
    expect(hashed.map(({ object }) => `${object.kind}/${object.metadata.name}`)).toEqual([]);
  });

  it('carries the recommended labels', () => {
    const missing = allObjects().filter(({ object }) =>
      object.metadata.labels?.['app.kubernetes.io/part-of'] !== 'bookstore' || object.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'cdk8s');
    expect(missing.map(({ file, object }) => `${file}: ${object.kind}/${object.metadata.name}`)).toEqual([]);
  });

  it('of a service is in that service\'s file and labelled with its name', () => {
    const environmentFiles = allObjects().filter(({ file }) => /^eks-acg\/(development|production)\//.test(file));
    expect(environmentFiles.length).toBeGreaterThan(50);
    for (const { file, object } of environmentFiles) {
      const service = file.split('/').pop()!.replace('.yaml', '');
      if (service === 'namespace') continue;
      expect([file, object.metadata.labels['app.kubernetes.io/name']]).toEqual([file, service]);
    }
  });
});
