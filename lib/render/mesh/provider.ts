import type { Construct } from 'constructs';
import type { ClusterKind } from '../../model/addon';
import type { AccountPrerequisites } from '../../model/cloudformation';
import { k8s } from 'cdk8s-plus-29';
import type { PolicyStatement } from '../../model/iam';
import type { Cluster, Environment } from '../../model';
import type { PodSecurityLevel } from '../../check/pod-security';
import { callPolicyOf, type ServiceDefinition } from '../../model/service';

/** What a service file can declare about calls between services, and what a provider may enforce. */
export const BEHAVIOURS = ['routing', 'retries', 'request timeout', 'per-caller authorization', 'mTLS', 'tracing'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** Where a caller reaches a service: the host its URL names and the port, which is the container's port everywhere. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** What a provider knows while it renders one environment. */
export interface MeshScope {
  readonly cluster: Cluster;
  readonly environment: Environment;
  readonly services: readonly ServiceDefinition[];
  /** The Kubernetes Service name of a Bookstore service. */
  serviceNameOf(service: string): string;
}

/** One service as the environment chart rendered it: what the provider's objects point at. */
export interface RenderedService {
  readonly service: ServiceDefinition;
  /** Its Kubernetes Service (port named `http` = the container port). */
  readonly serviceName: string;
  readonly labels: Record<string, string>;
  /** The Deployment's selector labels. */
  readonly podLabels: Record<string, string>;
  /** Its public host name (the ALB Ingress rule's host). */
  readonly host: string;
}

/**
 * One way of carrying calls between the services of an environment (the overlay's `mesh`). The
 * environment chart calls these and never asks which provider it has: adding a provider is one
 * file in lib/render/mesh/ and one line in lib/render/mesh/index.ts.
 */
export interface MeshProvider {
  readonly name: string;
  /** One line for the README and the synth report. */
  readonly summary: string;
  /** How it enforces each behaviour it enforces; a behaviour absent here is reported when declared. */
  readonly enforces: Readonly<Partial<Record<Behaviour, string>>>;
  /** Whether its data plane runs on Fargate pods, and how. */
  readonly fargate: string;
  /**
   * Why its data plane cannot serve pods that run on Fargate, if it cannot (a node agent that runs
   * as a DaemonSet, say): synth refuses the provider on a namespace the cluster schedules on Fargate.
   */
  readonly notOnFargate?: string;
  /**
   * Where the environment's ALB sends a service's requests instead of the service's own pods (an
   * ingress gateway that carries them into the mesh), and how the ALB checks that target's health.
   * Absent: the ALB targets the service's pods.
   */
  readonly ingressGateway?: IngressGateway;
  /** The strictest Pod Security level the namespace can enforce under it. */
  readonly podSecurityCeiling: PodSecurityLevel;
  /** Why the namespace enforces less than baseline under it (written on the namespace), if it must. */
  readonly podSecurityException?: string;
  /** Cluster-scoped kinds an environment renders under it (the `bookstore` AppProject allows them). */
  readonly clusterKinds: readonly ClusterKind[];
  /** Labels its namespace needs (sidecar injection and the like). */
  namespaceLabels(scope: MeshScope): Record<string, string>;
  /** Where callers reach a service. */
  endpoint(scope: MeshScope, service: ServiceDefinition): Endpoint;
  /**
   * What a service's NetworkPolicy admits under it: its declared callers' pods (`callers`, one peer
   * each) and whatever its data plane connects from (see `directIngress` for the plain case).
   */
  networkIngress(scope: MeshScope, service: ServiceDefinition, callers: readonly k8s.NetworkPolicyPeer[]): k8s.NetworkPolicyIngressRule[];
  /** IAM statements a service's pods need for it (the sidecar's configuration stream, say). */
  podStatements(cluster: Cluster, environment: Environment, service: ServiceDefinition): PolicyStatement[];
  /** Its objects of the whole environment (in dist/<cluster>/<env>/namespace.yaml). */
  renderEnvironment(scope: Construct, mesh: MeshScope): void;
  /** Its objects of one service (in the service's file). */
  renderService(scope: Construct, mesh: MeshScope, service: RenderedService): void;
  /**
   * What it needs in the AWS account that no controller on the cluster makes, for the cluster's
   * environments that use it: resources of the cluster's bootstrap stack (lib/render/bootstrap.ts).
   */
  accountPrerequisites?(cluster: Cluster, environments: readonly Environment[], services: readonly ServiceDefinition[]): AccountPrerequisites;
}

/** The Service the ALB targets instead of a service's pods, and the health check it gets there. */
export interface IngressGateway {
  readonly serviceName: string;
  readonly port: number;
  readonly healthCheckPort: number;
  readonly healthCheckPath: string;
}

/**
 * The NetworkPolicy rules of a service whose callers connect to its pods directly: the callers'
 * pods, then the VPC (the ALB's targets are these pods' IPs; the kubelet's probes come from the
 * nodes) and `peers` (a data plane's own addresses), all on the container port.
 */
export function directIngress(
  vpcCidr: string,
  service: ServiceDefinition,
  callers: readonly k8s.NetworkPolicyPeer[],
  peers: readonly k8s.NetworkPolicyPeer[] = [],
): k8s.NetworkPolicyIngressRule[] {
  const ports = [{ port: k8s.IntOrString.fromNumber(service.port), protocol: 'TCP' }];
  return [...(callers.length > 0 ? [{ from: [...callers], ports }] : []), { from: [{ ipBlock: { cidr: vpcCidr } }, ...peers], ports }];
}

/** X-Ray writes and sampling reads: X-Ray has no resource-level permissions, so `*` is what AWS requires. */
export const XRAY_WRITE: PolicyStatement = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
  Resource: '*',
};

/** The behaviours the service files declare: routing and callers from backends, retries and timeouts from call policies, tracing from runtimes. */
function declaredBehaviours(services: readonly ServiceDefinition[]): Behaviour[] {
  const backends = services.some((s) => (s.backends ?? []).length > 0);
  const called = services.filter((s) => services.some((c) => (c.backends ?? []).some((b) => b.service === s.name)));
  const policies = called.map(callPolicyOf);
  const declared: Record<Behaviour, boolean> = {
    routing: backends,
    retries: policies.some((p) => p.retries.count > 0),
    'request timeout': policies.some((p) => p.requestTimeoutSeconds > 0),
    'per-caller authorization': backends,
    mTLS: false,
    tracing: services.some((s) => s.tracing !== undefined),
  };
  return BEHAVIOURS.filter((b) => declared[b]);
}

/** The declared behaviours a provider does not enforce: synth names each one, nothing is dropped silently. */
export function notEnforced(provider: MeshProvider, services: readonly ServiceDefinition[]): Behaviour[] {
  return declaredBehaviours(services).filter((b) => provider.enforces[b] === undefined);
}

/**
 * Tracing does not depend on the mesh: pods whose service declares its runtime get OpenTelemetry
 * auto-instrumentation from the CloudWatch Observability add-on, which sends traces to X-Ray.
 */
export const OPENTELEMETRY_TRACING = 'OpenTelemetry auto-instrumentation (amazon-cloudwatch-observability) to X-Ray, for the runtimes it supports';
