import type { PlatformAddOn } from './addon';
import { usesPodIdentity, type AddOnRole } from '../model/iam';
import type { Cluster, Environment } from '../model';
import { roleArn, SPOT_NODE_LABELS, vpcCidrOf } from '../model/naming';
import type { ServiceDefinition } from '../model/service';

/** Node group sizes and types: the course's cluster. */
const NODE_TYPE = 't3.medium';
const SPOT_TYPES = ['t3.medium', 't3a.medium'];

/**
 * Amazon Linux 2023: EKS builds no Amazon Linux 2 AMIs for Kubernetes 1.33 and later
 * (awslabs/amazon-eks-ami#2545), so the family is named rather than left to eksctl's default.
 */
const AMI_FAMILY = 'AmazonLinux2023';

/** ENIs and IPv4 addresses per ENI of the instance types the node groups use (EC2 User Guide, "IP addresses per network interface per instance type"). */
const ENI_LIMITS: Readonly<Record<string, { readonly enis: number; readonly ipv4PerEni: number }>> = {
  't3.medium': { enis: 3, ipv4PerEni: 6 },
  't3a.medium': { enis: 3, ipv4PerEni: 6 },
};

/**
 * Max pods of a node under VPC CNI custom networking, where the primary ENI carries no pods:
 * (ENIs - 1) × (IPv4 per ENI - 1) + 2 (the EKS user guide, "custom networking", which has you run
 * max-pods-calculator.sh with --cni-custom-networking-enabled; the + 2 are the host-network pods
 * aws-node and kube-proxy). For several types, the smallest, so that every node of the group can
 * hold its pods. t3.medium and t3a.medium: 2 × 5 + 2 = 12 (17 without custom networking). The
 * AL2023 AMI's own figure does not know about custom networking (awslabs/amazon-eks-ami#2201);
 * eksctl (v0.230.0) writes maxPodsPerNode into the nodes' nodeadm NodeConfig (kubelet maxPods),
 * for managed and self-managed AL2023 node groups alike.
 */
export function customNetworkingMaxPods(instanceTypes: readonly string[]): number {
  return Math.min(
    ...instanceTypes.map((type) => {
      const limits = ENI_LIMITS[type];
      if (!limits) throw new Error(`lib/render/cluster-config.ts: no ENI limits for instance type ${type}; add it to ENI_LIMITS`);
      return (limits.enis - 1) * (limits.ipv4PerEni - 1) + 2;
    }),
  );
}

/**
 * The roles eksctl creates: only what must exist before Argo CD runs, the add-ons' roles (the ACK
 * controllers among them). The services' roles are ACK `Role` objects in their environments'
 * files, created by the ACK IAM controller, trusted through IRSA (a service may run on Fargate,
 * where Pod Identity does not reach).
 */
export function addOnRoles(
  cluster: Cluster,
  environments: readonly Environment[],
  services: readonly ServiceDefinition[],
  addOns: readonly PlatformAddOn[],
): AddOnRole[] {
  const workloads = { environments, services };
  return addOns.filter((addOn) => addOn.appliesTo?.(workloads) ?? true).flatMap((addOn) => (addOn.awsRole ? [addOn.awsRole(cluster, workloads)] : []));
}

/** The EKS add-on that serves Pod Identity credentials on each node. */
export const POD_IDENTITY_AGENT = 'eks-pod-identity-agent';

/** An eksctl PodIdentityAssociation (v0.230.0 schema): the role eksctl creates, by name, with the add-on's policies. */
function podIdentityAssociation(role: AddOnRole): Record<string, unknown> {
  return {
    namespace: role.namespace,
    serviceAccountName: role.serviceAccount,
    roleName: role.roleName,
    ...(role.policy ? { permissionPolicy: role.policy } : {}),
    ...(role.managedPolicyArns ? { permissionPolicyARNs: [...role.managedPolicyArns] } : {}),
    ...(role.wellKnownPolicies ? { wellKnownPolicies: { ...role.wellKnownPolicies } } : {}),
  };
}

