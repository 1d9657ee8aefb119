import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { synthesize } from '../lib/synth';
import { MESH_PROVIDERS, notEnforced } from '../lib/render/mesh';
import { meshReport } from '../lib/render/mesh/report';
import { callPolicyOf, type ServiceDefinition } from '../lib/model/service';
import { linkProject, podRoles } from './helpers';
import { loadProject } from '../lib/load/project';

/**
 * The project with every overlay's `mesh` set to one provider, rendered in memory (schema and
 * posture checked by synthesize); an environment on Fargate keeps its own where the provider's
 * data plane does not run there (synth refuses it: test/istio.test.ts).
 */
function renderWith(mesh: string) {
  const dir = linkProject(['environments']);
  const envDir = path.join(dir, 'environments');
  const { clusters, environments } = loadProject(dir);
  const onFargate = (name: string) => {
    const environment = environments.find((e) => `${e.name}.yaml` === name);
    return !!environment && (clusters.find((c) => c.name === environment.cluster)?.fargateNamespaces ?? []).includes(environment.namespace);
  };
  for (const file of fs.readdirSync(envDir)) {
    if (MESH_PROVIDERS[mesh].notOnFargate && onFargate(file)) continue;
    const doc = parseDocument(fs.readFileSync(path.join(envDir, file), 'utf8'));
    doc.set('mesh', mesh);
    fs.writeFileSync(path.join(envDir, file), doc.toString());
  }
  try {
    const result = synthesize(dir);
    const objects = result.rendered.flatMap((f) => f.objects.map((object) => ({ file: f.path, object })));
    return { ...result, objects };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const PROVIDERS = Object.keys(MESH_PROVIDERS);
const renders = new Map(PROVIDERS.map((name) => [name, renderWith(name)]));

describe.each(PROVIDERS)('mesh provider %s', (name) => {
  const { project, objects } = renders.get(name)!;
  const inEnv = (env: string) => objects.filter(({ file }) => file.startsWith(`eks-acg/${env}/`)).map(({ object }) => object);
  const one = (env: string, kind: string, objectName: string) => {
    const found = inEnv(env).filter((o) => o.kind === kind && o.metadata.name === objectName);
    expect([kind, objectName, found.length]).toEqual([kind, objectName, 1]);
    return found[0];
  };
  const byName = new Map(project.services.map((s) => [s.name, s]));

  it('renders every environment with objects that pass their schemas and the posture rules', () => {
    // synthesize refuses on any schema or policy finding; here it returned.
    const kept = (e: (typeof project.environments)[number]) =>
      !!MESH_PROVIDERS[name].notOnFargate && (project.clusters.find((c) => c.name === e.cluster)!.fargateNamespaces ?? []).includes(e.namespace);
    expect(project.environments.map((e) => e.mesh)).toEqual(project.environments.map((e) => (kept(e) ? e.mesh : name)));
  });

  it.each(['development', 'production'])('%s: every backend edge lines up: caller URL -> Service port -> listener/target -> container port', (env) => {
    const objectsHere = inEnv(env);
    const deployment = (s: ServiceDefinition) => one(env, 'Deployment', s.name);
    const serviceOf = (s: ServiceDefinition) => objectsHere.find((o) => o.kind === 'Service' && o.spec.selector?.['app.kubernetes.io/name'] === s.name);
    // The upstreams of a caller's nginx config (the proxy), by host: where it sends a backend's calls.
    const upstreamsOf = (caller: ServiceDefinition): string[] => {
      const conf = objectsHere.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${caller.name}-config`)?.data?.['default.conf'] ?? '';
      return [...conf.matchAll(/proxy_pass (http:\/\/[^/;]+)\/;/g)].map((m) => m[1]);
    };
    for (const caller of project.services) {
      const env_ = Object.fromEntries((deployment(caller).spec.template.spec.containers[0].env ?? []).map((e: any) => [e.name, e.value]));
      for (const backend of caller.backends ?? []) {
        const target = byName.get(backend.service)!;
        const urls = [
          ...(backend.envVar ? [env_[backend.envVar]] : []),
          ...upstreamsOf(caller).filter((u) => [backend.service, serviceOf(target).metadata.name].includes(new URL(u).hostname.split('.')[0])),
        ];
        expect([caller.name, backend.service, urls.length > 0]).toEqual([caller.name, backend.service, true]);
        const container = deployment(target).spec.template.spec.containers[0];
        const containerPort = container.ports.find((p: any) => p.name === 'http').containerPort;
        const svc = serviceOf(target);
        const svcPort = svc.spec.ports.find((p: any) => p.name === 'http');
        expect(svcPort.targetPort).toBe('http');
        for (const url of urls) {
          const { hostname, port } = new URL(url);
          // The caller's port is the Service's, which is the container's.
          expect([caller.name, backend.service, Number(port || 80)]).toEqual([caller.name, backend.service, svcPort.port]);
          expect(svcPort.port).toBe(containerPort);
          if (name === 'appmesh') {
            expect(hostname).toBe(svc.metadata.name);
            const node = one(env, 'VirtualNode', target.name);
            const router = one(env, 'VirtualRouter', `${target.name}-virtual-router`);
            expect(node.spec.listeners[0].portMapping.port).toBe(containerPort);
            expect(router.spec.listeners[0].portMapping.port).toBe(containerPort);
            expect(one(env, 'VirtualNode', caller.name).spec.backends).toContainEqual({ virtualService: { virtualServiceRef: { name: svc.metadata.name } } });
          } else if (name === 'lattice') {
            const route = one(env, 'HTTPRoute', target.name);
            expect(route.spec.hostnames).toEqual([hostname]);
            const gateway = objectsHere.find((o) => o.kind === 'Gateway');
            const listener = gateway.spec.listeners.find((l: any) => l.name === route.spec.parentRefs[0].sectionName);
            expect(listener.port).toBe(containerPort);
            expect(route.spec.rules[0].backendRefs).toEqual([{ name: svc.metadata.name, kind: 'Service', port: svcPort.port }]);
            expect(one(env, 'TargetGroupPolicy', target.name).spec.healthCheck.port).toBe(containerPort);
          } else if (name === 'istio') {
            // The caller names the Service; the waypoint applies the VirtualService of its FQDN at the same port.
            expect(hostname).toBe(svc.metadata.name);
            const route = one(env, 'VirtualService', target.name);
            expect(route.spec.hosts).toEqual([`${svc.metadata.name}.${env}.svc.cluster.local`]);
            expect(route.spec.http[0].route).toEqual([{ destination: { host: route.spec.hosts[0], port: { number: containerPort } } }]);
          } else {
            expect(hostname).toBe(svc.metadata.name);
          }
        }
      }
    }
  });

  if (name === 'appmesh') {
    it("puts each service's declared retry policy and timeout in its router, and the timeout on its node listener", () => {
      for (const service of project.services) {
        const policy = callPolicyOf(service);
        const route = one('production', 'VirtualRouter', `${service.name}-virtual-router`).spec.routes[0].httpRoute;
        expect(route.retryPolicy.maxRetries).toBe(policy.retries.count);
        expect(route.retryPolicy.perRetryTimeout).toEqual({ unit: 'ms', value: policy.retries.perTryTimeoutMs });
        expect([...(route.retryPolicy.httpRetryEvents ?? []), ...(route.retryPolicy.tcpRetryEvents ?? [])].sort()).toEqual([...policy.retries.events].sort());
        expect(route.timeout).toEqual({ perRequest: { unit: 's', value: policy.requestTimeoutSeconds } });
        expect(one('production', 'VirtualNode', service.name).spec.listeners[0].timeout).toEqual({
          http: { perRequest: { unit: 's', value: policy.requestTimeoutSeconds } },
        });
      }
    });

    it('keeps the sidecar injection, the privileged exception, the controller with X-Ray, and warns once', () => {
      const namespace = one('production', 'Namespace', 'production');
      expect(namespace.metadata.labels).toMatchObject({
        'appmesh.k8s.aws/sidecarInjectorWebhook': 'enabled',
        'pod-security.kubernetes.io/enforce': 'privileged',
      });
      const controller = objects.find(({ object }) => object.kind === 'Application' && object.metadata.name === 'appmesh-controller');
      expect(controller?.object.spec.source.helm.valuesObject.tracing).toEqual({ enabled: true, provider: 'x-ray' });
      expect(meshReport(project).filter((l) => l.includes('App Mesh reached end of support'))).toHaveLength(1);
    });
  } else {
    it('carries no App Mesh label or object, and no App Mesh controller', () => {
      for (const env of ['development', 'production']) {
        const namespace = one(env, 'Namespace', env);
        expect(Object.keys(namespace.metadata.labels).filter((k) => k === 'mesh' || k.startsWith('appmesh.k8s.aws'))).toEqual([]);
        expect(inEnv(env).filter((o) => o.apiVersion.startsWith('appmesh.k8s.aws/'))).toEqual([]);
      }
      expect(objects.filter(({ file }) => file.endsWith('platform/appmesh-controller.yaml'))).toEqual([]);
      expect(meshReport(project).some((l) => l.includes('App Mesh'))).toBe(false);
    });

    it('enforces restricted Pod Security where every pod meets it, else baseline with the reason', () => {
      for (const env of ['development', 'production']) {
        const namespace = one(env, 'Namespace', env);
        const enforce = namespace.metadata.labels['pod-security.kubernetes.io/enforce'];
        expect(['baseline', 'restricted']).toContain(enforce);
        if (enforce === 'baseline')
          expect(namespace.metadata.annotations['bookstore.example.com/pod-security-exception']).toMatch(/^baseline, not restricted: /);
      }
    });
  }

  it('reports each declared behaviour it does not enforce, one line per environment', () => {
    const missing = notEnforced(MESH_PROVIDERS[name], project.services);
    // The environments on this provider (one on Fargate may keep its own: see renderWith).
    const lines = meshReport(project).filter((l) => l.startsWith('synth: ') && l.includes(` (${name}) does not enforce: `));
    if (missing.length === 0) expect(lines).toEqual([]);
    else
      expect(lines).toEqual(
        project.environments.filter((e) => e.mesh === name).map((e) => `synth: ${e.name} (${name}) does not enforce: ${missing.join(', ')}`),
      );
    if (name === 'lattice') expect(missing).toEqual(expect.arrayContaining(['retries', 'request timeout']));
    if (name === 'istio') expect(missing).toEqual([]);
  });

  it('reports what it enforces, each behaviour with the object that does it, one line per environment', () => {
    const provider = MESH_PROVIDERS[name];
    const lines = meshReport(project).filter((l) => l.startsWith('synth: ') && l.includes(` (${name}) enforces: `));
    expect(lines).toHaveLength(project.environments.filter((e) => e.mesh === name).length);
    for (const [behaviour, how] of Object.entries(provider.enforces)) for (const line of lines) expect(line).toContain(`${behaviour} (${how})`);
    if (name === 'istio')
      expect(Object.keys(provider.enforces).sort()).toEqual(['mTLS', 'per-caller authorization', 'request timeout', 'retries', 'routing', 'tracing']);
  });

  it('renders the Gateway API controller only under lattice, the App Mesh controller only under appmesh, Istio only under istio', () => {
    const addOns = new Set(objects.filter(({ file }) => /\/platform\//.test(file)).map(({ file }) => path.basename(file, '.yaml')));
    expect(addOns.has('aws-gateway-controller')).toBe(name === 'lattice');
    expect(addOns.has('appmesh-controller')).toBe(name === 'appmesh');
    for (const istio of ['istio-base', 'istiod', 'istio-cni', 'ztunnel']) expect([istio, addOns.has(istio)]).toEqual([istio, name === 'istio']);
    expect(addOns.has('gateway-api-crds')).toBe(name === 'lattice' || name === 'istio');
    const roles = podRoles(objects.find(({ file }) => file.endsWith('cluster/cluster.yaml'))!.object).map((r) => r.roleName);
    expect(roles.includes('eks-acg-aws-gateway-controller')).toBe(name === 'lattice');
    expect(roles.includes('eks-acg-appmesh-controller')).toBe(name === 'appmesh');
  });
});
