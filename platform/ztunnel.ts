import { CLUSTER_RBAC, defineHelmAddOn, type HelmChart } from '../lib/render/addon';
import { usesMesh } from '../lib/render/mesh';
import { ISTIO_NAMESPACE } from '../lib/render/mesh/istio';

export const defaultProps = {
  // Source: istio/istio tag 1.30.3 (commit 56df41f63e513f834c9a3af33d8aed82d1d961f2), manifests/charts/ztunnel.
  chart: { repository: 'https://istio-release.storage.googleapis.com/charts', chart: 'ztunnel', version: '1.30.3' } satisfies HelmChart,
} as const;

/**
 * ztunnel, ambient mode's node proxy: mTLS (HBONE) between pods and the L4 AuthorizationPolicies.
 * After istiod, which issues its certificates. A DaemonSet: it does not run on Fargate.
 */
export default defineHelmAddOn({
  name: 'ztunnel',
  namespace: ISTIO_NAMESPACE,
  chart: defaultProps.chart,
  syncWave: 3,
  crdGroups: [],
  clusterKinds: [...CLUSTER_RBAC],
  appliesTo: ({ environments }) => usesMesh(environments, 'istio'),
  values: () => ({ profile: 'ambient' }),
});
