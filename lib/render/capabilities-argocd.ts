import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-29';
import {
  APPLICATION_HEALTH_KEY,
  APPLICATION_HEALTH_LUA,
  ARGOCD_NAMESPACE,
  destinationServer,
  ociRepositoryEntry,
  syncWave,
  WAVES,
} from '../model/argocd-conventions';
import type { Cluster } from '../model';

/** The label Argo CD finds its declarative Secrets by, and the kinds this repository writes. */
export const ARGOCD_SECRET_TYPE = 'argocd.argoproj.io/secret-type';
/** The keys of those Secrets that name things (never a credential): the policy allows a Secret with only these. */
export const ARGOCD_CONFIG_KEYS: readonly string[] = ['name', 'server', 'url', 'type', 'enableOCI', 'project'];

/** The name a self-run Argo CD gives its own cluster, kept for the capability's registration of it. */
const LOCAL_CLUSTER_NAME = 'in-cluster';

/**
 * What the Argo CD capability needs in its namespace that a self-run Argo CD gets from its chart's
 * values (platform/argo-cd.ts), synced by the root Application like the rest of the folder:
 * - this cluster's registration: the capability does not register its own cluster, and finds it by
 *   its ARN (a Secret labelled as a cluster, no credentials: the capability's role reaches it);
 * - argocd-cm with the Application health check (the capability reads resource.customizations.health.*
 *   from it; Argo CD watches only ConfigMaps labelled part-of argocd);
 * - one repository Secret per OCI chart repository, flagged OCI, no credentials (public charts).
 */
export function renderManagedArgoCdConfig(scope: Construct, cluster: Cluster, ociRepositories: readonly string[]): void {
  const metadata = (name: string, labels: Record<string, string>) => ({
    name,
    namespace: ARGOCD_NAMESPACE,
    labels,
    annotations: syncWave(WAVES.projects),
  });
  new k8s.KubeSecret(scope, 'local-cluster', {
    metadata: metadata(LOCAL_CLUSTER_NAME, { [ARGOCD_SECRET_TYPE]: 'cluster' }),
    stringData: { name: LOCAL_CLUSTER_NAME, server: destinationServer(cluster) },
  });
  new k8s.KubeConfigMap(scope, 'argocd-cm', {
    metadata: metadata('argocd-cm', { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' }),
    data: { [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_LUA },
  });
  for (const { key, fields } of ociRepositories.map(ociRepositoryEntry)) {
    new k8s.KubeSecret(scope, `repository-${key}`, {
      metadata: metadata(`repository-${key}`, { [ARGOCD_SECRET_TYPE]: 'repository' }),
      stringData: { ...fields },
    });
  }
}
