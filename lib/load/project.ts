import * as path from 'node:path';
import { declaredIn, type PlatformAddOn } from '../model/addon';
import type { Cluster, Environment } from '../model';
import { UserError } from '../model/errors';
import { publicHost } from '../model/naming';
import type { ServiceDefinition } from '../model/service';
import { MESH_PROVIDERS } from '../render/mesh';
import { clusterNames, loadClusters } from './clusters';
import { loadEnvironments, type LoadScope } from './environments';
import { loadDefault, modulesIn } from './modules';
import { loadServices } from './services';

export { clusterNames, loadClusterDefinitions, loadClusters, type LoadedCluster } from './clusters';
export { loadEnvironments, type LoadScope } from './environments';
export { loadServices } from './services';

/** Everything synth renders from: read once at the edge, then passed down as props. */
export interface Project {
  readonly root: string;
  readonly clusters: readonly Cluster[];
  readonly services: readonly ServiceDefinition[];
  readonly environments: readonly Environment[];
  readonly addOns: readonly PlatformAddOn[];
  /**
   * The clusters whose account facts are not all cached yet (a cluster being added): none of their
   * environments is in `environments`, and of what they render only what their facts allow is
   * written (dist/<cluster>/cluster/, for eksctl, once the account's own facts are there).
   */
  readonly pending: readonly PendingCluster[];
}

/** A cluster file whose clusters/<cluster>.context.json is missing or lacks some facts. */
export interface PendingCluster {
  /** The cluster with the facts there are; reading a missing one throws MissingFact (lib/load/context.ts). */
  readonly cluster: Cluster;
  readonly contextFile: string;
  /** The parameters (names below the cluster's SSM prefix) not there yet. */
  readonly missing: readonly string[];
  /** Its environments, loaded and checked like the others, rendered once the facts are there. */
  readonly environments: readonly Environment[];
}

/**
 * The add-on files of platform/: one add-on each, named by its file (`external-dns.ts` declares
 * `external-dns`), or a family of them as a list, each named after the file (`ack.ts` declares
 * `ack-iam`, `ack-dynamodb`, …).
 */