/**
 * The cluster's IAM: the OIDC provider, the IRSA roles (the EKS add-ons' among them: eksctl creates
 * the role, the add-on names its ARN) and the Pod Identity associations of the Helm add-ons (an EKS
 * add-on's association comes with the add-on).
 */
function clusterIam(roles: readonly AddOnRole[]): Record<string, unknown> {
  const irsa = roles.filter((r) => !usesPodIdentity(r));
  const podIdentity = roles.filter((r) => usesPodIdentity(r) && !r.eksAddOn);
  return {
    // The OIDC provider: the services' roles (and the add-on roles kept on IRSA) trust it.
    withOIDC: true,
    ...(irsa.length > 0
      ? {
          serviceAccounts: irsa.map((role) => ({
            metadata: { name: role.serviceAccount, namespace: role.namespace },
            roleName: role.roleName,
            // The manifests create the service accounts (with the role annotation); eksctl only the role,
            // trusted by exactly this namespace/service account through the cluster's OIDC provider.
            roleOnly: true,
            ...(role.policy ? { attachPolicy: role.policy } : {}),
            ...(role.managedPolicyArns ? { attachPolicyARNs: [...role.managedPolicyArns] } : {}),
            ...(role.wellKnownPolicies ? { wellKnownPolicies: { ...role.wellKnownPolicies } } : {}),
          })),
        }
      : {}),
    // The Helm add-ons' roles, each trusted by pods.eks.amazonaws.com for exactly one namespace/service
    // account (the charts create the service accounts, so eksctl does not: createServiceAccount stays false).
    ...(podIdentity.length > 0 ? { podIdentityAssociations: podIdentity.map(podIdentityAssociation) } : {}),
  };
}

/** The EKS add-ons eksctl installs: the VPC CNI set for custom networking and network policies, and those the add-on files ask for. */
function clusterAddOns(cluster: Cluster, roles: readonly AddOnRole[]): Record<string, unknown>[] {
  const awsNode = roles.find((r) => r.namespace === 'kube-system' && r.serviceAccount === 'aws-node');
  return [
    {
      name: 'vpc-cni',
      ...(awsNode ? { serviceAccountRoleARN: roleArn(cluster, awsNode.roleName) } : {}),
      configurationValues: JSON.stringify({
        // Custom networking: pods on the secondary CIDR through the ENIConfig named after the node's zone.
        env: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true', ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone' },
        // The network policy agent, so the rendered NetworkPolicies are enforced.
        enableNetworkPolicy: 'true',
      }),
    },
    { name: 'coredns' },
    { name: 'kube-proxy' },
    // The node agent that hands Pod Identity credentials to the pods (eksctl installs it before the node groups).
    ...(roles.some(usesPodIdentity) ? [{ name: POD_IDENTITY_AGENT }] : []),
    // EKS add-ons an add-on file asks for (platform/cloudwatch-observability.ts), each with its role.
    ...roles
      .filter((role) => role.eksAddOn)
      .map((role) => ({
        name: role.eksAddOn!,
        ...(role.eksAddOnVersion ? { version: role.eksAddOnVersion } : {}),
        ...(usesPodIdentity(role) ? { podIdentityAssociations: [podIdentityAssociation(role)] } : { serviceAccountRoleARN: roleArn(cluster, role.roleName) }),
      })),
  ];
}

/** The on-demand managed node group: the controllers and the production pods. */
function managedNodeGroups(): Record<string, unknown>[] {
  return [
    {
      name: 'eks-node-group-managed-nodes',
      instanceType: NODE_TYPE,
      minSize: 3,
      desiredCapacity: 3,
      maxSize: 6,
      volumeSize: 30,
      privateNetworking: true,
      amiFamily: AMI_FAMILY,
      maxPodsPerNode: customNetworkingMaxPods([NODE_TYPE]),
    },
  ];
}

