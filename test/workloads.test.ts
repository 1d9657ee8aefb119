import { loadProject } from '../lib/load/project';
import { callersOf, serviceNameOf } from '../lib/model/service';
import { ALB_READINESS_GATE_LABEL } from '../lib/render/charts/environment';
import { LATTICE_CIDRS, LATTICE_READINESS_GATE_LABEL, latticeHost, serviceNetworkName } from '../lib/render/mesh/lattice';
import { HBONE_PORT, KUBELET_PROBE_SOURCE, WAYPOINT } from '../lib/render/mesh/istio';
import { meshProviderOf } from '../lib/render/mesh';
import { allObjects, find, objectsIn, ROOT } from './helpers';

// Everything expected here comes from the project model, so a service, environment or cluster added
// the way the README says is checked the same way (test/extensions.test.ts runs this file on such a copy).
const project = loadProject(ROOT);
const ENVS = project.environments.map((environment) => ({
  env: environment.name,
  environment,
  cluster: project.clusters.find((c) => c.name === environment.cluster)!,
  suffix: environment.hostSuffix,
  aspnet: environment.name === 'development' ? 'Development' : 'Production',
}));
const SERVICES = project.services.map((s) => ({ name: s.name, service: serviceNameOf(s), port: s.port, host: s.host }));
const definition = (name: string) => project.services.find((s) => s.name === name)!;
const has = (name: string) => project.services.some((s) => s.name === name);

function envOf(deployment: any): Record<string, string> {
  return Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
}

