import { k8s } from 'cdk8s-plus-29';
import * as gateway from '../../../imports/gateway.networking.k8s.io';
import type * as IstioNetworking from '../../../imports/networking.istio.io';
import type * as IstioSecurity from '../../../imports/security.istio.io';
import type * as IstioTelemetry from '../../../imports/telemetry.istio.io';
import { CUSTOM_RESOURCE_SYNC } from '../../model/argocd-conventions';
import type { Environment } from '../../model';
import { serviceAccountOf, vpcCidrOf } from '../../model/naming';
import { callPolicyOf, type CallPolicy, type RetryEvent, type ServiceDefinition } from '../../model/service';
import type { MeshProvider } from './provider';

/**
 * The Istio CRD classes (networking alone is 1.1 MB of generated TypeScript), loaded when an
 * environment on Istio is rendered, not on every run.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const networking = (): typeof IstioNetworking => require('../../../imports/networking.istio.io');
const security = (): typeof IstioSecurity => require('../../../imports/security.istio.io');
const telemetry = (): typeof IstioTelemetry => require('../../../imports/telemetry.istio.io');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Istio's namespace: istiod, istio-cni and ztunnel (platform/istio-*.ts, platform/ztunnel.ts). */
export const ISTIO_NAMESPACE = 'istio-system';

/**
 * The extension provider istiod's mesh config declares (platform/istiod.ts) and each environment's
 * Telemetry names: OTLP over gRPC to the CloudWatch agent of the amazon-cloudwatch-observability
 * EKS add-on (its OTLP endpoint, on by default from add-on 8.0.0: port 4317, plain text), which sends
 * the spans to X-Ray. X-Ray takes OTLP spans once Transaction Search is on in the account and region.
 */
export const TRACING_PROVIDER = {
  name: 'cloudwatch-agent',
  service: 'cloudwatch-agent.amazon-cloudwatch.svc.cluster.local',
  port: 4317,
} as const;

/** Every call is traced: the course's "a trace of every call". */
export const TRACE_SAMPLING_PERCENT = 100;

/** The waypoint of an environment: a Gateway of class istio-waypoint, whose pods and service account istiod names after it. */
export const WAYPOINT = 'waypoint';
/** HBONE, the mTLS tunnel between ztunnels and waypoints, and the waypoint's listener. */
export const HBONE_PORT = 15008;
/** The ingress Gateway of an environment (class istio); istiod names its Deployment, Service and service account `<name>-istio`. */
export const INGRESS_GATEWAY = 'ingress';
const INGRESS_GATEWAY_WORKLOAD = `${INGRESS_GATEWAY}-istio`;
const INGRESS_PORT = 80;
/** The readiness endpoint of Istio's proxies (waypoint and gateway pods). */
const STATUS_PORT = 15021;
/**
 * istio-cni rewrites the kubelet's probes of a pod in ambient mode to come from this link-local
 * address, which ztunnel lets through in plain text: the pods' NetworkPolicy admits it on the container port.
 */
export const KUBELET_PROBE_SOURCE = '169.254.7.127/32';

/** Labels of the pods istiod deploys for a Gateway (Gateway API's own label). */
const gatewayPods = (name: string) => ({ 'gateway.networking.k8s.io/gateway-name': name });

/** The SPIFFE identity (AuthorizationPolicy principal) of a service account; Istio's default trust domain. */
export function principalOf(environment: Environment, serviceAccount: string): string {
  return `cluster.local/ns/${environment.namespace}/sa/${serviceAccount}`;
}

/** The service file's retry events in Envoy's `retryOn` terms. */
const RETRY_ON: Record<RetryEvent, string> = {
  'server-error': '5xx',
  'gateway-error': 'gateway-error',
  'client-error': 'retriable-4xx',
  'stream-error': 'reset',
  'connection-error': 'connect-failure',
};

/** A service's call policy as Istio states it on a VirtualService route. */
function istioRoutePolicy(policy: CallPolicy): { timeout: string; retries: IstioNetworking.VirtualServiceSpecHttpRetries } {
  const { retries } = policy;
  return {
    timeout: `${policy.requestTimeoutSeconds}s`,
    retries:
      retries.count > 0
        ? { attempts: retries.count, perTryTimeout: `${retries.perTryTimeoutMs}ms`, retryOn: retries.events.map((e) => RETRY_ON[e]).join(',') }
        : { attempts: 0 },
  };
}

