import { CLUSTER_RBAC, CRDS, WEBHOOKS, defineHelmAddOn, roleAnnotations, type HelmChart } from '../lib/render/addon';

/** Chart coordinates; the imported ALB CRDs (imports/elbv2.k8s.aws.ts) come from this chart version. */
export const defaultProps = {
  // Source: aws/eks-charts, stable/aws-load-balancer-controller at commit 5239609242f3430be50fb0b714a24d3ef2b47983
  // ("aws-load-balancer-controller: v3.5.0 (#1354)"); app v3.5.0.
  chart: { repository: 'https://aws.github.io/eks-charts', chart: 'aws-load-balancer-controller', version: '3.5.0' } satisfies HelmChart,
  namespace: 'kube-system',
  serviceAccount: 'aws-load-balancer-controller',
  /** Two replicas: the controller also serves the pod-readiness webhook. */
  replicas: 2,
} as const;

/** AWS Load Balancer Controller: one ALB per environment from the Ingresses (`ingressClassName: alb`). */
export default defineHelmAddOn({
  name: 'aws-load-balancer-controller',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  // templates/_helpers.tpl (webhookCerts): genCA on every render, as `lookup` finds nothing under Argo CD.
  webhookCertificate: { secret: 'aws-load-balancer-tls', mutatingWebhooks: ['aws-load-balancer-webhook'], validatingWebhooks: ['aws-load-balancer-webhook'] },
  syncWave: 1,
  // crds/crds.yaml (elbv2.k8s.aws) and crds/gateway-crds.yaml (gateway.k8s.aws).
  crdGroups: ['elbv2.k8s.aws', 'gateway.k8s.aws'],
  clusterKinds: [
    CRDS,
    ...CLUSTER_RBAC,
    ...WEBHOOKS,
    { group: 'networking.k8s.io', kind: 'IngressClass' },
    { group: 'elbv2.k8s.aws', kind: 'IngressClassParams' },
  ],
  awsRole: (cluster) => ({
    namespace: defaultProps.namespace,
    serviceAccount: defaultProps.serviceAccount,
    roleName: `${cluster.name}-aws-load-balancer-controller`,
    // eksctl ships the controller project's own IAM policy.
    wellKnownPolicies: { awsLoadBalancerController: true },
  }),
  values: (cluster, role) => ({
    clusterName: cluster.name,
    region: cluster.region,
    vpcId: cluster.vpcId,
    replicaCount: defaultProps.replicas,
    serviceAccount: {
      create: true,
      name: defaultProps.serviceAccount,
      annotations: roleAnnotations(role),
    },
  }),
});