describe.each(ENVS)('the $env environment', ({ env, environment, cluster, suffix, aspnet }) => {
  const file = (service: string) => `${cluster.name}/${env}/${service}.yaml`;
  const ns = environment.namespace;
  const domain = cluster.baseDomain;
  const region = cluster.region;

  // Where a caller reaches a service under the environment's mesh: the Lattice custom domain name, or the Service's name; the container port either way.
  const hostOf = (name: string) => (environment.mesh === 'lattice' ? latticeHost(cluster, environment, name) : serviceNameOf(definition(name)));
  const urlOf = (name: string) => `http://${hostOf(name)}:${definition(name).port}`;
  const meshObjects = (prefix: string) =>
    allObjects().filter(({ file, object }) => file.startsWith(`${cluster.name}/${env}/`) && object.apiVersion.startsWith(prefix));
  const whenMesh = (mesh: string) => (environment.mesh === mesh ? it : it.skip);

  whenMesh('lattice')('is on VPC Lattice: its service network and Gateway, and no App Mesh label or object', () => {
    const namespace = find(file('namespace'), 'Namespace', ns);
    expect(Object.keys(namespace.metadata.labels).filter((k) => k === 'mesh' || k.startsWith('appmesh.k8s.aws'))).toEqual([]);
    expect(meshObjects('appmesh.k8s.aws/')).toEqual([]);
    // The Gateway API controller's webhook adds Lattice's pod readiness gate to its pods.
    expect(namespace.metadata.labels[LATTICE_READINESS_GATE_LABEL]).toBe('enabled');
    const gateway = find(file('namespace'), 'Gateway', serviceNetworkName(cluster, environment));
    expect(gateway.spec.gatewayClassName).toBe('amazon-vpc-lattice');
    expect(find(file('namespace'), 'ServiceNetwork', serviceNetworkName(cluster, environment))).toBeDefined();
  });

  whenMesh('appmesh')('has its namespace labelled for its App Mesh, and the mesh selecting that label', () => {
    const namespace = find(file('namespace'), 'Namespace', ns);
    expect(namespace.metadata.labels).toMatchObject({ mesh: `${env}-mesh`, 'appmesh.k8s.aws/sidecarInjectorWebhook': 'enabled' });
    const mesh = find(file('namespace'), 'Mesh', `${env}-mesh`);
    expect(mesh.spec).toMatchObject({ namespaceSelector: { matchLabels: { mesh: `${env}-mesh` } } });
  });

  it("labels its namespace for the Load Balancer Controller's pod readiness gate (its Ingresses use target-type ip)", () => {
    expect(find(file('namespace'), 'Namespace', ns).metadata.labels[ALB_READINESS_GATE_LABEL]).toBe('enabled');
    const targetTypes = SERVICES.map(({ name }) => find(file(name), 'Ingress', name).metadata.annotations['alb.ingress.kubernetes.io/target-type']);
    expect(new Set(targetTypes)).toEqual(new Set(['ip']));
  });

  describe.each(SERVICES)('$name', ({ name, service, port, host }) => {
    it('runs under its own IRSA role', () => {
      const account = find(file(name), 'ServiceAccount', `${name}-iam-service-account`);
      expect(account.metadata.namespace).toBe(ns);
      expect(account.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(
        `arn:aws:iam::${cluster.accountId}:role/bookstore/${cluster.name}/${cluster.name}-${env}-${name}`,
      );
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
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    });

    it(`is published at https://${host}${suffix}.<base domain> through the environment's shared ALB`, () => {
      const ingress = find(file(name), 'Ingress', name);
      expect(ingress.spec.ingressClassName).toBe('alb');
      // Straight to the service's pods, or through the mesh provider's ingress gateway (Istio's, into the mesh over mTLS).
      const gateway = meshProviderOf(environment).ingressGateway;
      const backend = gateway
        ? { service: { name: gateway.serviceName, port: { number: gateway.port } } }
        : { service: { name: service, port: { name: 'http' } } };
      expect(ingress.spec.rules).toEqual([{ host: `${host}${suffix}.${domain}`, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }]);
      if (gateway) {
        expect(ingress.metadata.annotations).toMatchObject({
          'alb.ingress.kubernetes.io/healthcheck-port': String(gateway.healthCheckPort),
          'alb.ingress.kubernetes.io/healthcheck-path': gateway.healthCheckPath,
        });
      }
      expect(ingress.metadata.annotations).toMatchObject({
        'alb.ingress.kubernetes.io/group.name': env,
        'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
        'alb.ingress.kubernetes.io/ssl-redirect': '443',
        'alb.ingress.kubernetes.io/certificate-arn': cluster.certificateArn,
        'alb.ingress.kubernetes.io/load-balancer-attributes': 'idle_timeout.timeout_seconds=360',
        'alb.ingress.kubernetes.io/target-type': 'ip',
        'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      });
      expect(ingress.metadata.annotations).not.toHaveProperty(['kubernetes.io/ingress.class']);
    });

    whenMesh('lattice')('is routed by VPC Lattice: an HTTPRoute on the listener at its port, to its Service, and a health check', () => {
      const route = find(file(name), 'HTTPRoute', name);
      expect(route.spec).toEqual({
        parentRefs: [{ name: serviceNetworkName(cluster, environment), sectionName: `http-${port}` }],
        hostnames: [latticeHost(cluster, environment, name)],
        rules: [{ backendRefs: [{ name: service, kind: 'Service', port }] }],
      });
      const policy = find(file(name), 'TargetGroupPolicy', name);
      expect(policy.spec.targetRef).toEqual({ group: '', kind: 'Service', name: service });
      expect(policy.spec.healthCheck).toMatchObject({ enabled: true, port, protocol: 'HTTP' });
    });

    whenMesh('appmesh')('is in the App Mesh: a node listening on its port, a router and a service named after the Service', () => {
      const node = find(file(name), 'VirtualNode', name);
      expect(node.spec.listeners).toEqual([expect.objectContaining({ portMapping: { port, protocol: 'http' } })]);
      expect(node.spec.serviceDiscovery).toEqual({ dns: { hostname: `${service}.${ns}.svc.cluster.local` } });
      expect(node.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': name });
      const virtualService = find(file(name), 'VirtualService', service);
      expect(virtualService.spec).toEqual({ awsName: service, provider: { virtualRouter: { virtualRouterRef: { name: `${name}-virtual-router` } } } });
    });
  });

  (['clients-api', 'inventory-api', 'renting-api', 'resource-api'].every(has) ? it : it.skip)(
    'gives each course API its environment variables from the facts',
    () => {
      const defaultRegion = { AWS_DEFAULT_REGION: region };
      expect(envOf(find(file('clients-api'), 'Deployment', 'clients-api'))).toEqual({
        DYNAMODB_TABLE: `${env}-clients`,
        ASPNETCORE_ENVIRONMENT: aspnet,
        ...defaultRegion,
      });
      expect(envOf(find(file('inventory-api'), 'Deployment', 'inventory-api'))).toEqual({
        DYNAMODB_TABLE: `${env}-inventory`,
        RESOURCE_API_ENDPOINT: urlOf('resource-api'),
        ...defaultRegion,
        AWS_REGION: region,
      });
      expect(envOf(find(file('renting-api'), 'Deployment', 'renting-api'))).toEqual({
        DYNAMODB_TABLE: `${env}-renting`,
        INVENTORY_API_ENDPOINT: urlOf('inventory-api'),
        CLIENTS_API_ENDPOINT: urlOf('clients-api'),
        RESOURCES_API_ENDPOINT: urlOf('resource-api'),
        AWS_REGION: region,
      });
      expect(envOf(find(file('resource-api'), 'Deployment', 'resource-api'))).toEqual({ DYNAMODB_TABLE: `${env}-resources`, ...defaultRegion });
    },
  );

  it('takes each ECR image tag from the overlay', () => {
    for (const [name, tag] of Object.entries(environment.images)) {
      const image = find(file(name), 'Deployment', name).spec.template.spec.containers[0].image;
      expect(image).toBe(`${cluster.accountId}.dkr.ecr.${region}.amazonaws.com/bookstore.${name}:${tag}`);
    }
  });

  whenMesh('appmesh')('declares the App Mesh backends from the same list as the env vars', () => {
    const backends = (name: string) => (find(file(name), 'VirtualNode', name).spec.backends ?? []).map((b: any) => b.virtualService.virtualServiceRef.name);
    for (const { name } of SERVICES) {
      expect(backends(name)).toEqual((definition(name).backends ?? []).map((b) => serviceNameOf(definition(b.service))));
    }
  });

  (environment.mesh === 'istio' ? it.skip : it)(
    `admits to each service the pods of the services that declare it as a backend, the VPC${environment.mesh === 'lattice' ? ' and VPC Lattice' : ''}`,
    () => {
      for (const { name, port } of SERVICES) {
        const policy = find(file(name), 'NetworkPolicy', name);
        expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': name } });
        const admitted = policy.spec.ingress
          .flatMap((r: any) => r.from)
          .filter((p: any) => p.podSelector)
          .map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name'])
          .sort();
        // The same declaration: whoever has this service as a backend is admitted, nobody else.
        const callers = callersOf(project.services, name).sort();
        expect(admitted).toEqual(callers);
        const peers = environment.mesh === 'lattice' ? LATTICE_CIDRS.map((cidr) => ({ ipBlock: { cidr } })) : [];
        expect(policy.spec.ingress).toContainEqual({
          from: [{ ipBlock: { cidr: cluster.vpcCidr ?? '10.0.0.0/16' } }, ...peers],
          ports: [{ port, protocol: 'TCP' }],
        });
        for (const rule of policy.spec.ingress) expect(rule.ports).toEqual([{ port, protocol: 'TCP' }]);
      }
    },
  );

  whenMesh('istio')(
    "admits to each service HBONE from the waypoint only, and the kubelet's probes from istio-cni's address on its port (callers are admitted by identity)",
    () => {
      for (const { name, port } of SERVICES) {
        const policy = find(file(name), 'NetworkPolicy', name);
        expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': name } });
        expect(policy.spec.ingress).toEqual([
          { from: [{ podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': WAYPOINT } } }], ports: [{ port: HBONE_PORT, protocol: 'TCP' }] },
          { from: [{ ipBlock: { cidr: KUBELET_PROBE_SOURCE } }], ports: [{ port, protocol: 'TCP' }] },
        ]);
      }
    },
  );

  it("denies every other ingress to the namespace's pods", () => {
    expect(find(file('namespace'), 'NetworkPolicy', 'default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  // Under App Mesh the namespace enforces privileged for its init container: test/mesh.test.ts checks that exception.
  (environment.mesh === 'appmesh' ? it.skip : it)(
    'labels its namespace for Pod Security: enforce and audit baseline (the front-end runs as root), warn at restricted, the reason stated',
    () => {
      const namespace = find(file('namespace'), 'Namespace', ns);
      expect(namespace.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/audit': 'baseline', // front-end's nginx runs as root: not restricted
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/enforce-version': `v${cluster.kubernetesVersion}`,
      });
      expect(namespace.metadata.annotations['bookstore.example.com/pod-security-exception']).toMatch(
        /^baseline, not restricted: front-end \(container front-end may run as root/,
      );
    },
  );

  it('spreads each service over zones and nodes, and budgets disruptions where it runs more than one pod', () => {
    for (const { name } of SERVICES) {
      const deployment = find(file(name), 'Deployment', name);
      const spread = deployment.spec.template.spec.topologySpreadConstraints;
      expect(spread.map((t: any) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([
        ['topology.kubernetes.io/zone', environment.tier === 'production' ? 'DoNotSchedule' : 'ScheduleAnyway'],
        ['kubernetes.io/hostname', 'ScheduleAnyway'],
      ]);
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      const budgets = objectsIn(file(name)).filter((o) => o.kind === 'PodDisruptionBudget');
      const replicas = environment.replicas[name] ?? environment.defaultReplicas;
      expect(deployment.spec.replicas).toBe(replicas);
      if (replicas >= 2) {
        expect(budgets).toEqual([expect.objectContaining({ spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': name } } } })]);
      } else {
        // One pod: a budget would block every node drain.
        expect(budgets).toEqual([]);
      }
    }
  });

  const routes = (definition('front-end-proxy')?.backends ?? []).filter((b) => b.route);
  it('ships the front-end config.json as a ConfigMap pointing at the proxy, one key per proxy route', () => {
    const configMap = find(file('front-end'), 'ConfigMap', 'front-end-config');
    const api = `https://${definition('front-end-proxy').host}${suffix}.${domain}`;
    expect(JSON.parse(configMap.data['config.json'])).toEqual({
      api: Object.fromEntries(routes.map((r) => [r.configKey, `${api}${r.route!.replace(/\/$/, '')}`])),
    });
    if (has('clients-api')) expect(JSON.parse(configMap.data['config.json']).api.clientApi).toBe(`${api}/clients-api`);
    const container = find(file('front-end'), 'Deployment', 'front-end').spec.template.spec.containers[0];
    expect(container.volumeMounts).toContainEqual({
      mountPath: '/usr/share/nginx/html/assets/json/config.json',
      name: 'config',
      readOnly: true,
      subPath: 'config.json',
    });
    expect(objectsIn(file('front-end')).filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it("routes each API path of the proxy to its backend's VPC Lattice name and port and allows the front-end origin", () => {
    const conf = find(file('front-end-proxy'), 'ConfigMap', 'front-end-proxy-config').data['default.conf'];
    for (const [route, upstream] of [...routes.map((r) => [r.route!, r.service]), ['/', 'front-end']]) {
      expect(conf).toMatch(new RegExp(`location ${route} \\{[^}]*?(\\{[^}]*\\}[^}]*?)*proxy_pass ${urlOf(upstream).replace(/\./g, '\\.')}/;`));
    }
    expect(conf).toContain(`add_header Access-Control-Allow-Origin "https://${definition('front-end').host}${suffix}.${domain}" always;`);
  });
});

describe('every rendered object', () => {
  it('has a name a person chose, no hash suffix', () => {
    const hashed = allObjects().filter(({ object }) => /-[0-9a-f]{8}$/.test(object.metadata.name));
    expect(hashed.map(({ object }) => `${object.kind}/${object.metadata.name}`)).toEqual([]);
  });

  it('carries the recommended labels', () => {
    const missing = allObjects().filter(
      ({ object }) =>
        object.metadata.labels?.['app.kubernetes.io/part-of'] !== 'bookstore' || object.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'cdk8s',
    );
    expect(missing.map(({ file, object }) => `${file}: ${object.kind}/${object.metadata.name}`)).toEqual([]);
  });

  it("of a service is in that service's file and labelled with its name", () => {
    const folders = ENVS.map(({ cluster, env }) => `${cluster.name}/${env}/`);
    const environmentFiles = allObjects().filter(({ file }) => folders.some((f) => file.startsWith(f)));
    // At least a Deployment, Service, Ingress, ServiceAccount and NetworkPolicy of each service in each environment.
    expect(environmentFiles.length).toBeGreaterThanOrEqual(SERVICES.length * ENVS.length * 5);
    for (const { file, object } of environmentFiles) {
      const service = file.split('/').pop()!.replace('.yaml', '');
      if (service === 'namespace') continue;
      expect([file, object.metadata.labels['app.kubernetes.io/name']]).toEqual([file, service]);
    }
  });
});
