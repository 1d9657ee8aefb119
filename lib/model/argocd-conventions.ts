/**
 * Argo CD's names and annotations every part of the render uses: a leaf module (it imports
 * nothing), so the add-ons, the charts and the mesh providers can share them without importing
 * each other (test/imports.test.ts holds the graph free of cycles).
 */

/** Where Argo CD itself runs; its Applications and AppProjects live here. */
export const ARGOCD_NAMESPACE = 'argocd';

/**
 * Sync waves of what the root app syncs: projects, Argo CD itself, then the platform, then the
 * registry (ECR repositories), then the environments. Argo CD's Application health check makes each
 * wave wait for the one before to be healthy.
 */
export const WAVES = { projects: -10, argocd: -5, platform: 0, registry: 5, environments: 10 } as const;

/** Argo CD's sync-wave annotation: lower waves are applied, and healthy, before higher ones start. */
export function syncWave(wave: number): { readonly 'argocd.argoproj.io/sync-wave': string } {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}

/** Argo CD annotations of a custom resource whose CRD a controller of the same sync installs. */
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Apply a custom resource even while its CRD is missing at dry-run (the controller brings it). */
export const SKIP_DRY_RUN = 'SkipDryRunOnMissingResource=true';
export const CUSTOM_RESOURCE_SYNC = { [SYNC_OPTIONS]: SKIP_DRY_RUN } as const;

/** The local cluster as a self-run Argo CD names it. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * Where an Application on this cluster deploys to: the in-cluster API for a self-run Argo CD; the
 * cluster's ARN for the EKS Capability, which does not take kubernetes.default.svc and finds a
 * cluster by the ARN of its registration Secret (lib/render/capabilities.ts).
 */
export function destinationServer(cluster: {
  readonly controllers?: string;
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
}): string {
  return cluster.controllers === 'eks-capabilities' ? `arn:aws:eks:${cluster.region}:${cluster.accountId}:cluster/${cluster.name}` : IN_CLUSTER;
}

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

/**
 * A public OCI Helm repository as Argo CD declares it: the key of its entry (the chart's
 * `configs.repositories`, or the name of its repository Secret) and its fields, with no credentials.
 */
export function ociRepositoryEntry(url: string): { readonly key: string; readonly fields: Readonly<Record<string, string>> } {
  return { key: url.replace(/[^a-z0-9]+/g, '-'), fields: { url, name: url, type: 'helm', enableOCI: 'true' } };
}
