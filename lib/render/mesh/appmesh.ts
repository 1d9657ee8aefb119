import type * as AppMesh from '../../../imports/appmesh.k8s.aws';
import { CUSTOM_RESOURCE_SYNC } from '../../model/argocd-conventions';
import type { Environment } from '../../model';
import { meshName, vpcCidrOf } from '../../model/naming';
import { callPolicyOf, type CallPolicy } from '../../model/service';
import { directIngress, OPENTELEMETRY_TRACING, XRAY_WRITE, type MeshProvider } from './provider';

/** The namespace label that turns on App Mesh's sidecar injection. */
const MESH_INJECTION_LABEL = 'appmesh.k8s.aws/sidecarInjectorWebhook';

/**
 * Why a namespace in App Mesh cannot enforce the `baseline` Pod Security Standard: the controller
 * injects an init container (proxyinit) that adds NET_ADMIN to redirect the pod's traffic through
 * envoy, and baseline forbids NET_ADMIN. Such a namespace enforces `privileged`, audits the level
 * its rendered pods meet and warns `restricted`; the policy rules hold every rendered pod spec to baseline.
 */
const MESH_POD_SECURITY_EXCEPTION =
  'App Mesh injects proxyinit with NET_ADMIN, which baseline forbids; rendered pod specs are checked against baseline at render time';

/**
 * The App Mesh CRD classes (400 KB), loaded when an environment that uses App Mesh is rendered, not
 * on every run: new environments use VPC Lattice.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crd = (): typeof AppMesh => require('../../../imports/appmesh.k8s.aws');

type HttpEvent = AppMesh.VirtualRouterSpecRoutesHttpRouteRetryPolicyHttpRetryEvents;
type TcpEvent = AppMesh.VirtualRouterSpecRoutesHttpRouteRetryPolicyTcpRetryEvents;

/** A service's call policy in App Mesh's terms: the route's retry policy and timeout. */
function routePolicy(policy: CallPolicy): {
  retryPolicy: AppMesh.VirtualRouterSpecRoutesHttpRouteRetryPolicy;
  timeout: AppMesh.VirtualRouterSpecRoutesHttpRouteTimeout;
} {
  const { retries } = policy;
  const tcp = retries.events.filter((e) => e === 'connection-error') as string[] as TcpEvent[];
  const http = retries.events.filter((e) => e !== 'connection-error') as string[] as HttpEvent[];
  return {
    retryPolicy: {
      maxRetries: retries.count,
      perRetryTimeout: { unit: crd().VirtualRouterSpecRoutesHttpRouteRetryPolicyPerRetryTimeoutUnit.MS, value: retries.perTryTimeoutMs },
      ...(http.length > 0 ? { httpRetryEvents: http } : {}),
      ...(tcp.length > 0 ? { tcpRetryEvents: tcp } : {}),
    },
    timeout: { perRequest: { unit: crd().VirtualRouterSpecRoutesHttpRouteTimeoutPerRequestUnit.S, value: policy.requestTimeoutSeconds } },
  };
}

const meshLabel = (environment: Environment) => ({ mesh: meshName(environment) });

/**
 * AWS App Mesh as the course built it: a Mesh per environment and, per service, a VirtualNode,
 * a VirtualRouter with the service's retry policy and timeout, and a VirtualService. Listener,
 * router, Service and callers all use the container port, so calls match the router; the request
 * timeout is set on the node's listener too (App Mesh's 15 s default would win otherwise).
 * AWS discontinued App Mesh on 2026-09-30: see docs/mesh.md, "Migrating off App Mesh".
 */