const tcp = (port: number) => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' });

/** What a service's pods admit under Istio: HBONE from the waypoint, the kubelet's probes from istio-cni's address. */
function istioPodIngress(service: ServiceDefinition): k8s.NetworkPolicyIngressRule[] {
  return [
    { from: [{ podSelector: { matchLabels: gatewayPods(WAYPOINT) } }], ports: [tcp(HBONE_PORT)] },
    { from: [{ ipBlock: { cidr: KUBELET_PROBE_SOURCE } }], ports: [tcp(service.port)] },
  ];
}

const sync = () => ({ annotations: { ...CUSTOM_RESOURCE_SYNC } });
const fqdn = (serviceName: string, environment: Environment) => `${serviceName}.${environment.namespace}.svc.cluster.local`;

/**
 * Istio in ambient mode: no sidecars, no application change. ztunnel (a DaemonSet) carries every
 * call between pods of the namespace over mTLS (HBONE) and enforces the L4 policy; the namespace's
 * waypoint proxy, which every call to a Service passes (`istio.io/use-waypoint`, and
 * `istio.io/ingress-use-waypoint` for calls from the ingress gateway), applies the L7 ones.
 *
 * Retries and the request timeout are an Istio VirtualService per service, which the waypoint
 * applies to calls to the service's host, not a Gateway API HTTPRoute: the pinned Gateway API
 * v1.5.1 standard channel's HTTPRoute has `timeouts` but no `retry` (experimental channel only), and
 * installing the experimental CRDs would replace the standard bundle the AWS Gateway API Controller
 * (VPC Lattice) is built and tested against on the same cluster, and leave our schema check without
 * the schema it validates against. VirtualService is in the Istio CRDs the base chart installs, so the
 * objects are checked against the CRDs that run. (Istio documents VirtualService on waypoints as
 * supported with one rule: do not mix it with an HTTPRoute for the same host; the only HTTPRoutes
 * here are the ingress gateway's, bound to that Gateway.)
 *
 * Ingress: the ALB targets the environment's ingress gateway (Gateway API Gateway of class istio,
 * ClusterIP Service, its pods outside ztunnel's capture so that the ALB's plain HTTP reaches them),
 * one HTTPRoute per service by public host; the gateway carries the call into the mesh over mTLS.
 */
