import { CLUSTER_RBAC, defineHelmAddOn, roleAnnotations, type HelmChart } from '../lib/render/addon';
import { policy } from '../lib/render/iam';
import { usesMesh } from '../lib/render/mesh';

export const defaultProps = {
  // Source: kubernetes-sigs/external-dns, charts/external-dns, tag external-dns-helm-chart-1.21.1
  // (commit 9f26451346774099a8b3e3e5cc46a53bf2fd1461; app 0.21.0), the newest chart tag we can show.
  chart: { repository: 'https://kubernetes-sigs.github.io/external-dns', chart: 'external-dns', version: '1.21.1' } satisfies HelmChart,
  namespace: 'external-dns',
  serviceAccount: 'external-dns',
  /**
   * `sync`: records of a deleted Ingress are deleted too, so no name keeps pointing at a removed
   * ALB. Safe because ExternalDNS only touches records whose TXT ownership record carries this
   * cluster's txtOwnerId, and only in the cluster's hosted zone.
   */
  policy: 'sync',
} as const;

/** ExternalDNS: Route 53 records for the Ingress hosts, in the cluster's hosted zone only. */
export default defineHelmAddOn({
  name: 'external-dns',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  syncWave: 2,
  // The chart's crds/ folder brings DNSEndpoint.
  crdGroups: ['externaldns.k8s.io'],
  clusterKinds: [...CLUSTER_RBAC],
  awsRole: (cluster) => ({
    namespace: defaultProps.namespace,
    serviceAccount: defaultProps.serviceAccount,
    roleName: `${cluster.name}-external-dns`,
    // The course attached AmazonRoute53FullAccess; this changes records in one zone and lists.
    policy: policy(
      {
        Effect: 'Allow',
        Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:ListTagsForResources'],
        Resource: `arn:aws:route53:::hostedzone/${cluster.hostedZoneId}`,
      },
      // Listing zones has no resource-level permission.
      { Effect: 'Allow', Action: ['route53:ListHostedZones'], Resource: '*' },
    ),
  }),
  values: (cluster, role, { environments }) => ({
    provider: { name: 'aws' },
    env: [{ name: 'AWS_DEFAULT_REGION', value: cluster.region }],
    // crd: the DNSEndpoints the Gateway API controller writes for the VPC Lattice custom domain names.
    sources: usesMesh(environments, 'lattice') ? ['ingress', 'crd'] : ['ingress'],
    domainFilters: [cluster.baseDomain],
    extraArgs: [`--zone-id-filter=${cluster.hostedZoneId}`],
    policy: defaultProps.policy,
    registry: 'txt',
    txtOwnerId: cluster.name,
    serviceAccount: {
      create: true,
      name: defaultProps.serviceAccount,
      annotations: roleAnnotations(role),
    },
  }),
});
