import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as argo from '../../../imports/argoproj.io';
import { ociRepositories, type ClusterWorkloads, type PlatformAddOn } from '../addon';
import type { Cluster, Environment } from '../../model';
import { COMMON_LABELS, REGISTRY_NAMESPACE } from '../../model/naming';
import { meshProviderOf } from '../mesh';

import { ARGOCD_NAMESPACE, destinationServer, syncWave, WAVES } from '../../model/argocd-conventions';
import { renderManagedArgoCdConfig } from '../capabilities-argocd';
import { usesCapabilities } from '../capabilities';

export { ARGOCD_NAMESPACE, WAVES };

/** What the platform add-ons need from the `platform` project. */
export interface PlatformSources {
  /** Helm repositories of the add-on charts (Argo CD's form: https URL, or registry/path for OCI). */
  readonly chartRepositories: readonly string[];
  /** Namespaces the add-ons install into. */
  readonly namespaces: readonly string[];
  /** Cluster-scoped kinds the add-ons create (their charts' CRDs, RBAC, webhooks, ENIConfigs...). */
  readonly clusterKinds: ReadonlyArray<{ readonly group: string; readonly kind: string }>;
}

export interface ArgoCdChartProps {
  readonly cluster: Cluster;
  readonly environments: readonly Environment[];
  readonly platform: PlatformSources;
  /** The add-ons that render into this folder (Argo CD itself), with what their values need. */
  readonly addOns: readonly PlatformAddOn[];
  readonly workloads: ClusterWorkloads;
  /** Whether dist/<cluster>/registry/ exists (some service is built into ECR). */
  readonly registry: boolean;
}

/**
 * Everything Argo CD needs for one cluster, Argo CD's own chart included: installed once by
 * `bookstore bootstrap <cluster>` (helm, then `kubectl apply -f dist/<cluster>/argocd/`), from then on managed
 * by its own root Application (app of apps).
 */
export class ArgoCdChart extends Chart {
  private readonly cluster: Cluster;
  private readonly inCluster: string;

  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    super(scope, id, { labels: { ...COMMON_LABELS } });
    const { cluster, environments, addOns, workloads } = props;
    this.cluster = cluster;
    this.inCluster = destinationServer(cluster);
    this.renderProjects(props);
    for (const addOn of addOns) addOn.render(new Construct(this, addOn.name), cluster, workloads);
    // The Argo CD capability: this cluster's registration, the health check, the charts' repositories.
    if (usesCapabilities(cluster)) {
      renderManagedArgoCdConfig(new Construct(this, 'argocd-config'), cluster, ociRepositories(workloads.addOns ?? []));
    }
    this.renderPlatformApplications(props.registry);
    for (const environment of environments) this.renderEnvironmentApplication(environment);
  }

  private source(folder: string) {
    return { repoUrl: this.cluster.repoUrl, targetRevision: this.cluster.targetRevision ?? 'main', path: `dist/${this.cluster.name}/${folder}` };
  }

  /** The two AppProjects: `platform` (the add-ons' charts, namespaces and cluster kinds) and `bookstore` (the environments'). */
  private renderProjects({ cluster, environments, platform, registry }: ArgoCdChartProps): void {
    const projects = new Construct(this, 'projects');
    new argo.AppProject(projects, 'platform', {
      metadata: { name: 'platform', namespace: ARGOCD_NAMESPACE, annotations: syncWave(WAVES.projects) },
      spec: {
        description: `Platform add-ons of ${cluster.name}: controllers, their charts, VPC CNI custom networking`,
        sourceRepos: [cluster.repoUrl, ...platform.chartRepositories],
        destinations: [...new Set([ARGOCD_NAMESPACE, ...platform.namespaces, ...(registry ? [REGISTRY_NAMESPACE] : [])])].map((namespace) => ({
          server: this.inCluster,
          namespace,
        })),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }, ...platform.clusterKinds].map((k) => ({ ...k })),
      },
    });
    new argo.AppProject(projects, 'bookstore', {
      metadata: { name: 'bookstore', namespace: ARGOCD_NAMESPACE, annotations: syncWave(WAVES.projects) },
      spec: {
        description: `Bookstore environments on ${cluster.name}: only this repository, only their namespaces`,
        sourceRepos: [cluster.repoUrl],
        destinations: environments.map((e) => ({ server: this.inCluster, namespace: e.namespace })),
        // Each environment owns its Namespace and its mesh provider's cluster-scoped objects (a Mesh, a ServiceNetwork).
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }, ...environments.flatMap((e) => meshProviderOf(e).clusterKinds)]
          .filter((k, i, all) => all.findIndex((o) => o.group === k.group && o.kind === k.kind) === i)
          .map((k) => ({ ...k })),
      },
    });
  }

  /** The app of apps (this folder, Argo CD itself included), the platform add-ons and the ECR repositories. */
  private renderPlatformApplications(registry: boolean): void {
    this.platformApplication('root', 'argocd', ARGOCD_NAMESPACE);
    this.platformApplication('platform', 'platform', ARGOCD_NAMESPACE, WAVES.platform);
    if (!registry) return;
    // The services' ECR repositories (one per account and region), after the ECR controller, before the environments.
    // Under the ACK capability no controller chart creates their namespace.
    const createNamespace = usesCapabilities(this.cluster) ? ['CreateNamespace=true'] : undefined;
    this.platformApplication('registry', 'registry', REGISTRY_NAMESPACE, WAVES.registry, createNamespace);
  }

  /** `<cluster>-<id>`: an Application of the platform project that syncs dist/<cluster>/<folder>/ automatically, pruning and healing. */
  private platformApplication(id: string, folder: string, namespace: string, wave?: number, syncOptions?: string[]): void {
    new argo.Application(this, id, {
      metadata: { name: `${this.cluster.name}-${id}`, namespace: ARGOCD_NAMESPACE, ...(wave === undefined ? {} : { annotations: syncWave(wave) }) },
      spec: {
        project: 'platform',
        source: this.source(folder),
        destination: { server: this.inCluster, namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, ...(syncOptions ? { syncOptions } : {}), retry: RETRY },
      },
    });
  }

  private renderEnvironmentApplication(environment: Environment): void {
    const { automated, prune, selfHeal } = environment.sync;
    new argo.Application(this, environment.name, {
      metadata: {
        name: `${this.cluster.name}-${environment.name}`,
        namespace: ARGOCD_NAMESPACE,
        annotations: syncWave(WAVES.environments),
        labels: { 'bookstore.example.com/environment': environment.name },
      },
      spec: {
        project: 'bookstore',
        source: this.source(environment.name),
        destination: { server: this.inCluster, namespace: environment.namespace },
        syncPolicy: {
          // Without `automated` Argo CD shows a merged change as OutOfSync and waits for a person.
          automated: automated ? { prune, selfHeal } : undefined,
          syncOptions: ['CreateNamespace=true'],
          retry: RETRY,
        },
      },
    });
  }
}

/** Retry a failed sync 5 times: 10 s, 20 s, 40 s, ... at most 3 min apart (e.g. while a CRD's controller starts). */
const RETRY: argo.ApplicationSpecSyncPolicyRetry = { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } };
