import { CLUSTER_RBAC, CRDS, WEBHOOKS, defineHelmAddOn, roleAnnotations, type HelmChart } from '../lib/render/addon';
import { usesMesh } from '../lib/render/mesh';

export const defaultProps = {
  // The imported App Mesh CRDs (imports/appmesh.k8s.aws.ts) come from this chart version.
  // Source: aws/eks-charts, stable/appmesh-controller at commit 5239609242f3430be50fb0b714a24d3ef2b47983 (the last release).
  chart: { repository: 'https://aws.github.io/eks-charts', chart: 'appmesh-controller', version: '1.13.3' } satisfies HelmChart,
  namespace: 'appmesh-system',
  serviceAccount: 'appmesh-controller',
} as const;

/**
 * App Mesh controller with X-Ray tracing (an X-Ray daemon sidecar next to each envoy).
 * AWS ended support for App Mesh on 2026-09-30: rendered only on a cluster where some environment
 * still chose `mesh: appmesh` (docs/mesh.md, "Migrating off App Mesh").
 */
export default defineHelmAddOn({
  name: 'appmesh-controller',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  // templates/_helpers.tpl: genCA on every render (release name = add-on name, so the chart's fullname is appmesh-controller).
  webhookCertificate: {
    secret: 'appmesh-controller-webhook-server-cert',
    mutatingWebhooks: ['appmesh-controller-mutating-webhook-configuration'],
    validatingWebhooks: ['appmesh-controller-validating-webhook-configuration'],
  },
  syncWave: 1,
  crdGroups: ['appmesh.k8s.aws'],
  appliesTo: ({ environments }) => usesMesh(environments, 'appmesh'),
  clusterKinds: [CRDS, ...CLUSTER_RBAC, ...WEBHOOKS],
  awsRole: (cluster) => ({
    namespace: defaultProps.namespace,
    serviceAccount: defaultProps.serviceAccount,
    roleName: `${cluster.name}-appmesh-controller`,
    // What the App Mesh controller documentation attaches: App Mesh and Cloud Map management.
    managedPolicyArns: ['arn:aws:iam::aws:policy/AWSCloudMapFullAccess', 'arn:aws:iam::aws:policy/AWSAppMeshFullAccess'],
    // App Mesh was discontinued on 2026-09-30: its controller runs as the original system ran it.
    irsa: { why: 'App Mesh is discontinued; its controller keeps the credentials the original system gave it' },
  }),
  values: (cluster, role) => ({
    region: cluster.region,
    serviceAccount: {
      create: true,
      name: defaultProps.serviceAccount,
      annotations: roleAnnotations(role),
    },
    tracing: { enabled: true, provider: 'x-ray' },
  }),
});