const provider: MeshProvider = {
  name: 'istio',
  summary: 'Istio ambient mode: ztunnel (mTLS, L4 policy) and a waypoint per namespace (retries, timeouts, L7 policy, traces); no sidecars',
  enforces: {
    routing: 'VirtualService per service, on Gateway waypoint',
    retries: 'VirtualService retries',
    'request timeout': 'VirtualService timeout',
    'per-caller authorization': 'AuthorizationPolicy per service: declared callers on the waypoint, only the waypoint on ztunnel',
    mTLS: 'PeerAuthentication default, STRICT',
    tracing: 'Telemetry tracing: spans of the waypoint and ingress gateway over OTLP to the CloudWatch agent, then X-Ray',
  },
  fargate: 'no (ztunnel and istio-cni are DaemonSets)',
  notOnFargate: 'its node agents ztunnel and istio-cni are DaemonSets, which do not run on Fargate',
  ingressGateway: { serviceName: INGRESS_GATEWAY_WORKLOAD, port: INGRESS_PORT, healthCheckPort: STATUS_PORT, healthCheckPath: '/healthz/ready' },
  clusterKinds: [],
  podSecurityCeiling: 'restricted',

  namespaceLabels: () => ({
    'istio.io/dataplane-mode': 'ambient',
    'istio.io/use-waypoint': WAYPOINT,
    'istio.io/ingress-use-waypoint': 'true',
  }),

  endpoint: ({ serviceNameOf }, service) => ({ host: serviceNameOf(service.name), port: service.port }),

  // Every call reaches a service's pods from the waypoint over HBONE; the kubelet's probes come from istio-cni's address.
  networkIngress: (_mesh, service) => istioPodIngress(service),

  podStatements: () => [],

  renderEnvironment(scope, { cluster, environment }) {
    const namespace = environment.namespace;
    new gateway.Gateway(scope, 'waypoint', {
      metadata: { name: WAYPOINT, namespace, labels: { 'istio.io/waypoint-for': 'service' }, ...sync() },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE' }],
      },
    });
    new gateway.Gateway(scope, 'ingress-gateway', {
      metadata: { name: INGRESS_GATEWAY, namespace, ...sync() },
      spec: {
        gatewayClassName: 'istio',
        listeners: [
          {
            name: 'http',
            port: INGRESS_PORT,
            protocol: 'HTTP',
            allowedRoutes: { namespaces: { from: gateway.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
          },
        ],
        // Its pods stay outside ztunnel's capture: the ALB speaks plain HTTP to them, which STRICT mTLS would refuse.
        infrastructure: { labels: { 'istio.io/dataplane-mode': 'none' } },
      },
    });
    new (security().PeerAuthentication)(scope, 'mtls', {
      metadata: { name: 'default', namespace, ...sync() },
      spec: { mtls: { mode: security().PeerAuthenticationSpecMtlsMode.STRICT } },
    });
    new (telemetry().Telemetry)(scope, 'tracing', {
      metadata: { name: 'tracing', namespace, ...sync() },
      spec: { tracing: [{ providers: [{ name: TRACING_PROVIDER.name }], randomSamplingPercentage: TRACE_SAMPLING_PERCENT }] },
    });
    const vpc = { ipBlock: { cidr: vpcCidrOf(cluster) } };
    // The waypoint takes HBONE from the namespace's pods (callers and the ingress gateway); the kubelet probes its status port.
    new k8s.KubeNetworkPolicy(scope, 'waypoint-network-policy', {
      metadata: { name: WAYPOINT, namespace },
      spec: {
        podSelector: { matchLabels: gatewayPods(WAYPOINT) },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ podSelector: {} }], ports: [tcp(HBONE_PORT)] },
          { from: [vpc], ports: [tcp(STATUS_PORT)] },
        ],
      },
    });
    // The ingress gateway takes the ALB's requests and health checks (target type ip) from the VPC.
    new k8s.KubeNetworkPolicy(scope, 'ingress-gateway-network-policy', {
      metadata: { name: INGRESS_GATEWAY, namespace },
      spec: {
        podSelector: { matchLabels: gatewayPods(INGRESS_GATEWAY) },
        policyTypes: ['Ingress'],
        ingress: [{ from: [vpc], ports: [tcp(INGRESS_PORT), tcp(STATUS_PORT)] }],
      },
    });
  },

  renderService(scope, { environment, services }, { service, serviceName, labels, podLabels, host }) {
    const namespace = environment.namespace;
    const metadata = (name: string) => ({ name, namespace, labels, ...sync() });
    const target = fqdn(serviceName, environment);
    new (networking().VirtualService)(scope, 'mesh-route', {
      metadata: metadata(service.name),
      spec: {
        hosts: [target],
        http: [
          {
            route: [{ destination: { host: target, port: { number: service.port } } }],
            ...istioRoutePolicy(callPolicyOf(service)),
          },
        ],
      },
    });
    // L7, on the waypoint: the pods of the services that declare this one as a backend, and the ingress gateway.
    const callers = services.filter((s) => (s.backends ?? []).some((b) => b.service === service.name)).map((s) => serviceAccountOf(s.name));
    new (security().AuthorizationPolicy)(scope, 'callers', {
      metadata: metadata(service.name),
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: serviceName }],
        action: security().AuthorizationPolicySpecAction.ALLOW,
        rules: [{ from: [{ source: { principals: [...callers, INGRESS_GATEWAY_WORKLOAD].map((sa) => principalOf(environment, sa)) } }] }],
      },
    });
    // L4, on ztunnel: only the waypoint reaches the pods, so no call skips the L7 policy above.
    new (security().AuthorizationPolicy)(scope, 'waypoint-only', {
      metadata: metadata(`${service.name}-from-waypoint`),
      spec: {
        selector: { matchLabels: podLabels },
        action: security().AuthorizationPolicySpecAction.ALLOW,
        rules: [{ from: [{ source: { principals: [principalOf(environment, WAYPOINT)] } }] }],
      },
    });
    new gateway.HttpRoute(scope, 'ingress-route', {
      metadata: metadata(service.name),
      spec: {
        parentRefs: [{ name: INGRESS_GATEWAY, sectionName: 'http' }],
        hostnames: [host],
        rules: [{ backendRefs: [{ name: serviceName, kind: 'Service', port: service.port }] }],
      },
    });
  },
};

export default provider;
