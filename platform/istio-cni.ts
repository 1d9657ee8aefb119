import { CLUSTER_RBAC, defineHelmAddOn, type HelmChart } from '../lib/render/addon';
import { usesMesh } from '../lib/render/mesh';
import { ISTIO_NAMESPACE } from '../lib/render/mesh/istio';

export const defaultProps = {
  // Source: istio/istio tag 1.30.3 (commit 56df41f63e513f834c9a3af33d8aed82d1d961f2), manifests/charts/istio-cni.
  chart: { repository: 'https://istio-release.storage.googleapis.com/charts', chart: 'cni', version: '1.30.3' } satisfies HelmChart,
} as const;

/**
 * istio-cni, chained after the VPC CNI (the chart's defaults: /opt/cni/bin, /etc/cni/net.d, which
 * are EKS's), with the ambient profile: it redirects the traffic of pods in ambient namespaces to
 * their node's ztunnel. A DaemonSet: it does not run on Fargate (synth refuses Istio there).
 */
export default defineHelmAddOn({
  name: 'istio-cni',
  namespace: ISTIO_NAMESPACE,
  chart: defaultProps.chart,
  syncWave: 2,
  crdGroups: [],
  clusterKinds: [...CLUSTER_RBAC],
  appliesTo: ({ environments }) => usesMesh(environments, 'istio'),
  values: () => ({ profile: 'ambient' }),
});
