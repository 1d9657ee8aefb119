/**
 * Istio ambient (`mesh: istio`), read from what synth rendered the way Argo CD and a reviewer read it:
 * every expectation comes from the project model (services, their backends and call policies, the
 * environments on Istio), so a service or an environment added the documented way is checked the same way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { meshProviderOf } from '../lib/render/mesh';
import { principalOf, TRACE_SAMPLING_PERCENT, TRACING_PROVIDER, WAYPOINT, HBONE_PORT, INGRESS_GATEWAY } from '../lib/render/mesh/istio';
import { serviceAccountOf } from '../lib/model/naming';
import { callersOf, callPolicyOf, serviceNameOf } from '../lib/model/service';
import { addOnsOf } from '../lib/render/project';
import { allObjects, linkProject, rendered, synthInProcess } from './helpers';

const { project } = rendered();
const istioEnvironments = project.environments.filter((e) => e.mesh === 'istio');
const objectsOf = (cluster: string, env: string) =>
  allObjects()
    .filter(({ file }) => file.startsWith(`${cluster}/${env}/`))
    .map(({ object }) => object);
const platformObjects = (cluster: string) =>
  allObjects()
    .filter(({ file }) => file.startsWith(`${cluster}/platform/`))
    .map(({ object }) => object);
const one = (objects: readonly any[], kind: string, name: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect([kind, name, found.length]).toEqual([kind, name, 1]);
  return found[0];
};
/** Envoy's retryOn names of the service files' retry events. */
const RETRY_ON: Record<string, string> = {
  'server-error': '5xx',
  'gateway-error': 'gateway-error',
  'client-error': 'retriable-4xx',
  'stream-error': 'reset',
  'connection-error': 'connect-failure',
};

it('the example environments are on Istio ambient', () => {
  expect(project.environments.map((e) => [e.name, e.mesh])).toEqual(
    expect.arrayContaining([
      ['development', 'istio'],
      ['production', 'istio'],
    ]),
  );
});

