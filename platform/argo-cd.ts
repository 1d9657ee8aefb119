import { CLUSTER_RBAC, CRDS, defineHelmAddOn, type HelmChart, type PlatformAddOn } from '../lib/addon';
import { ARGOCD_NAMESPACE, WAVES } from '../lib/charts/argocd';

export const defaultProps = {
  // Source: argoproj/argo-helm, charts/argo-cd, tag argo-cd-10.1.1 (commit af0a9310bacbaa4636018dfe22c801a6d33a5c43):
  // chart 10.1.1 ships Argo CD v3.4.4 (appVersion). Its images follow appVersion (global.image.tag is
  // left empty on purpose), so this one version pins every Argo CD image; redis-ha pins its own.
  chart: { repository: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.1.1' } satisfies HelmChart,
  namespace: ARGOCD_NAMESPACE,
  /** Two of each stateless component: one can go (node drain, spot interruption) while the other serves. */
  replicas: 2,
} as const;

/**
 * Health of a child Application = the health it reports. Argo CD stopped assessing Application
 * health in 1.8; without this, a sync wave of Applications waits for nothing. A child synced by
 * hand (no `automated` sync policy: production) counts as Healthy whatever it reports, with its own
 * health in the message: until a person syncs it, it stays Missing or OutOfSync, and the root's
 * sync would wait on it for ever, so nothing later under argocd/ would ever be applied.
 */
export const APPLICATION_HEALTH_LUA = [
  'local health = nil',
  'if obj.status ~= nil then health = obj.status.health end',
  'local manual = obj.spec == nil or obj.spec.syncPolicy == nil or obj.spec.syncPolicy.automated == nil',
  'if manual then',
  '  local own = "unknown"',
  '  if health ~= nil and health.status ~= nil then own = health.status end',
  '  return { status = "Healthy", message = "synced by hand, not waited for (its own health: " .. own .. ")" }',
  'end',
  'if health == nil or health.status == nil then',
  '  return { status = "Progressing", message = "waiting for the Application to report its health" }',
  'end',
  'return { status = health.status, message = health.message or "" }',
  '',
].join('\n');
export const APPLICATION_HEALTH_KEY = 'resource.customizations.health.argoproj.io_Application';

/** The OCI Helm repositories (no scheme: Argo CD's form) among the add-ons' charts. */
export function ociRepositories(addOns: readonly PlatformAddOn[]): string[] {
  return [...new Set(addOns.flatMap((a) => (a.chart && !/^https?:\/\//.test(a.chart.repository) ? [a.chart.repository] : [])))].sort();
}

/**
 * Argo CD itself, from its Helm chart, managed by the root Application once `bookstore bootstrap
 * argocd <cluster>` has installed it from this very file: an upgrade is a pull request here.
 */
export default defineHelmAddOn({
  name: 'argo-cd',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  folder: 'argocd',
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
      repositories: Object.fromEntries(ociRepositories(addOns).map((url) => [url.replace(/[^a-z0-9]+/g, '-'), {
        url, name: url, type: 'helm', enableOCI: 'true',
      }])),
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
