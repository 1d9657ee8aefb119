import * as gateway from '../../../imports/gateway.networking.k8s.io';
import * as lattice from '../../../imports/application-networking.k8s.aws';
import { CUSTOM_RESOURCE_SYNC } from '../../model/argocd-conventions';
import type { AccountPrerequisites } from '../../model/cloudformation';
import type { Cluster, Environment } from '../../model';
import type { ServiceDefinition } from '../../model/service';
import { pascalCase, vpcCidrOf } from '../../model/naming';
import { directIngress, OPENTELEMETRY_TRACING, type MeshProvider } from './provider';

/** The GatewayClass the AWS Gateway API Controller serves (platform/aws-gateway-controller.ts renders it). */
export const LATTICE_GATEWAY_CLASS = 'amazon-vpc-lattice';

/**
 * The IPv4 range of the VPC Lattice managed prefix list (com.amazonaws.<region>.vpc-lattice):
 * Lattice connects to targets from these link-local addresses, so a target's NetworkPolicy admits
 * them (a NetworkPolicy cannot name a prefix list). `bookstore bootstrap` reads the list's entries
 * and stops if it holds one that is not here.
 */
export const LATTICE_CIDRS = ['169.254.171.0/24'] as const;

/** The Gateway API controller injects its pod readiness gate into namespaces with this label (its chart's webhook namespaceSelector). */
export const LATTICE_READINESS_GATE_LABEL = 'application-networking.k8s.aws/pod-readiness-gate-inject';

/** The VPC Lattice service network of an environment, and the name of its Gateway: unique in the account. */
export function serviceNetworkName(cluster: Cluster, environment: Environment): string {
  return `${cluster.name}-${environment.name}`;
}

/**
 * The custom domain name of a service in an environment, in the cluster's hosted zone: known at
 * render time, so callers' URLs are rendered from it (Lattice's generated names are not known until
 * the controller has created the service). The controller writes a DNSEndpoint for it and
 * ExternalDNS the CNAME to the generated name.
 */
export function latticeHost(cluster: Cluster, environment: Environment, service: string): string {
  return `${service}.${environment.namespace}.lattice.${cluster.baseDomain}`;
}

/** Where VPC Lattice writes an environment's access logs: a CloudWatch Logs group of the cluster's bootstrap stack. */
export function accessLogGroup(cluster: Cluster, environment: Environment): string {
  return `/aws/vpc-lattice/${cluster.name}/${environment.name}`;
}

/** How long an environment's Lattice access logs are kept (days; a value CloudWatch Logs accepts). */
export const ACCESS_LOG_RETENTION_DAYS = 30;

/** The managed prefix list Lattice connects from, in a region: the bootstrap stack's parameter names it by id. */
export function latticePrefixListName(region: string): string {
  return `com.amazonaws.${region}.vpc-lattice`;
}

/** The bootstrap stack's parameter that takes the id of that prefix list (`bookstore bootstrap` looks it up). */
export const LATTICE_PREFIX_LIST_PARAMETER = 'LatticePrefixListId';

/**
 * In the account, before the controller reconciles: the pods' security groups (the cluster's)
 * admit Lattice's prefix list on each container port a Lattice environment serves (Lattice's
 * requests and health checks come from there), and each environment's access-log group exists
 * with a retention. Both in the bootstrap stack: the rules go on groups EKS owns, which an ACK
 * SecurityGroup (it owns a whole group's rules) must not take over.
 */
function accountPrerequisites(cluster: Cluster, environments: readonly Environment[], services: readonly ServiceDefinition[]): AccountPrerequisites {
  const ports = [...new Set(services.map((s) => s.port))].sort((a, b) => a - b);
  const ingress = cluster.securityGroupIds.flatMap((groupId) =>
    ports.map((port) => [
      pascalCase('lattice', 'ingress', groupId, port),
      {
        Type: 'AWS::EC2::SecurityGroupIngress' as const,
        Properties: {
          GroupId: groupId,
          IpProtocol: 'tcp' as const,
          FromPort: port,
          ToPort: port,
          SourcePrefixListId: { Ref: LATTICE_PREFIX_LIST_PARAMETER },
          Description: `VPC Lattice to the Bookstore pods on port ${port}`,
        },
      },
    ]),
  );
  const logs = environments.map((environment) => [
    pascalCase('lattice', 'access', 'logs', environment.name),
    {
      Type: 'AWS::Logs::LogGroup' as const,
      Properties: { LogGroupName: accessLogGroup(cluster, environment), RetentionInDays: ACCESS_LOG_RETENTION_DAYS },
    },
  ]);
  return {
    parameters: {
      [LATTICE_PREFIX_LIST_PARAMETER]: {
        Type: 'String',
        AllowedPattern: '^pl-[0-9a-f]{8,17}$',
        Description: `The id of the managed prefix list ${latticePrefixListName(cluster.region)}`,
      },
    },
    resources: Object.fromEntries([...ingress, ...logs]),
  };
}

