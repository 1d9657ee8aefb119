import { CLUSTER_RBAC, WEBHOOKS, defineHelmAddOn, type HelmChart } from '../lib/render/addon';
import { usesMesh } from '../lib/render/mesh';
import { ISTIO_NAMESPACE, TRACING_PROVIDER } from '../lib/render/mesh/istio';

export const defaultProps = {
  // Source: istio/istio tag 1.30.3 (commit 56df41f63e513f834c9a3af33d8aed82d1d961f2), manifests/charts/istio-control/istio-discovery.
  chart: { repository: 'https://istio-release.storage.googleapis.com/charts', chart: 'istiod', version: '1.30.3' } satisfies HelmChart,
} as const;

/** The webhook fields istiod writes on the live objects once it serves. */
const CA_BUNDLE = '.webhooks[]?.clientConfig.caBundle';
const FAILURE_POLICY = '.webhooks[]?.failurePolicy';

/**
 * istiod, the Istio control plane, with the ambient profile (files/profile-ambient.yaml: HBONE,
 * PILOT_ENABLE_AMBIENT). Its mesh config names the OpenTelemetry provider the environments'
 * Telemetry objects send their spans to (lib/render/mesh/istio.ts, TRACING_PROVIDER), and it deploys the
 * waypoint and ingress gateway pods of each environment with the RuntimeDefault seccomp profile
 * (what `restricted` requires of them, istio/istio#56383) and the ingress gateway's Service as
 * ClusterIP (the ALB reaches its pods by IP; a LoadBalancer Service would make a second load balancer).
 */
export default defineHelmAddOn({
  name: 'istiod',
  namespace: ISTIO_NAMESPACE,
  chart: defaultProps.chart,
  syncWave: 2,
  crdGroups: [],
  clusterKinds: [...CLUSTER_RBAC, ...WEBHOOKS],
  appliesTo: ({ environments }) => usesMesh(environments, 'istio'),
  liveFields: [
    {
      group: 'admissionregistration.k8s.io',
      kind: 'ValidatingWebhookConfiguration',
      name: `istio-validator-${ISTIO_NAMESPACE}`,
      jqPathExpressions: [CA_BUNDLE, FAILURE_POLICY],
    },
    { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', name: 'istio-sidecar-injector', jqPathExpressions: [CA_BUNDLE] },
  ],
  values: () => ({
    profile: 'ambient',
    meshConfig: {
      extensionProviders: [{ name: TRACING_PROVIDER.name, opentelemetry: { service: TRACING_PROVIDER.service, port: TRACING_PROVIDER.port } }],
    },
    gateways: { seccompProfile: { type: 'RuntimeDefault' } },
    gatewayClasses: { istio: { service: { spec: { type: 'ClusterIP' } } } },
  }),
});
