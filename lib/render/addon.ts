import type { Construct } from 'constructs';
import { HelmApplication, type LiveField, type WebhookCertificate } from './constructs/helm-application';
import { destinationServer } from '../model/argocd-conventions';
import { usesPodIdentity, type AddOnRole } from './iam';
import type { CapabilityType } from './capabilities';
import type { Cluster, Environment } from '../model';
import type { ServiceDefinition } from '../model/service';
import { roleArn } from '../model/naming';

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
 * The annotations of an add-on's service account: the IRSA role's ARN, or none (Pod Identity finds
 * the role by the service account's namespace and name).
 */
export function roleAnnotations(irsaRoleArn: string | undefined): Record<string, string> {
  return irsaRoleArn ? { 'eks.amazonaws.com/role-arn': irsaRoleArn } : {};
}

/** The OCI Helm repositories (no scheme: Argo CD's form) among the add-ons' charts: Argo CD must be told each is OCI. */
export function ociRepositories(addOns: readonly PlatformAddOn[]): string[] {
  return [...new Set(addOns.flatMap((a) => (a.chart && !/^https?:\/\//.test(a.chart.repository) ? [a.chart.repository] : [])))].sort();
}

/** Identity function that gives an add-on file its type checking. */
export function defineAddOn(addOn: PlatformAddOn): PlatformAddOn {
  return addOn;
}

export { CUSTOM_RESOURCE_SYNC, SKIP_DRY_RUN, SYNC_OPTIONS } from '../model/argocd-conventions';

/** What a Helm add-on file declares; its render is the Argo CD Application with these values. */
export interface HelmAddOnSpec extends Omit<PlatformAddOn, 'render' | 'chart'> {
  readonly chart: HelmChart;
  /** The webhook certificate its chart generates on every render, which Argo CD must leave as created. */
  readonly webhookCertificate?: WebhookCertificate;
  /** Fields its controller rewrites on live objects, which Argo CD leaves as they are. */
  readonly liveFields?: readonly LiveField[];
  /** Objects rendered beside its Application (a namespace with its Pod Security labels, say). */
  renderExtra?(scope: Construct, cluster: Cluster, workloads: ClusterWorkloads): void;
  /**
   * Helm values computed from cluster facts and the ARN of the add-on's role when its service
   * account is annotated with it (IRSA); undefined for a role reached through Pod Identity, or none.
   */
  values(cluster: Cluster, roleArn: string | undefined, workloads: ClusterWorkloads): Record<string, unknown>;
}

/** An add-on installed from its Helm chart by an Argo CD Application (dist/<cluster>/platform/<name>.yaml). */
export function defineHelmAddOn(spec: HelmAddOnSpec): PlatformAddOn {
  const { values, webhookCertificate, liveFields, renderExtra, ...addOn } = spec;
  return {
    ...addOn,
    render(scope, cluster, workloads) {
      const role = spec.awsRole?.(cluster, workloads);
      new HelmApplication(scope, 'application', {
        name: spec.name,
        namespace: spec.namespace,
        chart: spec.chart,
        syncWave: spec.syncWave,
        server: destinationServer(cluster),
        values: values(cluster, role && !usesPodIdentity(role) ? roleArn(cluster, role.roleName) : undefined, workloads),
        webhookCertificate,
        liveFields,
      });
      renderExtra?.(scope, cluster, workloads);
    },
  };
}
