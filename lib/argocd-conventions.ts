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

/** Argo CD annotations of a custom resource whose CRD a controller of the same sync installs. */
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Apply a custom resource even while its CRD is missing at dry-run (the controller brings it). */
export const SKIP_DRY_RUN = 'SkipDryRunOnMissingResource=true';
export const CUSTOM_RESOURCE_SYNC = { [SYNC_OPTIONS]: SKIP_DRY_RUN } as const;
