import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { ArgoCdChart } from './charts/argocd';
import { EnvironmentChart } from './charts/environment';
import { PlatformChart } from './charts/platform';
import { RegistryChart } from './charts/registry';
import { bootstrapTemplate, podNetworkTemplate } from './bootstrap';
import { eksCapabilities, runsOnNodes } from './capabilities';
import { clusterConfig, addOnRoles } from './cluster-config';
import { checkServiceAccess } from './iam';
import type { PlatformAddOn } from './addon';
import { MissingFact, parametersOf, pendingCluster } from '../load/context';
import type { PendingCluster, Project } from '../load/project';
import type { Cluster, ClusterContext, ClusterDefinition, Environment } from '../model';
import { builtServices, callPolicyOf, type ServiceDefinition } from '../model/service';
import { MESH_PROVIDERS, meshProviderOf, type MeshProvider } from './mesh';
import { publicHost } from '../model/naming';
import { PICTURE_FILE, pictureMarkdown, type PictureFacts } from '../output/picture';

/** One rendered file: its path below dist/ and its objects in order. */
export interface RenderedFile {
  readonly path: string;
  readonly objects: readonly any[];
  /**
   * What checks the objects: the Kubernetes/CRD schemas, or (the one-time bootstrap files: the
   * eksctl ClusterConfig, the CloudFormation template) the TypeScript types that built them.
   */
  readonly schema: 'kubernetes' | 'eksctl' | 'cloudformation';
}

/**
 * Which folders below dist/ a render builds: `<cluster>/<folder>` (a folder is a chart's id, or
 * `cluster` for the eksctl config). Absent: every folder.
 */
export type Folders = ReadonlySet<string> | undefined;

/** The folder an environment renders into: dist/<cluster>/<env>/. */
export const folderOf = (environment: Environment) => `${environment.cluster}/${environment.name}`;

/** The add-ons a cluster runs: a mesh provider's controller only where one of its environments uses it. */
export function addOnsOf(project: Project, cluster: string): PlatformAddOn[] {
  const workloads = { environments: project.environments.filter((e) => e.cluster === cluster), services: project.services };
  const definition = [...project.clusters, ...project.pending.map((p) => p.cluster)].find((c) => c.name === cluster);
  // An add-on an EKS Capability runs instead is not rendered there (lib/render/capabilities.ts).
  return project.addOns.filter((a) => (a.appliesTo?.(workloads) ?? true) && (!definition || runsOnNodes(definition, a)));
}

/**
 * The cdk8s app of each cluster: the Argo CD objects, the platform add-ons and one chart per
 * environment. A chart's id is its folder under dist/<cluster>/. With `folders`, only the charts
 * of those folders are built (a bump renders one environment; see `renderTagChange` in lib/synth.ts).
 */
function buildApps(project: Project, folders?: Folders): Array<{ cluster: string; app: App }> {
  // The add-ons some cluster needs: the platform project allows their sources, namespaces and kinds.
  const used = new Set(project.clusters.flatMap((c) => addOnsOf(project, c.name)));
  const addOns = project.addOns.filter((a) => used.has(a));
  const platform = {
    chartRepositories: [...new Set(addOns.flatMap((a) => [...(a.chart ? [a.chart.repository] : []), ...(a.sourceRepositories ?? [])]))].sort(),
    namespaces: [...new Set(addOns.map((a) => a.namespace))].sort(),
    // Each kind once (the first add-on's entry), by `<group>/<kind>`.
    clusterKinds: [
      ...new Map(
        addOns
          .flatMap((a) => a.clusterKinds)
          .reverse()
          .map((k) => [`${k.group}/${k.kind}`, k]),
      ).entries(),
    ]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, kind]) => kind),
  };
  return project.clusters.map((cluster) => {
    const app = new App();
    const environments = project.environments.filter((e) => e.cluster === cluster.name);
    const clusterAddOns = addOnsOf(project, cluster.name);
    const workloads = { environments, services: project.services, addOns: clusterAddOns };
    // A partial render (a bump) checks the environments it renders; a full synth checks them all.
    checkServiceAccess(cluster, environments, project.services, folders ? environments.filter((e) => folders.has(folderOf(e))) : environments);
    const registry = builtServices(project.services).length > 0;
    // Add a chart through `chart(id, …)`: it is then built only when its folder is asked for.
    const chart = (id: string, make: (id: string) => Chart) => {
      if (!folders || folders.has(`${cluster.name}/${id}`)) make(id);
    };
    chart(
      'argocd',
      (id) => new ArgoCdChart(app, id, { cluster, environments, platform, addOns: clusterAddOns.filter((a) => a.folder === 'argocd'), workloads, registry }),
    );
    if (registry) chart('registry', (id) => new RegistryChart(app, id, { services: project.services }));
    chart('platform', (id) => new PlatformChart(app, id, { cluster, addOns: clusterAddOns, workloads }));
    for (const environment of environments) {
      chart(environment.name, (id) => new EnvironmentChart(app, id, { cluster, environment, services: project.services }));
    }
    return { cluster: cluster.name, app };
  });
}

function apiObjectsOf(construct: IConstruct): ApiObject[] {
  return construct.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
}

/**
 * Renders the project into files: dist/<cluster>/<chart id>/<top-level construct id>.yaml, so
 * that a change to one service touches that service's file only.
 */
export function renderProject(project: Project, folders?: Folders): RenderedFile[] {
  const files: RenderedFile[] = [];
  const wanted = (cluster: string, folder: string) => !folders || folders.has(`${cluster}/${folder}`);
  for (const { cluster, app } of buildApps(project, folders)) {
    for (const chart of app.charts as Chart[]) {
      // A chart added without `chart(id, …)` is built anyway; what it renders is still left out here.
      if (!wanted(cluster, chart.node.id)) continue;
      for (const child of chart.node.children) {
        const objects = apiObjectsOf(child).map((o) => o.toJson());
        if (objects.length > 0) files.push({ path: `${cluster}/${chart.node.id}/${child.node.id}.yaml`, objects, schema: 'kubernetes' });
      }
    }
  }
  for (const cluster of project.clusters) {
    if (wanted(cluster.name, 'cluster')) files.push(...clusterFiles(project, cluster, project.environments));
  }
  for (const pending of project.pending) {
    if (wanted(pending.cluster.name, 'cluster')) files.push(...pendingClusterFiles(project, pending).files);
  }
  return files;
}

/** dist/<cluster>/cluster/: the eksctl config and the bootstrap template, applied by a person. */
function clusterFiles(project: Project, cluster: Cluster, all: readonly Environment[]): RenderedFile[] {
  const environments = all.filter((e) => e.cluster === cluster.name);
  const roles = addOnRoles(
    cluster,
    environments,
    project.services,
    project.addOns.filter((a) => runsOnNodes(cluster, a)),
  );
  // The ACK add-ons' roles, where the ACK capability runs their controllers under one role.
  const workloads = { environments, services: project.services };
  const ack = project.addOns
    .filter((a) => a.capability === 'ACK' && !runsOnNodes(cluster, a) && (a.appliesTo?.(workloads) ?? true) && a.awsRole)
    .map((a) => ({ addOn: a.name, role: a.awsRole!(cluster, workloads) }));
  // A JSON round trip unshares repeated values, which YAML would otherwise print as anchors and aliases.
  const config = JSON.parse(JSON.stringify(clusterConfig(cluster, roles, eksCapabilities(cluster, ack))));
  const prerequisites = Object.values(MESH_PROVIDERS).flatMap((provider) => {
    const using = environments.filter((e) => meshProviderOf(e) === provider);
    return using.length > 0 && provider.accountPrerequisites ? [provider.accountPrerequisites(cluster, using, project.services)] : [];
  });
  const template = JSON.parse(JSON.stringify(bootstrapTemplate(cluster, environments, prerequisites)));
  return [
    { path: `${cluster.name}/cluster/cluster.yaml`, objects: [config], schema: 'eksctl' },
    { path: `${cluster.name}/cluster/bootstrap.yaml`, objects: [template], schema: 'cloudformation' },
    { path: `${cluster.name}/cluster/pod-network.yaml`, objects: [JSON.parse(JSON.stringify(podNetworkTemplate(cluster)))], schema: 'cloudformation' },
  ];
}

