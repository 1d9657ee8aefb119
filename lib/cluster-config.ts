import type { PlatformAddOn } from './addon';
import { servicePolicy, type IrsaRole } from './iam';
import type { Cluster, Environment } from './model';
import { meshProviderOf } from './mesh';
import { roleArn, serviceRoleName, vpcCidrOf } from './naming';
import type { ServiceDefinition } from './service';

/** Node group sizes and types: the course's cluster. */
const NODE_TYPE = 't3.medium';
const SPOT_TYPES = ['t3.medium', 't3a.medium'];

/** Every IRSA role the rendered manifests of a cluster reference: each service in each environment, each add-on. */
export function irsaRoles(cluster: Cluster, environments: readonly Environment[], services: readonly ServiceDefinition[],
  addOns: readonly PlatformAddOn[]): IrsaRole[] {
  const serviceRoles = environments.flatMap((environment) => services.map((service): IrsaRole => ({
    namespace: environment.namespace,
    serviceAccount: `${service.name}-iam-service-account`,
    roleName: serviceRoleName(cluster, environment, service.name),
    policy: servicePolicy(cluster, environment, service, meshProviderOf(environment).podStatements(cluster, environment, service)),
  })));
  const workloads = { environments, services };
  const addOnRoles = addOns.filter((addOn) => addOn.appliesTo?.(workloads) ?? true)
    .flatMap((addOn) => (addOn.irsa ? [addOn.irsa(cluster, workloads)] : []));
  return [...addOnRoles, ...serviceRoles];
}

/**
 * The eksctl ClusterConfig (eksctl.io/v1alpha5) that creates the cluster in one
 * `eksctl create cluster -f dist/<cluster>/cluster/cluster.yaml`. Applied by a person once,
 * never by Argo CD; not a Kubernetes API object, so it is checked by these types rather than a schema.
 */
export function clusterConfig(cluster: Cluster, roles: readonly IrsaRole[]): Record<string, unknown> {
  const awsNode = roles.find((r) => r.namespace === 'kube-system' && r.serviceAccount === 'aws-node');
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
    iam: {
      withOIDC: true,
      serviceAccounts: roles.map((role) => ({
        metadata: { name: role.serviceAccount, namespace: role.namespace },
        roleName: role.roleName,
        // The manifests create the service accounts (with the role annotation); eksctl only the role,
        // trusted by exactly this namespace/service account through the cluster's OIDC provider.
        roleOnly: true,
        ...(role.policy ? { attachPolicy: role.policy } : {}),
        ...(role.managedPolicyArns ? { attachPolicyARNs: [...role.managedPolicyArns] } : {}),
        ...(role.wellKnownPolicies ? { wellKnownPolicies: { ...role.wellKnownPolicies } } : {}),
      })),
    },
    addons: [
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
    ],
    managedNodeGroups: [{
      name: 'eks-node-group-managed-nodes',
      instanceType: NODE_TYPE,
      minSize: 3,
      desiredCapacity: 3,
      maxSize: 6,
      volumeSize: 30,
      privateNetworking: true,
    }],
    nodeGroups: [{
      name: 'eks-node-group-spot-instances',
      minSize: 0,
      desiredCapacity: 2,
      maxSize: 6,
      volumeSize: 30,
      privateNetworking: true,
      instancesDistribution: {
        instanceTypes: [...SPOT_TYPES],
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBaseCapacity: 0,
        spotAllocationStrategy: 'price-capacity-optimized',
      },
      labels: { lifecycle: 'Ec2Spot' },
    }],
    ...((cluster.fargateNamespaces ?? []).length > 0 ? {
      fargateProfiles: [{
        name: `${cluster.name}-fargate`,
        selectors: (cluster.fargateNamespaces ?? []).map((namespace) => ({ namespace })),
      }],
    } : {}),
  };
}
