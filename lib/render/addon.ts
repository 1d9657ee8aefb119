import { HelmApplication } from './constructs/helm-application';
import { destinationServer } from '../model/argocd-conventions';
import { usesPodIdentity } from '../model/iam';
import type { Construct } from 'constructs';
import type { ClusterWorkloads, HelmChart, LiveField, PlatformAddOn, WebhookCertificate } from '../model/addon';
import type { Cluster } from '../model';
import { roleArn } from '../model/naming';

// What the add-on files declare with (the types live in lib/model/addon.ts).
export { CLUSTER_RBAC, CRDS, WEBHOOKS, type ClusterWorkloads, type HelmChart, type PlatformAddOn } from '../model/addon';

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

export { CUSTOM_RESOURCE_SYNC, SKIP_DRY_RUN, SYNC_OPTIONS, syncWave } from '../model/argocd-conventions';

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
