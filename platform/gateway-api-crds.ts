import * as argo from '../imports/argoproj.io';
import { CRDS, defineAddOn } from '../lib/render/addon';
import { ARGOCD_NAMESPACE, destinationServer, syncWave } from '../lib/model/argocd-conventions';
import { usesMesh } from '../lib/render/mesh';

export const defaultProps = {
  /**
   * The Gateway API standard CRDs, installed from the upstream tag by their own Application, not
   * copied here. v1.5: the AWS Gateway API Controller v2.1 is built against it ("not compatible with
   * prior versions") and Istio 1.30.3 against v1.5.1 (its go.mod); imports/gateway.networking.k8s.io.ts
   * is generated from this tag's standard channel.
   */
  gatewayApi: { repository: 'https://github.com/kubernetes-sigs/gateway-api', version: 'v1.5.1', path: 'config/crd/standard' },
  namespace: 'kube-system',
} as const;

/**
 * The Gateway API CRDs (Gateway, HTTPRoute, ...), wave 0: VPC Lattice's controller (`mesh: lattice`)
 * and Istio's waypoints and ingress gateways (`mesh: istio`) are Gateway API implementations, and
 * both read the same CRDs. Only on a cluster where some environment uses one of them.
 */
export default defineAddOn({
  name: 'gateway-api-crds',
  namespace: defaultProps.namespace,
  sourceRepositories: [defaultProps.gatewayApi.repository],
  syncWave: 0,
  crdGroups: ['gateway.networking.k8s.io'],
  clusterKinds: [
    CRDS,
    // The bundle's safe-upgrades admission policy.
    { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
    { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
  ],
  appliesTo: ({ environments }) => usesMesh(environments, 'lattice') || usesMesh(environments, 'istio'),
  render(scope, cluster) {
    const { gatewayApi } = defaultProps;
    new argo.Application(scope, 'application', {
      metadata: { name: 'gateway-api-crds', namespace: ARGOCD_NAMESPACE, annotations: syncWave(0) },
      spec: {
        project: 'platform',
        source: { repoUrl: gatewayApi.repository, targetRevision: gatewayApi.version, path: gatewayApi.path },
        destination: { server: destinationServer(cluster), namespace: defaultProps.namespace },
        syncPolicy: {
          // CRDs are kept when the Application goes: deleting them would delete every Gateway and route.
          automated: { prune: false, selfHeal: true },
          syncOptions: ['ServerSideApply=true'],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
      },
    });
  },
});
