import { CLUSTER_RBAC, CRDS, defineHelmAddOn, ociRepositories, type HelmChart } from '../lib/render/addon';
import { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA, ociRepositoryEntry } from '../lib/model/argocd-conventions';
import { ARGOCD_NAMESPACE, WAVES } from '../lib/render/charts/argocd';

export const defaultProps = {
  // Source: argoproj/argo-helm, charts/argo-cd, tag argo-cd-10.1.1 (commit af0a9310bacbaa4636018dfe22c801a6d33a5c43):
  // chart 10.1.1 ships Argo CD v3.4.4 (appVersion). Its images follow appVersion (global.image.tag is
  // left empty on purpose), so this one version pins every Argo CD image; redis-ha pins its own.
  chart: { repository: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.1.1' } satisfies HelmChart,
  namespace: ARGOCD_NAMESPACE,
  /** Two of each stateless component: one can go (node drain, spot interruption) while the other serves. */
  replicas: 2,
} as const;

/** The Application health check (lib/model/argocd-conventions.ts): here in the values; under the Argo CD capability in its argocd-cm. */
export { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA };

/**
 * Argo CD itself, from its Helm chart, managed by the root Application once `bookstore bootstrap
 * argocd <cluster>` has installed it from this very file: an upgrade is a pull request here.
 */
export default defineHelmAddOn({
  name: 'argo-cd',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  folder: 'argocd',
  capability: 'ARGOCD',
  // After the AppProjects (its Application is in project platform), before the platform's Applications.
  syncWave: WAVES.argocd,
  clusterKinds: [CRDS, ...CLUSTER_RBAC],
  // Its CRDs (argoproj.io) are on the cluster before the root Application exists: the bootstrap installs them.
  crdGroups: [],
  values: (_cluster, _role, { addOns = [] }) => ({
    configs: {
      cm: { [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_LUA },
      // Public repositories: a URL, a type and the OCI flag, no credentials. The chart turns each into
      // a repository Secret on the cluster; dist/ holds no Secret.
      repositories: Object.fromEntries(
        ociRepositories(addOns)
          .map(ociRepositoryEntry)
          .map(({ key, fields }) => [key, fields]),
      ),
      // No admin password in Git: Argo CD generates one into argocd-initial-admin-secret (docs/argocd.md).
    },
    // The chart's HA setup: Redis with Sentinel and HAProxy, two of each stateless component, budgets.
    // One application controller: a second replica helps only by sharding several clusters.
    'redis-ha': { enabled: true },
    // A budget without maxUnavailable defaults to minAvailable 0 in this chart, which protects nothing.
    server: { replicas: defaultProps.replicas, pdb: { enabled: true, maxUnavailable: 1 } },
    repoServer: { replicas: defaultProps.replicas, pdb: { enabled: true, maxUnavailable: 1 } },
    applicationSet: { replicas: defaultProps.replicas, pdb: { enabled: true, maxUnavailable: 1 } },
    // No SSO connector is configured; Dex would run idle.
    dex: { enabled: false },
  }),
});