describe.each(istioEnvironments.map((e) => [e.name, e] as const))('%s on Istio ambient', (_name, environment) => {
  const objects = objectsOf(environment.cluster, environment.name);
  const ns = environment.namespace;

  it('puts the namespace in ambient mode behind its waypoint, ingress included', () => {
    expect(one(objects, 'Namespace', ns).metadata.labels).toMatchObject({
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': WAYPOINT,
      'istio.io/ingress-use-waypoint': 'true',
    });
    const waypoint = one(objects, 'Gateway', WAYPOINT);
    expect(waypoint.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(waypoint.metadata.labels['istio.io/waypoint-for']).toBe('service');
    expect(waypoint.spec).toEqual({ gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE' }] });
  });

  it('requires mTLS between every pair of services: one namespace-wide STRICT PeerAuthentication, no exception', () => {
    const peer = objects.filter((o) => o.kind === 'PeerAuthentication');
    expect(peer.map((p) => [p.metadata.name, p.spec])).toEqual([['default', { mtls: { mode: 'STRICT' } }]]);
  });

  it.each(project.services.map((s) => [s.name, s] as const))('%s: the call policy of its service file on every call through the waypoint', (_s, service) => {
    const policy = callPolicyOf(service);
    const host = `${serviceNameOf(service)}.${ns}.svc.cluster.local`;
    const route = one(objects, 'VirtualService', service.name);
    expect(route.apiVersion).toBe('networking.istio.io/v1');
    expect(route.spec.hosts).toEqual([host]);
    expect(route.spec.http).toHaveLength(1);
    const http = route.spec.http[0];
    expect(http.route).toEqual([{ destination: { host, port: { number: service.port } } }]);
    expect(http.timeout).toBe(`${policy.requestTimeoutSeconds}s`);
    expect(http.retries).toEqual({
      attempts: policy.retries.count,
      perTryTimeout: `${policy.retries.perTryTimeoutMs}ms`,
      retryOn: policy.retries.events.map((e) => RETRY_ON[e]).join(','),
    });
  });

  it("gives every called service the course's policy: 10 retries of 2 s on 5xx, gateway errors, resets and failed connections, 30 s per request", () => {
    const called = project.services.filter((s) => callersOf(project.services, s.name).length > 0 && s.calls === undefined);
    expect(called.length).toBeGreaterThan(0);
    for (const service of called) {
      const http = one(objects, 'VirtualService', service.name).spec.http[0];
      expect([service.name, http.timeout, http.retries.attempts, http.retries.perTryTimeout]).toEqual([service.name, '30s', 10, '2000ms']);
      expect(http.retries.retryOn.split(',').sort()).toEqual(['5xx', 'connect-failure', 'gateway-error', 'reset']);
    }
  });

  it.each(project.services.map((s) => [s.name, s] as const))(
    '%s: admits exactly its declared callers (and the ingress gateway) on the waypoint, and only the waypoint on ztunnel',
    (_s, service) => {
      const l7 = one(objects, 'AuthorizationPolicy', service.name);
      expect(l7.spec.action).toBe('ALLOW');
      expect(l7.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: serviceNameOf(service) }]);
      const expected = [...callersOf(project.services, service.name).map(serviceAccountOf), `${INGRESS_GATEWAY}-istio`]
        .map((sa) => principalOf(environment, sa))
        .sort();
      expect(l7.spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals)).sort()).toEqual(expected);
      const l4 = one(objects, 'AuthorizationPolicy', `${service.name}-from-waypoint`);
      expect(l4.spec).toEqual({
        selector: { matchLabels: { 'app.kubernetes.io/name': service.name } },
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: [principalOf(environment, WAYPOINT)] } }] }],
      });
      // No policy of this service admits anyone else: no DENY to undo, no rule without a source.
      const mine = objects.filter(
        (o) => o.kind === 'AuthorizationPolicy' && (o.metadata.name === service.name || o.metadata.name === `${service.name}-from-waypoint`),
      );
      for (const p of mine) for (const r of p.spec.rules) expect(r.from.length).toBeGreaterThan(0);
    },
  );

  it('refuses a service that is not a declared caller: some service is reachable by fewer than all the others', () => {
    const refused = project.services.flatMap((target) =>
      project.services
        .filter((caller) => caller !== target && !callersOf(project.services, target.name).includes(caller.name))
        .map((caller) => [caller.name, target.name]),
    );
    expect(refused.length).toBeGreaterThan(0);
    for (const [caller, target] of refused) {
      const principals = one(objects, 'AuthorizationPolicy', target).spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals));
      expect([caller, target, principals.includes(principalOf(environment, serviceAccountOf(caller)))]).toEqual([caller, target, false]);
    }
  });

  it("brings the ALB's traffic in through the ingress gateway: pods outside ztunnel's capture, a ClusterIP Service, one route per public host", () => {
    const ingress = one(objects, 'Gateway', INGRESS_GATEWAY);
    expect(ingress.spec.gatewayClassName).toBe('istio');
    expect(ingress.spec.infrastructure.labels).toEqual({ 'istio.io/dataplane-mode': 'none' });
    const gateway = meshProviderOf(environment).ingressGateway!;
    for (const service of project.services) {
      const alb = one(objects, 'Ingress', service.name);
      const host = alb.spec.rules[0].host;
      expect(alb.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: gateway.serviceName, port: { number: gateway.port } } });
      const route = one(objects, 'HTTPRoute', service.name);
      expect(route.spec).toEqual({
        parentRefs: [{ name: INGRESS_GATEWAY, sectionName: 'http' }],
        hostnames: [host],
        rules: [{ backendRefs: [{ name: serviceNameOf(service), kind: 'Service', port: service.port }] }],
      });
    }
    // The ALB (target type ip) reaches the gateway's pods from the VPC, and checks their readiness port.
    const policy = one(objects, 'NetworkPolicy', INGRESS_GATEWAY);
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'gateway.networking.k8s.io/gateway-name': INGRESS_GATEWAY } });
    expect(policy.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port)).sort()).toEqual([gateway.healthCheckPort, gateway.port].sort());
  });

  it("traces every call: a Telemetry naming the mesh config's OpenTelemetry provider, at 100 %", () => {
    const telemetry = objects.filter((o) => o.kind === 'Telemetry');
    expect(telemetry.map((t) => t.spec)).toEqual([
      { tracing: [{ providers: [{ name: TRACING_PROVIDER.name }], randomSamplingPercentage: TRACE_SAMPLING_PERCENT }] },
    ]);
    expect(TRACE_SAMPLING_PERCENT).toBe(100);
  });

  it('keeps the namespace out of privileged Pod Security: Istio adds no container to its pods', () => {
    expect(['baseline', 'restricted']).toContain(one(objects, 'Namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce']);
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      expect(deployment.spec.template.spec.containers).toHaveLength(1);
      expect(deployment.spec.template.spec.initContainers).toBeUndefined();
    }
  });

  it('allows every cluster-scoped object it renders in the bookstore project, and nothing more', () => {
    const bookstore = allObjects().find(
      ({ file, object }) => file === `${environment.cluster}/argocd/projects.yaml` && object.metadata.name === 'bookstore',
    )!.object;
    expect(bookstore.spec.clusterResourceWhitelist).toEqual(expect.arrayContaining([{ group: '', kind: 'Namespace' }]));
    const clusterScoped = objects
      .filter((o) => !o.metadata.namespace)
      .map((o) => ({ group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '', kind: o.kind }));
    for (const kind of clusterScoped) expect(bookstore.spec.clusterResourceWhitelist).toContainEqual(kind);
  });
});