const listenerName = (port: number) => `http-${port}`;
const sync = () => ({ annotations: { ...CUSTOM_RESOURCE_SYNC } });

function healthCheck(service: ServiceDefinition): lattice.TargetGroupPolicySpecHealthCheck {
  const http = 'httpPath' in service.health;
  return {
    enabled: true,
    // The kubelet's probe, seen by Lattice: its path answers 200; without one any HTTP answer shows the process serves.
    path: http ? (service.health as { httpPath: string }).httpPath : '/',
    statusMatch: http ? '200' : '200-499',
    port: service.port,
    protocol: lattice.TargetGroupPolicySpecHealthCheckProtocol.HTTP,
    protocolVersion: lattice.TargetGroupPolicySpecHealthCheckProtocolVersion.HTTP1,
    intervalSeconds: 10,
    timeoutSeconds: 5,
    healthyThresholdCount: 2,
    unhealthyThresholdCount: 3,
  };
}

/**
 * Amazon VPC Lattice through the AWS Gateway API Controller, App Mesh's named successor on EKS:
 * a service network per environment (ServiceNetwork + Gateway + VPC association with the cluster's
 * security groups + access logs), and per service an HTTPRoute on a listener at the container's port
 * with its custom domain name, and a TargetGroupPolicy with its health check. Lattice has no retry
 * policy or request timeout, and admits any client of the service network: those are reported.
 */
const provider: MeshProvider = {
  name: 'lattice',
  summary: 'Amazon VPC Lattice through the AWS Gateway API Controller; no sidecars',
  enforces: {
    routing: "HTTPRoute per service on the environment's service network",
    tracing: OPENTELEMETRY_TRACING,
  },
  fargate: 'yes (Lattice reaches pods by IP)',
  clusterKinds: [{ group: 'application-networking.k8s.aws', kind: 'ServiceNetwork' }],
  podSecurityCeiling: 'restricted',

  // The controller's webhook adds its pod readiness gate to pods of namespaces with this label.
  namespaceLabels: () => ({ [LATTICE_READINESS_GATE_LABEL]: 'enabled' }),

  endpoint: ({ cluster, environment }, service) => ({ host: latticeHost(cluster, environment, service.name), port: service.port }),

  networkIngress: ({ cluster }, service, callers) =>
    directIngress(
      vpcCidrOf(cluster),
      service,
      callers,
      LATTICE_CIDRS.map((cidr) => ({ ipBlock: { cidr } })),
    ),

  podStatements: () => [],

  accountPrerequisites,

  renderEnvironment(scope, { cluster, environment, services }) {
    const name = serviceNetworkName(cluster, environment);
    const namespace = environment.namespace;
    const gatewayRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name };
    new lattice.ServiceNetwork(scope, 'service-network', { metadata: { name, ...sync() } });
    const ports = [...new Set(services.map((s) => s.port))].sort((a, b) => a - b);
    new gateway.Gateway(scope, 'gateway', {
      metadata: { name, namespace, ...sync() },
      spec: {
        gatewayClassName: LATTICE_GATEWAY_CLASS,
        // One listener per container port in use: a caller's URL, the listener and the target share the port.
        listeners: ports.map((port) => ({ name: listenerName(port), protocol: 'HTTP', port })),
      },
    });
    new lattice.VpcAssociationPolicy(scope, 'vpc-association', {
      metadata: { name, namespace, ...sync() },
      spec: { targetRef: gatewayRef, associateWithVpc: true, securityGroupIds: [...cluster.securityGroupIds] },
    });
    new lattice.AccessLogPolicy(scope, 'access-log', {
      metadata: { name, namespace, ...sync() },
      spec: {
        targetRef: gatewayRef,
        destinationArn: `arn:aws:logs:${cluster.region}:${cluster.accountId}:log-group:${accessLogGroup(cluster, environment)}:*`,
      },
    });
  },

  renderService(scope, { cluster, environment }, { service, serviceName, labels }) {
    const namespace = environment.namespace;
    new gateway.HttpRoute(scope, 'route', {
      metadata: { name: service.name, namespace, labels, ...sync() },
      spec: {
        parentRefs: [{ name: serviceNetworkName(cluster, environment), sectionName: listenerName(service.port) }],
        hostnames: [latticeHost(cluster, environment, service.name)],
        rules: [{ backendRefs: [{ name: serviceName, kind: 'Service', port: service.port }] }],
      },
    });
    new lattice.TargetGroupPolicy(scope, 'target-group-policy', {
      metadata: { name: service.name, namespace, labels, ...sync() },
      spec: {
        targetRef: { group: '', kind: 'Service', name: serviceName },
        protocol: 'HTTP',
        protocolVersion: 'HTTP1',
        healthCheck: healthCheck(service),
      },
    });
  },
};

export default provider;