/** The spot node group of the spot namespaces (labelled, selected by their pods). */
function spotNodeGroups(): Record<string, unknown>[] {
  return [
    {
      name: 'eks-node-group-spot-instances',
      minSize: 0,
      desiredCapacity: 2,
      maxSize: 6,
      volumeSize: 30,
      privateNetworking: true,
      amiFamily: AMI_FAMILY,
      maxPodsPerNode: customNetworkingMaxPods(SPOT_TYPES),
      instancesDistribution: {
        instanceTypes: [...SPOT_TYPES],
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBaseCapacity: 0,
        spotAllocationStrategy: 'price-capacity-optimized',
      },
      labels: { ...SPOT_NODE_LABELS },
    },
  ];
}

/**
 * The eksctl ClusterConfig (eksctl.io/v1alpha5) that creates the cluster in one
 * `eksctl create cluster -f dist/<cluster>/cluster/cluster.yaml`. Applied by a person once,
 * never by Argo CD; not a Kubernetes API object, so it is checked by these types rather than a schema.
 */
export function clusterConfig(cluster: Cluster, roles: readonly AddOnRole[], capabilities: readonly Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    apiVersion: 'eksctl.io/v1alpha5',
    kind: 'ClusterConfig',
    metadata: { name: cluster.name, region: cluster.region, version: cluster.kubernetesVersion },
    availabilityZones: [...cluster.availabilityZones],
    vpc: {
      cidr: vpcCidrOf(cluster),
      nat: { gateway: 'HighlyAvailable' },
      clusterEndpoints: { privateAccess: true, publicAccess: cluster.endpointPublicAccess ?? true },
    },
    iam: clusterIam(roles),
    addons: clusterAddOns(cluster, roles),
    managedNodeGroups: managedNodeGroups(),
    nodeGroups: spotNodeGroups(),
    // Argo CD and ACK run by AWS (lib/render/capabilities.ts); eksctl creates them after the control plane.
    ...(capabilities.length > 0 ? { capabilities: [...capabilities] } : {}),
    ...((cluster.fargateNamespaces ?? []).length > 0
      ? {
          fargateProfiles: [
            {
              name: `${cluster.name}-fargate`,
              selectors: (cluster.fargateNamespaces ?? []).map((namespace) => ({ namespace })),
            },
          ],
        }
      : {}),
  };
}

/** A role eksctl creates for pods, read back from a rendered ClusterConfig, however its pods reach it. */
export interface PodRole {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly roleName: string;
  /** The inline policy (IRSA `attachPolicy`, Pod Identity `permissionPolicy`), as rendered: the iam rule checks its statements. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly policy?: any;
  readonly managedPolicyArns?: readonly string[];
  readonly wellKnownPolicies?: Record<string, boolean>;
  /** `irsa`: iam.serviceAccounts; `pod-identity`: iam.podIdentityAssociations or an EKS add-on's own. */
  readonly via: 'irsa' | 'pod-identity';
}

/**
 * Every role of a rendered ClusterConfig: its IRSA service accounts and its Pod Identity
 * associations, the EKS add-ons' included (the iam rule checks each; the tests read them).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function podRoles(config: any): PodRole[] {
  return [
    ...(config.iam?.serviceAccounts ?? []).map((a: any): PodRole => ({
      namespace: a.metadata.namespace,
      serviceAccount: a.metadata.name,
      roleName: a.roleName,
      policy: a.attachPolicy,
      managedPolicyArns: a.attachPolicyARNs,
      wellKnownPolicies: a.wellKnownPolicies,
      via: 'irsa',
    })),
    ...[...(config.iam?.podIdentityAssociations ?? []), ...(config.addons ?? []).flatMap((a: any) => a.podIdentityAssociations ?? [])].map(
      (a: any): PodRole => ({
        namespace: a.namespace,
        serviceAccount: a.serviceAccountName,
        roleName: a.roleName,
        policy: a.permissionPolicy,
        managedPolicyArns: a.permissionPolicyARNs,
        wellKnownPolicies: a.wellKnownPolicies,
        via: 'pod-identity',
      }),
    ),
  ];
}