const provider: MeshProvider = {
  name: 'appmesh',
  summary: 'AWS App Mesh (discontinued 2026-09-30): envoy sidecars, X-Ray daemon sidecars',
  enforces: {
    routing: 'VirtualRouter per service',
    retries: 'route retry policy',
    'request timeout': 'route and listener timeout',
    'per-caller authorization': 'NetworkPolicy from declared backends (pod to pod)',
    tracing: `X-Ray daemon sidecar (end of support 2027-02-25); ${OPENTELEMETRY_TRACING}`,
  },
  fargate: 'yes (sidecars injected into Fargate pods)',
  clusterKinds: [{ group: 'appmesh.k8s.aws', kind: 'Mesh' }],
  podSecurityCeiling: 'privileged',
  podSecurityException: MESH_POD_SECURITY_EXCEPTION,

  namespaceLabels: ({ environment }) => ({ ...meshLabel(environment), [MESH_INJECTION_LABEL]: 'enabled' }),

  endpoint: ({ serviceNameOf }, service) => ({ host: serviceNameOf(service.name), port: service.port }),

  networkIngress: ({ cluster }, service, callers) => directIngress(vpcCidrOf(cluster), service, callers),

  // The controller names the App Mesh virtual node `<name>_<namespace>`; the X-Ray daemon sidecar writes traces.
  podStatements: (cluster, environment, service) => [
    {
      Effect: 'Allow',
      Action: ['appmesh:StreamAggregatedResources'],
      Resource: `arn:aws:appmesh:${cluster.region}:${cluster.accountId}:mesh/${meshName(environment)}/virtualNode/${service.name}_${environment.namespace}`,
    },
    XRAY_WRITE,
  ],

  renderEnvironment(scope, { environment }) {
    new (crd().Mesh)(scope, 'mesh', {
      metadata: { name: meshName(environment), annotations: { ...CUSTOM_RESOURCE_SYNC } },
      spec: {
        egressFilter: { type: crd().MeshSpecEgressFilterType.ALLOW_UNDERSCORE_ALL },
        namespaceSelector: { matchLabels: meshLabel(environment) },
      },
    });
  },

  renderService(scope, { environment, serviceNameOf }, { service, serviceName, labels, podLabels }) {
    const namespace = environment.namespace;
    const metadata = (name: string) => ({ name, namespace, labels, annotations: { ...CUSTOM_RESOURCE_SYNC } });
    const policy = routePolicy(callPolicyOf(service));
    const perRequest = {
      unit: crd().VirtualNodeSpecListenersTimeoutHttpPerRequestUnit.S,
      value: policy.timeout.perRequest!.value,
    };

    new (crd().VirtualNode)(scope, 'mesh-node', {
      metadata: metadata(service.name),
      spec: {
        podSelector: { matchLabels: podLabels },
        listeners: [
          {
            portMapping: { port: service.port, protocol: crd().VirtualNodeSpecListenersPortMappingProtocol.HTTP },
            timeout: { http: { perRequest } },
          },
        ],
        serviceDiscovery: { dns: { hostname: `${serviceName}.${namespace}.svc.cluster.local` } },
        backends: (service.backends ?? []).map((b) => ({ virtualService: { virtualServiceRef: { name: serviceNameOf(b.service) } } })),
        logging: { accessLog: { file: { path: '/dev/stdout' } } },
      },
    });

    const routerName = `${service.name}-virtual-router`;
    new (crd().VirtualRouter)(scope, 'mesh-router', {
      metadata: metadata(routerName),
      spec: {
        listeners: [{ portMapping: { port: service.port, protocol: crd().VirtualRouterSpecListenersPortMappingProtocol.HTTP } }],
        routes: [
          {
            name: `${service.name}-route`,
            httpRoute: {
              match: { prefix: '/' },
              action: { weightedTargets: [{ virtualNodeRef: { name: service.name }, weight: 1 }] },
              ...policy,
            },
          },
        ],
      },
    });

    new (crd().VirtualService)(scope, 'mesh-service', {
      metadata: metadata(serviceName),
      spec: {
        awsName: serviceName,
        provider: { virtualRouter: { virtualRouterRef: { name: routerName } } },
      },
    });
  },
};

export default provider;
