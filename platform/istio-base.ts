import { k8s } from 'cdk8s-plus-29';
import { CRDS, defineHelmAddOn, syncWave, type HelmChart } from '../lib/render/addon';
import { usesMesh } from '../lib/render/mesh';
import { ISTIO_NAMESPACE } from '../lib/render/mesh/istio';
import { POD_SECURITY_EXCEPTION_ANNOTATION } from '../lib/check/pod-security';

export const defaultProps = {
  // Source: istio/istio tag 1.30.3 (commit 56df41f63e513f834c9a3af33d8aed82d1d961f2), manifests/charts/base:
  // the newest stable Istio; the chart is published at the release version. Its CRDs are imports/*.istio.io.ts.
  chart: { repository: 'https://istio-release.storage.googleapis.com/charts', chart: 'base', version: '1.30.3' } satisfies HelmChart,
} as const;

/**
 * Why istio-system enforces the `privileged` Pod Security Standard: istio-cni's DaemonSet runs
 * privileged with host paths to install its CNI plugin and set up each ambient pod's redirection,
 * and ztunnel adds NET_ADMIN and SYS_ADMIN to enter pods' network namespaces. Nothing else runs there.
 */
export const ISTIO_POD_SECURITY_EXCEPTION =
  'istio-cni (privileged, host paths) and ztunnel (NET_ADMIN, SYS_ADMIN) are node agents that enter pod network namespaces; only Istio runs here';

/**
 * Istio's base chart: the Istio CRDs and the default revision's validating webhook, first of the four
 * Istio charts (then istiod, istio-cni and ztunnel), with the istio-system namespace and its Pod
 * Security labels. Only on a cluster where some environment chose `mesh: istio`.
 */
export default defineHelmAddOn({
  name: 'istio-base',
  namespace: ISTIO_NAMESPACE,
  chart: defaultProps.chart,
  syncWave: 1,
  crdGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io'],
  clusterKinds: [CRDS, { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' }],
  appliesTo: ({ environments }) => usesMesh(environments, 'istio'),
  // istiod patches the default validator's caBundle and turns its failurePolicy to Fail once it serves.
  liveFields: [
    {
      group: 'admissionregistration.k8s.io',
      kind: 'ValidatingWebhookConfiguration',
      name: 'istiod-default-validator',
      jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle', '.webhooks[]?.failurePolicy'],
    },
  ],
  values: () => ({}),
  renderExtra(scope, cluster) {
    const version = `v${cluster.kubernetesVersion}`;
    new k8s.KubeNamespace(scope, 'namespace', {
      metadata: {
        name: ISTIO_NAMESPACE,
        annotations: { ...syncWave(0), [POD_SECURITY_EXCEPTION_ANNOTATION]: ISTIO_POD_SECURITY_EXCEPTION },
        labels: {
          'pod-security.kubernetes.io/enforce': 'privileged',
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/warn': 'privileged',
          'pod-security.kubernetes.io/warn-version': version,
        },
      },
    });
  },
});