export function loadAddOns(root: string): PlatformAddOn[] {
  const addOns = modulesIn(path.join(root, 'platform')).flatMap((file) => {
    const declared = loadDefault<PlatformAddOn | PlatformAddOn[]>(path.join(root, 'platform', file));
    const stem = file.slice(0, -'.ts'.length);
    if (!Array.isArray(declared)) {
      if (declared.name !== stem) throw new UserError(`platform/${file}: declares add-on "${declared.name}"; the file must be named ${declared.name}.ts`);
      return [declaredIn(declared, `platform/${file}`)];
    }
    if (declared.length === 0) throw new UserError(`platform/${file}: declares an empty list of add-ons`);
    const stray = declared.find((a) => !a?.name?.startsWith(`${stem}-`));
    if (stray)
      throw new UserError(`platform/${file}: declares add-on "${stray?.name}" in its list; each add-on of platform/${file} must be named ${stem}-<name>`);
    return declared.map((addOn) => declaredIn(addOn, `platform/${file}`));
  });
  const names = addOns.map((a) => a.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new UserError(`platform/: add-on "${twice}" is declared twice`);
  return addOns;
}

/** The environment of that name, or a UserError listing the known ones. */
export function environmentNamed(project: Project, name: string): Environment {
  const environment = project.environments.find((e) => e.name === name);
  const pending = project.pending.find((p) => p.environments.some((e) => e.name === name));
  if (pending) {
    throw new UserError(
      `environments/${name}.yaml: its cluster ${pending.cluster.name} has no account facts yet (${pending.contextFile} lacks ${pending.missing.join(', ')}), so nothing of it is rendered: \`npm run context -- ${pending.cluster.name}\` once they are in SSM (docs/clusters.md, "Adding a cluster")`,
    );
  }
  if (!environment) throw new UserError(`unknown environment "${name}" (known: ${project.environments.map((e) => e.name).join(', ')})`);
  return environment;
}

/**
 * One public host names one service in one environment: two environments (on one cluster or two)
 * rendering the same host would fight over its DNS record and certificate.
 */
function checkPublicHosts(clusters: readonly Cluster[], environments: readonly Environment[], services: readonly ServiceDefinition[]): void {
  const seen = new Map<string, string>();
  for (const environment of environments) {
    const cluster = clusters.find((c) => c.name === environment.cluster);
    if (!cluster) continue;
    for (const service of services) {
      const host = publicHost(cluster, environment, service.host);
      const other = seen.get(host);
      if (other)
        throw new UserError(
          `environments/${environment.name}.yaml: ${service.name} would be published at ${host}, which ${other} already is (give the environment its own hostSuffix, or its cluster its own base domain)`,
        );
      seen.set(host, `${service.name} in ${environment.name}`);
    }
  }
}

/**
 * Where the cluster file puts a namespace must suit its environment's mesh: a provider whose data
 * plane cannot serve Fargate pods is refused on a Fargate namespace; a namespace is on Fargate or
 * on the spot nodes, not both.
 */
function checkPlacement(clusters: readonly Cluster[], environments: readonly Environment[]): void {
  for (const cluster of clusters) {
    const where = `clusters/${cluster.name}.ts`;
    const mine = environments.filter((e) => e.cluster === cluster.name);
    const fargate = cluster.fargateNamespaces ?? [];
    const spot = cluster.spotNamespaces ?? [];
    if (mine.length > 0) {
      const unused = fargate.find((n) => !mine.some((e) => e.namespace === n));
      if (unused)
        throw new UserError(
          `${where}: fargateNamespaces: no environment on ${cluster.name} uses namespace "${unused}" (its namespaces: ${mine.map((e) => e.namespace).join(', ')}); a Fargate profile for it would select nothing`,
        );
    }
    const both = fargate.filter((n) => spot.includes(n));
    if (both.length > 0)
      throw new UserError(`${where}: namespace "${both[0]}" is in both fargateNamespaces and spotNamespaces; its pods run on one or the other`);
    for (const environment of mine.filter((e) => fargate.includes(e.namespace))) {
      const refusal = MESH_PROVIDERS[environment.mesh]?.notOnFargate;
      if (refusal) {
        throw new UserError(
          `${where}: fargateNamespaces: ${environment.namespace} is environment ${environment.name}, whose mesh ${environment.mesh} (environments/${environment.name}.yaml) cannot run on Fargate: ${refusal}; take the namespace off Fargate (spotNamespaces, or the managed nodes) or choose mesh lattice or none`,
        );
      }
    }
  }
}

/**
 * Reads the project below `root` (with `scope`, only the overlays it names and the files of their
 * clusters: see LoadScope). Throws a UserError naming the file at the first problem.
 */
export function loadProject(root: string, scope?: LoadScope): Project {
  const services = loadServices(root);
  // Scoped: the clusters the chosen overlays run on are the only cluster files loaded.
  const environments = scope ? loadEnvironments(root, services, clusterNames(root), scope) : undefined;
  const loaded = loadClusters(root, environments && new Set(environments.map((e) => e.cluster)));
  const all =
    environments ??
    loadEnvironments(
      root,
      services,
      loaded.map((c) => c.cluster.name),
    );
  checkPlacement(
    loaded.map((c) => c.cluster),
    all,
  );
  const complete = loaded.filter((c) => c.missing.length === 0).map((c) => c.cluster);
  const ready = all.filter((e) => complete.some((c) => c.name === e.cluster));
  checkPublicHosts(complete, ready, services);
  const pending = loaded
    .filter((c) => c.missing.length > 0)
    .map(({ cluster, missing, contextFile }) => ({ cluster, missing, contextFile, environments: all.filter((e) => e.cluster === cluster.name) }));
  return { root, clusters: complete, services, environments: ready, addOns: loadAddOns(root), pending };
}