describe.each([...new Set(istioEnvironments.map((e) => e.cluster))].map((c) => [c]))('Istio on %s', (cluster) => {
  const platform = platformObjects(cluster);
  const app = (name: string) => one(platform, 'Application', name);
  const config = rendered().rendered.find((f) => f.path === `${cluster}/cluster/cluster.yaml`)!.objects[0];

  it("installs the four Istio charts from Istio's Helm repository at one pinned version, in waves that wait: base, then istiod and istio-cni, then ztunnel", () => {
    const charts = ['istio-base', 'istiod', 'istio-cni', 'ztunnel'].map(app);
    expect(charts.map((a) => a.spec.source.chart)).toEqual(['base', 'istiod', 'cni', 'ztunnel']);
    expect(new Set(charts.map((a) => a.spec.source.repoURL))).toEqual(new Set(['https://istio-release.storage.googleapis.com/charts']));
    expect(new Set(charts.map((a) => a.spec.source.targetRevision))).toEqual(new Set(['1.30.3']));
    for (const a of charts) expect(a.spec.destination.namespace).toBe('istio-system');
    const wave = (a: any) => Number(a.metadata.annotations['argocd.argoproj.io/sync-wave']);
    const [base, istiod, cni, ztunnel] = charts.map(wave);
    expect(base).toBeLessThan(istiod);
    expect(base).toBeLessThan(cni);
    expect(istiod).toBeLessThan(ztunnel);
    // Ambient: istiod and istio-cni with the ambient profile; every key at the top level, none under the chart's internal defaults.
    expect(app('istiod').spec.source.helm.valuesObject.profile).toBe('ambient');
    expect(app('istio-cni').spec.source.helm.valuesObject.profile).toBe('ambient');
    for (const a of charts) {
      expect(Object.keys(a.spec.source.helm.valuesObject)).not.toContain('_internal_defaults_do_not_set');
      expect(Object.keys(a.spec.source.helm.valuesObject)).not.toContain('platform');
    }
  });

  it('leaves to istiod the webhook fields it writes (caBundle, failurePolicy), so self-heal does not fight it', () => {
    for (const name of ['istio-base', 'istiod']) {
      const a = app(name);
      expect(a.spec.ignoreDifferences.map((d: any) => d.jqPathExpressions).flat()).toContain('.webhooks[]?.clientConfig.caBundle');
      expect(a.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    }
  });

  it("sends the waypoints' spans over OTLP to the CloudWatch agent, whose role writes to X-Ray", () => {
    const values = app('istiod').spec.source.helm.valuesObject;
    expect(values.meshConfig.extensionProviders).toEqual([
      { name: TRACING_PROVIDER.name, opentelemetry: { service: TRACING_PROVIDER.service, port: TRACING_PROVIDER.port } },
    ]);
    expect(TRACING_PROVIDER.service).toBe('cloudwatch-agent.amazon-cloudwatch.svc.cluster.local');
    const addOn = config.addons.find((a: any) => a.name === 'amazon-cloudwatch-observability');
    expect(addOn).toMatchObject({ version: 'latest' });
    // The agent's role comes with the add-on, through Pod Identity.
    const [role] = addOn.podIdentityAssociations;
    expect(role).toMatchObject({ namespace: 'amazon-cloudwatch', serviceAccountName: 'cloudwatch-agent' });
    expect(role.permissionPolicyARNs).toContain('arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess');
  });

  it('runs waypoint and gateway pods with the RuntimeDefault seccomp profile and the ingress gateway behind a ClusterIP Service', () => {
    const values = app('istiod').spec.source.helm.valuesObject;
    expect(values.gateways).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(values.gatewayClasses).toEqual({ istio: { service: { spec: { type: 'ClusterIP' } } } });
  });

  it('enforces privileged Pod Security on istio-system only, with the reason written on it', () => {
    const namespace = one(platform, 'Namespace', 'istio-system');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(namespace.metadata.annotations['bookstore.example.com/pod-security-exception']).toMatch(/istio-cni .*ztunnel/);
  });

  it('installs the Gateway API CRDs its waypoints and gateways need, and schedules no Istio environment on Fargate', () => {
    expect(addOnsOf(project, cluster).map((a) => a.name)).toContain('gateway-api-crds');
    const definition = project.clusters.find((c) => c.name === cluster)!;
    for (const environment of istioEnvironments.filter((e) => e.cluster === cluster)) {
      expect(definition.fargateNamespaces ?? []).not.toContain(environment.namespace);
    }
  });
});

describe('where Istio cannot run', () => {
  /** A linked copy whose cluster file and overlays are its own, edited. */
  function withCluster(edit: (text: string) => string, overlays: Record<string, (text: string) => string> = {}): string {
    const dir = linkProject(['clusters', 'environments']);
    const file = path.join(dir, 'clusters', 'eks-acg.ts');
    fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
    for (const [env, change] of Object.entries(overlays)) {
      const overlay = path.join(dir, 'environments', `${env}.yaml`);
      fs.writeFileSync(overlay, change(fs.readFileSync(overlay, 'utf8')));
    }
    return dir;
  }
  const onFargate = (text: string) => text.replace("spotNamespaces: ['development'],", "fargateNamespaces: ['development'],");
  const mesh = (name: string) => (text: string) => {
    const doc = parseDocument(text);
    doc.set('mesh', name);
    return doc.toString();
  };

  it('refuses mesh istio on a namespace the cluster schedules on Fargate: one line naming the cluster file, the environment and the reason', () => {
    const dir = withCluster(onFargate, { development: mesh('istio') });
    try {
      const run = synthInProcess(dir);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        'synth: clusters/eks-acg.ts: fargateNamespaces: development is environment development, whose mesh istio (environments/development.yaml) cannot run on Fargate: ' +
          'its node agents ztunnel and istio-cni are DaemonSets, which do not run on Fargate; take the namespace off Fargate (spotNamespaces, or the managed nodes) or choose mesh lattice or none',
      );
      expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['lattice', 'none'])('keeps Fargate a cluster option: a Fargate environment on %s renders, with its Fargate profile', (provider) => {
    const dir = withCluster(onFargate, { development: mesh(provider) });
    try {
      expect(synthInProcess(dir)).toEqual({ status: 0, stderr: '' });
      const cluster = parseDocument(fs.readFileSync(path.join(dir, 'dist', 'eks-acg', 'cluster', 'cluster.yaml'), 'utf8')).toJS();
      expect(cluster.fargateProfiles).toEqual([{ name: 'eks-acg-fargate', selectors: [{ namespace: 'development' }] }]);
      const deployment = parseDocument(fs.readFileSync(path.join(dir, 'dist', 'eks-acg', 'development', 'clients-api.yaml'), 'utf8'), {}).toJS();
      expect(deployment).toBeDefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a namespace on both Fargate and the spot nodes', () => {
    const dir = withCluster((t) => t.replace("spotNamespaces: ['development'],", "spotNamespaces: ['development'],\n  fargateNamespaces: ['development'],"), {
      development: mesh('none'),
    });
    try {
      expect(synthInProcess(dir)).toEqual({
        status: 1,
        stderr: 'synth: clusters/eks-acg.ts: namespace "development" is in both fargateNamespaces and spotNamespaces; its pods run on one or the other',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("puts a spot namespace's pods on the spot node group, and no other namespace's", () => {
    for (const environment of project.environments) {
      const cluster = project.clusters.find((c) => c.name === environment.cluster)!;
      const spot = (cluster.spotNamespaces ?? []).includes(environment.namespace);
      for (const deployment of objectsOf(environment.cluster, environment.name).filter((o) => o.kind === 'Deployment')) {
        expect([environment.name, deployment.metadata.name, deployment.spec.template.spec.nodeSelector]).toEqual([
          environment.name,
          deployment.metadata.name,
          spot ? { lifecycle: 'Ec2Spot' } : undefined,
        ]);
      }
    }
  });
});