/** Stand-ins of the right shape for facts a pending cluster lacks: only to find out what a render reads, never written. */
const STAND_INS: Readonly<Record<keyof ClusterContext, (cluster: ClusterDefinition) => unknown>> = {
  accountId: () => '000000000000',
  baseDomain: () => 'example.invalid',
  certificateArn: (c) => `arn:aws:acm:${c.region}:000000000000:certificate/0`,
  hostedZoneId: () => 'Z0',
  oidcIssuer: (c) => `oidc.eks.${c.region}.amazonaws.com/id/0`,
  podSubnets: (c) => Object.fromEntries(c.availabilityZones.map((az) => [az, 'subnet-0'])),
  securityGroupIds: () => ['sg-0'],
  vpcId: () => 'vpc-0',
  identityCenterInstanceArn: () => 'arn:aws:sso:::instance/ssoins-0000000000000000',
  argocdAdminGroupId: () => '00000000-0000-0000-0000-000000000000',
};

/**
 * A pending cluster's dist/<cluster>/cluster/ (what eksctl needs to create it), when its facts
 * allow it; else no files, and `needs`: the parameters that render reads and the cache lacks.
 */
export function pendingClusterFiles(project: Project, pending: PendingCluster): { files: RenderedFile[]; needs: string[] } {
  const definition = { ...pending.cluster } as ClusterDefinition;
  const assumed: Partial<Record<keyof ClusterContext, unknown>> = {};
  for (;;) {
    try {
      const files = clusterFiles(project, pendingCluster(definition, {}, assumed as Partial<ClusterContext>), pending.environments);
      const needs = (Object.keys(assumed) as (keyof ClusterContext)[]).flatMap((fact) => parametersOf(definition, fact));
      return needs.length === 0 ? { files, needs } : { files: [], needs };
    } catch (err) {
      if (!(err instanceof MissingFact) || err.fact in assumed) throw err;
      assumed[err.fact] = STAND_INS[err.fact](definition);
    }
  }
}

export const HEADER = '# Rendered by `npm run synth` from the sources of this repository. Do not edit: change the sources and re-render.\n';

export function toYaml(file: RenderedFile): string {
  return HEADER + Yaml.stringify(...file.objects);
}

/** The facts the picture of one environment shows, from the same project the objects are rendered from. */
export function pictureFacts(project: Project, environment: Environment): PictureFacts {
  const cluster = project.clusters.find((c) => c.name === environment.cluster)!;
  const byName = new Map(project.services.map((s) => [s.name, s]));
  return {
    cluster,
    environment,
    services: project.services,
    hostOf: (name) => publicHost(cluster, environment, byName.get(name)!.host),
    callLabel: (backend) => callLabel(meshProviderOf(environment).enforces, backend),
  };
}

/** What a call to `backend` gets from the provider: the declared retries and timeout it enforces, or that it enforces none. */
function callLabel(enforces: MeshProvider['enforces'], backend: ServiceDefinition): string {
  const { retries, requestTimeoutSeconds } = callPolicyOf(backend);
  const parts = [
    ...(enforces.retries && retries.count > 0 ? [`retries ${retries.count} × ${retries.perTryTimeoutMs / 1000} s`] : []),
    ...(enforces['request timeout'] && requestTimeoutSeconds > 0 ? [`timeout ${requestTimeoutSeconds} s`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'no retries, no timeout';
}

/**
 * dist/<cluster>/<env>/README.md of the environments whose folder is rendered (`folders`; absent:
 * every one): its picture (Markdown, not an object: Argo CD ignores it).
 */
export function renderPictures(project: Project, folders?: Folders): Map<string, string> {
  const environments = project.environments.filter((e) => !folders || folders.has(folderOf(e)));
  return new Map(environments.map((e) => [`${folderOf(e)}/${PICTURE_FILE}`, pictureMarkdown(pictureFacts(project, e))]));
}
