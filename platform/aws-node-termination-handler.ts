import { CLUSTER_RBAC, defineHelmAddOn, type HelmChart } from '../lib/render/addon';

export const defaultProps = {
  // Published by the aws/aws-node-termination-handler project as an OCI chart (no longer in
  // eks-charts). Argo CD takes an OCI Helm repository without the oci:// scheme.
  // Source: aws/aws-node-termination-handler, config/helm/aws-node-termination-handler, tag v1.25.6
  // (commit 77ca841d1329504e981542775f78403feb114048): chart 0.27.6, the newest patch of 0.27.
  chart: { repository: 'public.ecr.aws/aws-ec2/helm', chart: 'aws-node-termination-handler', version: '0.27.6' } satisfies HelmChart,
  namespace: 'kube-system',
  /** The label of the spot node group (clusters' eksctl config). */
  spotNodeSelector: { lifecycle: 'Ec2Spot' },
} as const;

/**
 * AWS Node Termination Handler in IMDS mode: a DaemonSet on the spot nodes that watches the
 * instance metadata for interruption notices and drains the node first. IMDS mode needs no IAM role.
 */
export default defineHelmAddOn({
  name: 'aws-node-termination-handler',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  syncWave: 1,
  crdGroups: [],
  clusterKinds: [...CLUSTER_RBAC],
  values: (cluster) => ({
    awsRegion: cluster.region,
    enableSqsTerminationDraining: false,
    enableSpotInterruptionDraining: true,
    enableRebalanceMonitoring: true,
    enableScheduledEventDraining: true,
    nodeSelector: { ...defaultProps.spotNodeSelector },
  }),
});
