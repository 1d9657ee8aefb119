import type { Construct } from 'constructs';
import type { Cluster } from './model';

/** A Helm chart an add-on installs through an Argo CD Application. */
export interface HelmChart {
  /** Argo CD's repoURL: an https Helm repository, or `registry/path` of an OCI repository (no scheme). */
  readonly repository: string;
  readonly chart: string;
  /** Exact chart version: never a range, so a render is reproducible. */
  readonly version: string;
}

/** One platform add-on: a pure function from cluster facts to the objects in dist/<cluster>/platform/<name>.yaml. */
export interface PlatformAddOn {
  readonly name: string;
  /** The namespace it installs into. */
  readonly namespace: string;
  readonly chart?: HelmChart;
  /** Cluster-scoped kinds it creates; the `platform` AppProject allows exactly these. */
  readonly clusterKinds: ReadonlyArray<{ readonly group: string; readonly kind: string }>;
  render(scope: Construct, cluster: Cluster): void;
}

/** Identity function that gives an add-on file its type checking. */
export function defineAddOn(addOn: PlatformAddOn): PlatformAddOn {
  return addOn;
}

/** Argo CD annotations of a custom resource whose CRD a controller of the same sync installs. */
export const CUSTOM_RESOURCE_SYNC = { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' } as const;
