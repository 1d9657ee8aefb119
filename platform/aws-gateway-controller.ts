import * as gateway from '../imports/gateway.networking.k8s.io';
import { LATTICE_CONTROLLER_UNSCOPED_ACTIONS } from '../lib/model/iam';
import { CLUSTER_RBAC, CRDS, CUSTOM_RESOURCE_SYNC, WEBHOOKS, defineAddOn, syncWave, type HelmChart } from '../lib/render/addon';
import { destinationServer } from '../lib/model/argocd-conventions';
import { HelmApplication } from '../lib/render/constructs/helm-application';
import { policy } from '../lib/render/iam';
import { usesMesh } from '../lib/render/mesh';
import { LATTICE_GATEWAY_CLASS } from '../lib/render/mesh/lattice';
import type { Cluster } from '../lib/model';

export const defaultProps = {
  // aws/aws-application-networking-k8s tag v2.1.3, helm/Chart.yaml (the version has a leading v). Needs Kubernetes 1.31+.
  chart: { repository: 'public.ecr.aws/aws-application-networking-k8s', chart: 'aws-gateway-controller-chart', version: 'v2.1.3' } satisfies HelmChart,
  namespace: 'aws-application-networking-system',
  serviceAccount: 'gateway-api-controller',
} as const;

/** The controller's name in Gateway API objects (its GatewayClass). */
const CONTROLLER_NAME = 'application-networking.k8s.aws/gateway-api-controller';

/** The VPC Lattice actions the controller calls (its source at v2.1.3), on this account and region's Lattice resources. */
const LATTICE_ACTIONS = [
  'BatchUpdateRule',
  'CreateAccessLogSubscription',
  'CreateListener',
  'CreateRule',
  'CreateService',
  'CreateServiceNetwork',
  'CreateServiceNetworkServiceAssociation',
  'CreateServiceNetworkVpcAssociation',
  'CreateTargetGroup',
  'DeleteAccessLogSubscription',
  'DeleteAuthPolicy',
  'DeleteListener',
  'DeleteRule',
  'DeleteService',
  'DeleteServiceNetwork',
  'DeleteServiceNetworkServiceAssociation',
  'DeleteServiceNetworkVpcAssociation',
  'DeleteTargetGroup',
  'DeregisterTargets',
  'GetAccessLogSubscription',
  'GetAuthPolicy',
  'GetListener',
  'GetRule',
  'GetService',
  'GetServiceNetwork',
  'GetServiceNetworkServiceAssociation',
  'GetServiceNetworkVpcAssociation',
  'GetTargetGroup',
  'ListAccessLogSubscriptions',
  'ListListeners',
  'ListRules',
  'ListServiceNetworkServiceAssociations',
  'ListServiceNetworkVpcAssociations',
  'ListTagsForResource',
  'ListTargets',
  'PutAuthPolicy',
  'RegisterTargets',
  'TagResource',
  'UntagResource',
  'UpdateAccessLogSubscription',
  'UpdateListener',
  'UpdateRule',
  'UpdateService',
  'UpdateServiceNetwork',
  'UpdateServiceNetworkVpcAssociation',
  'UpdateTargetGroup',
].map((a) => `vpc-lattice:${a}`);

/**
 * The controller's role, narrowed from its recommended inline policy (files/controller-installation/):
 * `vpc-lattice:*` becomes the actions it calls, on this account and region; S3, Firehose and ACM
 * go (access logs go to CloudWatch Logs; the listeners are plain HTTP). What stays on `*` has no
 * resource-level permission. The service-linked roles are created once, scoped to their names.
 */
export function controllerPolicy(cluster: Cluster) {
  const serviceLinkedRole = (service: string, role: string) => ({
    Effect: 'Allow' as const,
    Action: ['iam:CreateServiceLinkedRole'],
    Resource: `arn:aws:iam::${cluster.accountId}:role/aws-service-role/${service}/${role}`,
  });
  return policy(
    { Effect: 'Allow', Action: LATTICE_ACTIONS, Resource: `arn:aws:vpc-lattice:${cluster.region}:${cluster.accountId}:*` },
    { Effect: 'Allow', Action: [...LATTICE_CONTROLLER_UNSCOPED_ACTIONS], Resource: '*' },
    serviceLinkedRole('vpc-lattice.amazonaws.com', 'AWSServiceRoleForVpcLattice'),
    serviceLinkedRole('delivery.logs.amazonaws.com', 'AWSServiceRoleForLogDelivery'),
  );
}

/**
 * The AWS Gateway API Controller (Amazon VPC Lattice), App Mesh's successor on EKS: rendered only
 * on a cluster where some environment chose `mesh: lattice`. The Gateway API CRDs it is built against
 * come first (platform/gateway-api-crds.ts, wave 0), then the chart (its own CRDs, the controller) and the GatewayClass.
 */
export default defineAddOn({
  name: 'aws-gateway-controller',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  // After ExternalDNS (wave 2): the controller writes DNSEndpoints only if their CRD exists when it starts.
  syncWave: 3,
  // The controller's CRDs (its chart); the Gateway API CRDs are platform/gateway-api-crds.ts's.
  crdGroups: ['application-networking.k8s.aws'],
  appliesTo: ({ environments }) => usesMesh(environments, 'lattice'),
  clusterKinds: [CRDS, ...CLUSTER_RBAC, ...WEBHOOKS, { group: 'gateway.networking.k8s.io', kind: 'GatewayClass' }],
  awsRole: (cluster) => ({
    namespace: defaultProps.namespace,
    serviceAccount: defaultProps.serviceAccount,
    roleName: `${cluster.name}-aws-gateway-controller`,
    policy: controllerPolicy(cluster),
  }),
  render(scope, cluster) {
    new HelmApplication(scope, 'application', {
      name: 'aws-gateway-controller',
      namespace: defaultProps.namespace,
      chart: defaultProps.chart,
      syncWave: 3,
      server: destinationServer(cluster),
      // templates/_helpers.tpl (webhookTLS): genCA on every render; webhook.yaml renders whatever webhookEnabled says.
      webhookCertificate: { secret: 'webhook-cert', mutatingWebhooks: ['aws-appnet-gwc-mutating-webhook'] },
      values: {
        awsRegion: cluster.region,
        awsAccountId: cluster.accountId,
        clusterVpcId: cluster.vpcId,
        clusterName: cluster.name,
        // Its role reaches it through a Pod Identity association on this service account: no annotation.
        serviceAccount: { create: true, name: defaultProps.serviceAccount },
        // The webhook adds VPC Lattice's pod readiness gate to pods of namespaces labelled for it
        // (lib/render/mesh/lattice.ts): a rolling update waits until Lattice sees the new pods healthy.
        webhookEnabled: true,
        // ExternalDNS's chart installs the DNSEndpoint CRD.
        installExternalDNSCRD: false,
      },
    });
    new gateway.GatewayClass(scope, 'gateway-class', {
      metadata: { name: LATTICE_GATEWAY_CLASS, annotations: { ...CUSTOM_RESOURCE_SYNC, ...syncWave(4) } },
      spec: { controllerName: CONTROLLER_NAME },
    });
  },
});
