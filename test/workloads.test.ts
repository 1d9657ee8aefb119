import { allObjects, find, objectsIn, rendered } from './helpers';

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

  it('has its namespace labelled for its mesh, and the mesh selecting that label', () => {
    const namespace = find(`eks-acg/${env}/namespace.yaml`, 'Namespace', env);
    expect(namespace.metadata.labels).toMatchObject({ 'mesh': `${env}-mesh`, 'appmesh.k8s.aws/sidecarInjectorWebhook': 'enabled' });
    const mesh = find(`eks-acg/${env}/namespace.yaml`, 'Mesh', `${env}-mesh`);
    expect(mesh.spec).toEqual({ egressFilter: { type: 'ALLOW_ALL' }, namespaceSelector: { matchLabels: { mesh: `${env}-mesh` } } });
  });

  describe.each(SERVICES)('$name', ({ name, service, port, host }) => {
    it('runs under its own IRSA role', () => {
      const account = find(file(name), 'ServiceAccount', `${name}-iam-service-account`);
      expect(account.metadata.namespace).toBe(env);
      expect(account.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::111122223333:role/bookstore/eks-acg/eks-acg-${env}-${name}`);
      const deployment = find(file(name), 'Deployment', name);
      expect(deployment.spec.template.spec.serviceAccountName).toBe(`${name}-iam-service-account`);
    });

    it('exposes its container port as http on Service port 80, selecting its pods', () => {
      const deployment = find(file(name), 'Deployment', name);
      const container = deployment.spec.template.spec.containers[0];
      expect(container.ports).toEqual([{ containerPort: port, name: 'http' }]);
      const svc = find(file(name), 'Service', service);
      expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }]);
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

    it('is in the mesh: node, router with the retry policy, and a service named after the Service', () => {
      const node = find(file(name), 'VirtualNode', name);
      expect(node.spec.listeners).toEqual([{ portMapping: { port, protocol: 'http' } }]);
      expect(node.spec.serviceDiscovery).toEqual({ dns: { hostname: `${service}.${env}.svc.cluster.local` } });
      expect(node.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': name });
      const router = find(file(name), 'VirtualRouter', `${name}-virtual-router`);
      expect(router.spec.routes).toEqual([{
        name: `${name}-route`,
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: [{ virtualNodeRef: { name }, weight: 1 }] },
          retryPolicy: {
            maxRetries: 10,
            perRetryTimeout: { unit: 'ms', value: 2000 },
            httpRetryEvents: ['server-error', 'gateway-error', 'stream-error'],
            tcpRetryEvents: ['connection-error'],
          },
          timeout: { perRequest: { unit: 's', value: 30 } },
        },
      }]);
      const virtualService = find(file(name), 'VirtualService', service);
      expect(virtualService.spec).toEqual({ awsName: service, provider: { virtualRouter: { virtualRouterRef: { name: `${name}-virtual-router` } } } });
    });
  });

  it('gives each API its environment variables from the facts', () => {
    const region = { AWS_DEFAULT_REGION: 'us-east-1' };
    expect(envOf(find(file('clients-api'), 'Deployment', 'clients-api'))).toEqual({
      DYNAMODB_TABLE: `${env}-clients`, ASPNETCORE_ENVIRONMENT: aspnet, ...region,
    });
    expect(envOf(find(file('inventory-api'), 'Deployment', 'inventory-api'))).toEqual({
      DYNAMODB_TABLE: `${env}-inventory`, RESOURCE_API_ENDPOINT: 'http://resource-api-service', ...region, AWS_REGION: 'us-east-1',
    });
    expect(envOf(find(file('renting-api'), 'Deployment', 'renting-api'))).toEqual({
      DYNAMODB_TABLE: `${env}-renting`,
      INVENTORY_API_ENDPOINT: 'http://inventory-api-service',
      CLIENTS_API_ENDPOINT: 'http://clients-api-service',
      RESOURCES_API_ENDPOINT: 'http://resource-api-service',
      AWS_REGION: 'us-east-1',
    });
    expect(envOf(find(file('resource-api'), 'Deployment', 'resource-api'))).toEqual({ DYNAMODB_TABLE: `${env}-resources`, ...region });
  });

  it('takes each ECR image tag from the overlay', () => {
    const image = find(file('renting-api'), 'Deployment', 'renting-api').spec.template.spec.containers[0].image;
    expect(image).toBe('111122223333.dkr.ecr.us-east-1.amazonaws.com/bookstore.renting-api:1.0.c81e4b6a');
  });

  it('declares the mesh backends from the same list as the env vars', () => {
    const backends = (name: string) => find(file(name), 'VirtualNode', name).spec.backends.map((b: any) => b.virtualService.virtualServiceRef.name);
    expect(backends('inventory-api')).toEqual(['resource-api-service']);
    expect(backends('renting-api')).toEqual(['inventory-api-service', 'clients-api-service', 'resource-api-service']);
    expect(backends('front-end-proxy').sort()).toEqual(['clients-api-service', 'front-end-service', 'inventory-api-service', 'renting-api-service', 'resource-api-service']);
    expect(backends('clients-api')).toEqual([]);
  });

  it('admits to each service the pods of the services that declare it as a backend, and the VPC', () => {
    const mesh = (name: string) => find(file(name), 'VirtualNode', name).spec.backends.map((b: any) => b.virtualService.virtualServiceRef.name);
    for (const { name, port, service } of SERVICES) {
      const policy = find(file(name), 'NetworkPolicy', name);
      expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': name } });
      const admitted = policy.spec.ingress.flatMap((r: any) => r.from).filter((p: any) => p.podSelector).map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']).sort();
      // The same declaration: whoever has this service as a mesh backend is admitted, nobody else.
      const callers = SERVICES.filter((s) => mesh(s.name).includes(service)).map((s) => s.name).sort();
      expect(admitted).toEqual(callers);
      expect(policy.spec.ingress).toContainEqual({ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ port, protocol: 'TCP' }] });
      for (const rule of policy.spec.ingress) expect(rule.ports).toEqual([{ port, protocol: 'TCP' }]);
    }
    expect(find(file('resource-api'), 'NetworkPolicy', 'resource-api').spec.ingress[0].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']))
      .toEqual(['front-end-proxy', 'inventory-api', 'renting-api']);
    expect(find(`eks-acg/${env}/namespace.yaml`, 'NetworkPolicy', 'default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('labels its namespace for Pod Security: audit at the level its pods meet, warn at restricted, the mesh exception stated', () => {
    const namespace = find(`eks-acg/${env}/namespace.yaml`, 'Namespace', env);
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/audit': 'baseline', // front-end's nginx runs as root: not restricted
      'pod-security.kubernetes.io/warn': 'restricted',
      // The standards of the cluster's own Kubernetes version.
      'pod-security.kubernetes.io/enforce-version': `v${rendered().project.clusters.find((c) => c.name === 'eks-acg')!.kubernetesVersion}`,
    });
    expect(namespace.metadata.annotations['bookstore.example.com/pod-security-exception']).toMatch(/NET_ADMIN/);
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

  it('routes each API path of the proxy to its Service and allows the front-end origin', () => {
    const conf = find(file('front-end-proxy'), 'ConfigMap', 'front-end-proxy-config').data['default.conf'];
    for (const [route, upstream] of [['/resources-api/', 'resource-api-service'], ['/inventory-api/', 'inventory-api-service'],
      ['/renting-api/', 'renting-api-service'], ['/clients-api/', 'clients-api-service'], ['/', 'front-end-service']]) {
      expect(conf).toMatch(new RegExp(`location ${route} \\{[^}]*?(\\{[^}]*\\}[^}]*?)*proxy_pass http://${upstream}/;`));
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
