import type { Construct } from 'constructs';
import type { AddOnRole } from './iam';
import type { Cluster, Environment } from './index';
import type { ServiceDefinition } from './service';

/** The EKS Capability that can run an add-on's controller instead of the cluster's nodes (lib/render/capabilities.ts). */
export type CapabilityType = 'ACK' | 'ARGOCD';

/** A Helm chart an add-on installs through an Argo CD Application. */
export interface HelmChart {
  /** Argo CD's repoURL: an https Helm repository, or `registry/path` of an OCI repository (no scheme). */
  readonly repository: string;
  readonly chart: string;
  /** Exact chart version: never a range, so a render is reproducible. */
  readonly version: string;
}

/** What runs on a cluster besides its add-ons: its environments and the Bookstore services in each. */
export interface ClusterWorkloads {
  readonly environments: readonly Environment[];
  readonly services: readonly ServiceDefinition[];
  /** The cluster's add-ons, when rendering (Argo CD's values declare their chart repositories); IRSA roles do not need them. */
  readonly addOns?: readonly PlatformAddOn[];
}

/** The dist/<cluster>/ folder an add-on renders into. */
export type AddOnFolder = 'platform' | 'argocd';

/** One platform add-on: a pure function from cluster facts to the objects in dist/<cluster>/platform/<name>.yaml. */
export interface PlatformAddOn {
  readonly name: string;
  /** The namespace it installs into. */
  readonly namespace: string;
  readonly chart?: HelmChart;
  /** Cluster-scoped kinds it creates; the `platform` AppProject allows exactly these. */
  readonly clusterKinds: readonly ClusterKind[];
  /** Sync wave of its objects inside the platform Application: controllers before users of their CRDs. */
  readonly syncWave: number;
  /**
   * API groups whose CRDs its chart brings: every object of these groups must sync in a later wave
   * (test/waves.test.ts). Empty when the CRDs come from elsewhere (e.g. an EKS add-on eksctl installs).
   */
  readonly crdGroups: readonly string[];
  /**
   * `argocd`: rendered into dist/<cluster>/argocd/ and synced by the root Application (Argo CD
   * itself, installed once by `bookstore bootstrap <cluster>` before the root exists). @default 'platform'
   */
  readonly folder?: AddOnFolder;
  /**
   * The EKS Capability that runs it instead on a cluster with `controllers: 'eks-capabilities'`
   * (lib/render/capabilities.ts): the add-on is then not rendered, and its role's policy goes to the capability's.
   */
  readonly capability?: CapabilityType;
  /** Whether the cluster needs it, from what runs there (a mesh provider's controller, say). @default always */
  appliesTo?(workloads: ClusterWorkloads): boolean;
  /** Git repositories its objects read besides its chart (the `platform` AppProject allows them). */
  readonly sourceRepositories?: readonly string[];
  /** The IAM role of its service account, if it calls AWS. */
  awsRole?(cluster: Cluster, workloads: ClusterWorkloads): AddOnRole;
  render(scope: Construct, cluster: Cluster, workloads: ClusterWorkloads): void;
}

/** A cluster-scoped kind an add-on's chart creates. */
export type ClusterKind = { readonly group: string; readonly kind: string };

/** The cluster RBAC of a controller: what nearly every chart installs. */
export const CLUSTER_RBAC: readonly ClusterKind[] = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
];
/** A controller that brings its own CRDs. */
export const CRDS: ClusterKind = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
/** A controller with admission webhooks. */
export const WEBHOOKS: readonly ClusterKind[] = [
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
];

/**
 * A field of a chart's object that its controller sets at run time (istiod patches its webhooks'
 * `caBundle` and turns their `failurePolicy` to Fail once it serves): without an ignoreDifferences
 * entry, self-heal would put the rendered value back on every sync.
 */
export interface LiveField {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly jqPathExpressions: readonly string[];
}

/**
 * A chart that generates its webhook's certificate with Helm's `genCA` on every render (Argo CD
 * renders without cluster access, so the charts' `lookup` of the existing Secret finds nothing):
 * without this, each new render is a diff and a new certificate. Argo CD keeps the live
 * certificate and the webhooks' `caBundle` instead (ignoreDifferences with RespectIgnoreDifferences),
 * so the pair created by the first sync stays consistent.
 */
export interface WebhookCertificate {
  /** The Secret that holds the certificate (in the release namespace). */
  readonly secret: string;
  readonly mutatingWebhooks?: readonly string[];
  readonly validatingWebhooks?: readonly string[];
}

/** The file below the root each loaded add-on comes from (platform/<name>.ts, or the family's file, e.g. platform/ack.ts). */
const ADD_ON_FILES = new WeakMap<PlatformAddOn, string>();

/** Records where an add-on was declared (the loader does, for every add-on it loads). */
export function declaredIn(addOn: PlatformAddOn, file: string): PlatformAddOn {
  ADD_ON_FILES.set(addOn, file);
  return addOn;
}

/** The file an add-on is declared in: what its loader recorded, else platform/<name>.ts. */
export function addOnFile(addOn: PlatformAddOn): string {
  return ADD_ON_FILES.get(addOn) ?? `platform/${addOn.name}.ts`;
}
