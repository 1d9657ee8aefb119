import * as fs from 'node:fs';
import * as path from 'node:path';
import { pendingCluster, readContext } from './context';
import { sourceLine, UserError } from '../model/errors';
import type { PlatformAddOn } from '../render/addon';
import type { Cluster, ClusterDefinition, Environment } from '../model';
import { MESH_PROVIDERS } from '../render/mesh';
import { publicHost } from '../model/naming';
import { parseOverlay } from './overlay';
import { checkService, checkServices } from './service-check';
import { kubernetesVersions, noSchemaFor } from '../check/validate';
import { SERVICE_FILES, type ServiceDefinition } from '../model/service';

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

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The TypeScript modules of a folder (one thing each), sorted by name. A JavaScript file there is a
 * mistake (a compiled copy, or a file written in the wrong language) that would otherwise be ignored.
 */
function modulesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const entries = fs.readdirSync(dir);
  const script = entries.find((f) => /\.(js|mjs|cjs)$/.test(f));
  if (script) throw new UserError(`${path.basename(dir)}/${script}: the files of ${path.basename(dir)}/ are TypeScript (.ts); rename or remove it`);
  return entries.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts')).sort();
}

function loadDefault<T>(file: string): T {
  const relative = path.relative(path.resolve(file, '..', '..'), file);
  let mod: { default?: T };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(path.resolve(file));
  } catch (err) {
    if (err instanceof UserError) throw err;
    const syntax = err as { code?: string; file?: string; at?: string; text?: string };
    if (syntax.code === 'BOOKSTORE_TS_SYNTAX' && syntax.file === fs.realpathSync(file)) throw new UserError(`${relative}${syntax.at ? `:${syntax.at}` : ''}: ${syntax.text}`);
    // Anything else that stops the file loading (a missing import, an error thrown while it runs, a
    // syntax error in a file it imports) is the user's to fix too: the file and the error's first line.
    const first = String((err as Error).message).split('\n').map((l) => l.trim()).find(Boolean);
    const line = sourceLine(err, fs.realpathSync(file));
    throw new UserError(`${relative}${line ? `:${line}` : ''}: cannot be loaded: ${first ?? String(err)}`);
  }
  if (!mod?.default) throw new UserError(`${relative}: has no default export`);
  return mod.default as T;
}

/** A table's name becomes the Kubernetes object's name too, so it must be a DNS-1123 name; one owner per table. */
function checkTable(service: ServiceDefinition, services: readonly ServiceDefinition[]): void {
  const { table } = service;
  if (!table) return;
  const where = `services/${service.name}.ts: table`;
  // synth runs the service files without type checking: catch the old string form here.
  if (typeof table !== 'object' || typeof table.name !== 'string') throw new UserError(`${where} must be { name: '<table>' } (a bare string is the old form)`);
  if (!NAME.test(table.name) || table.name.length > 50) throw new UserError(`${where} "${table.name}" is not a lower-case DNS-1123 name of at most 50 characters`);
  // Named at the later file (by name order), which is the one that took a table already taken.
  const owner = services.slice(0, services.indexOf(service)).find((other) => other.table?.name === table.name);
  if (owner) throw new UserError(`${where} "${table.name}" is already owned by ${owner.name}`);
  if (table.billing && table.billing !== 'on-demand') {
    const { read, write } = table.billing.provisioned;
    if (![read, write].every((n) => Number.isInteger(n) && n >= 1)) {
      throw new UserError(`${where}: provisioned capacity must be whole numbers of at least 1 (read ${read}, write ${write})`);
    }
  }
}

export function loadServices(root: string): ServiceDefinition[] {
  const services = modulesIn(path.join(root, 'services')).map((file) => {
    const service = loadDefault<unknown>(path.join(root, 'services', file));
    const name = (service as { name?: unknown })?.name;
    if (typeof name === 'string' && `${name}.ts` !== file) throw new UserError(`services/${file}: name: declares service "${name}"; the file must be named ${name}.ts`);
    if (typeof name === 'string' && !NAME.test(name)) throw new UserError(`services/${file}: name: "${name}" is not a DNS-1123 name`);
    const checked = checkService(file, service);
    SERVICE_FILES.set(checked, fs.realpathSync(path.join(root, 'services', file)));
    return checked;
  });
  checkServices(services);
  for (const service of services) checkTable(service, services);
  return services;
}

/**
 * The cluster's Kubernetes version decides the schema its objects are validated against (and the
 * Pod Security labels and eksctl's version): a minor version (`1.35`) with a generated schema.
 */
function checkKubernetesVersion(where: string, version: unknown): void {
  if (typeof version !== 'string' || !/^1\.[1-9]\d*$/.test(version)) {
    throw new UserError(`${where}: kubernetesVersion ${JSON.stringify(version)} is not a Kubernetes minor version such as '1.35'`);
  }
  if (!kubernetesVersions().includes(version)) throw new UserError(`${where}: kubernetesVersion: ${noSchemaFor(version)}`);
  const ended = EKS_ENDED[version] ?? (Number(version.split('.')[1]) < OLDEST_ENDED ? 'before 2026' : undefined);
  if (ended) throw new UserError(`${where}: kubernetesVersion: EKS creates no ${version} cluster (its extended support ended ${ended}); choose one of ${EKS_CREATES.join(', ')}`);
}

/**
 * The Kubernetes versions EKS still creates clusters on, as of 2026-12-06, and when extended support
 * ended for the newest ones it no longer does (EKS user guide, "Understand the Kubernetes version
 * lifecycle on EKS"; ../shared/reference/platform-2026.md). On that day EKS refuses to create a
 * cluster of the version. Renovate's endoflife-date manager proposes moving on as versions age.
 */
const EKS_CREATES = ['1.32', '1.33', '1.34', '1.35', '1.36'];
const EKS_ENDED: Readonly<Record<string, string>> = { '1.29': '2026-03-23', '1.30': '2026-07-23', '1.31': '2026-11-26' };
const OLDEST_ENDED = 29;

/** The names of the clusters in clusters/ (one file each), without loading them. */
export function clusterNames(root: string): string[] {
  return modulesIn(path.join(root, 'clusters')).map((file) => file.slice(0, -'.ts'.length));
}

/** The cluster definitions in clusters/ (with `names`, only those), without their cached account facts. */
export function loadClusterDefinitions(root: string, names?: ReadonlySet<string>): ClusterDefinition[] {
  return modulesIn(path.join(root, 'clusters')).filter((file) => !names || names.has(file.slice(0, -'.ts'.length))).map((file) => {
    const definition = loadDefault<ClusterDefinition>(path.join(root, 'clusters', file));
    if (`${definition.name}.ts` !== file) throw new UserError(`clusters/${file}: declares cluster "${definition.name}"; the file must be named ${definition.name}.ts`);
    checkKubernetesVersion(`clusters/${file}`, definition.kubernetesVersion);
    checkVpcCidr(`clusters/${file}`, definition.vpcCidr);
    checkControllers(`clusters/${file}`, definition);
    return definition;
  });
}

/** A cluster file and what its cache holds: the complete cluster, or what is still missing. */
type LoadedCluster = { readonly cluster: Cluster; readonly missing: readonly string[]; readonly contextFile: string; readonly values: Readonly<Record<string, string>> };

export function loadClusters(root: string, names?: ReadonlySet<string>): LoadedCluster[] {
  return loadClusterDefinitions(root, names).map((definition) => {
    const contextFile = `clusters/${definition.name}.context.json`;
    const contextPath = path.join(root, contextFile);
    let values: Record<string, string> = {};
    if (fs.existsSync(contextPath)) {
      try {
        values = JSON.parse(fs.readFileSync(contextPath, 'utf8'));
      } catch (err) {
        throw new UserError(`${contextFile}: not valid JSON (${(err as Error).message})`);
      }
    }
    const { context, missing } = readContext(definition, values, contextFile);
    // Facts missing are a cluster on its way in; for one already rendered whole they are a mistake,
    // and rendering without them would take its objects out of Git, for Argo CD to prune.
    if (missing.length > 0 && fs.existsSync(path.join(root, 'dist', definition.name, 'argocd'))) {
      throw new UserError(`${contextFile}: missing ${missing.map((m) => definition.ssmPrefix + m).join(', ')} (dist/${definition.name}/ holds the whole cluster: restore them, e.g. \`npm run context -- ${definition.name}\`)`);
    }
    const cluster = missing.length === 0 ? { ...definition, ...context } as Cluster : pendingCluster(definition, context);
    return { cluster, missing, contextFile, values };
  });
}

/**
 * Which overlays a load reads. Absent: every one. `around`: the named environments and the others
 * on their clusters, which is all that rendering those environments' folders reads (a bump: see
 * `renderOverlayChange`); a fleet's bump then does not parse the overlays of 19 other clusters, nor
 * load their cluster files. An overlay whose top-level `cluster:` line names another cluster is left unread.
 */
export interface LoadScope {
  readonly around: readonly string[];
}

/** An overlay's top-level `cluster:` line, as written by hand or by `bookstore`: read without parsing the file. */
const CLUSTER_LINE = /^cluster:[ \t]*(["']?)([a-z0-9]([-a-z0-9]*[a-z0-9])?)\1[ \t]*(#.*)?$/m;

export function loadEnvironments(root: string, services: readonly ServiceDefinition[], clusters: readonly string[], scope?: LoadScope): Environment[] {
  const dir = path.join(root, 'environments');
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  // An overlay with another extension would be left out without a word: its environment would silently not exist.
  const misnamed = entries.find((f) => /\.(yml|json)$/.test(f));
  if (misnamed) throw new UserError(`environments/${misnamed}: overlays end in .yaml; rename it to ${misnamed.replace(/\.(yml|json)$/, '.yaml')}`);
  const files = entries.filter((f) => f.endsWith('.yaml')).sort();
  const parsed = new Map<string, Environment>();
  const parse = (file: string): Environment => {
    let environment = parsed.get(file);
    if (!environment) {
      const name = file.slice(0, -'.yaml'.length);
      const relative = `environments/${file}`;
      if (!NAME.test(name)) throw new UserError(`${relative}: "${name}" is not a DNS-1123 name`);
      environment = parseOverlay(relative, fs.readFileSync(path.join(dir, file), 'utf8'), name, services);
      parsed.set(file, environment);
    }
    return environment;
  };
  let chosen = files;
  // A name that has no overlay loads everything, so that the error about it lists every environment.
  if (scope && scope.around.every((name) => files.includes(`${name}.yaml`))) {
    const around = new Set(scope.around.map((name) => parse(`${name}.yaml`).cluster));
    chosen = files.filter((file) => {
      if (parsed.has(file)) return true;
      const line = CLUSTER_LINE.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
      return !line || around.has(line[2]);
    });
  }
  const environments = chosen.map(parse);
  const seen = new Map<string, string>();
  for (const environment of environments) {
    if (!clusters.includes(environment.cluster)) {
      throw new UserError(`environments/${environment.name}.yaml: cluster "${environment.cluster}" has no file in clusters/ (known: ${clusters.join(', ')})`);
    }
    const key = `${environment.cluster}/${environment.namespace}`;
    const other = seen.get(key);
    if (other) throw new UserError(`environments/${environment.name}.yaml: namespace "${environment.namespace}" on ${environment.cluster} is already used by ${other}`);
    seen.set(key, environment.name);
  }
  return environments;
}

export function loadAddOns(root: string): PlatformAddOn[] {
  return modulesIn(path.join(root, 'platform')).map((file) => {
    const addOn = loadDefault<PlatformAddOn>(path.join(root, 'platform', file));
    if (`${addOn.name}.ts` !== file) throw new UserError(`platform/${file}: declares add-on "${addOn.name}"; the file must be named ${addOn.name}.ts`);
    return addOn;
  });
}

/** The environment of that name, or a UserError listing the known ones. */
export function environmentNamed(project: Project, name: string): Environment {
  const environment = project.environments.find((e) => e.name === name);
  const pending = project.pending.find((p) => p.environments.some((e) => e.name === name));
  if (pending) {
    throw new UserError(`environments/${name}.yaml: its cluster ${pending.cluster.name} has no account facts yet (${pending.contextFile} lacks ${pending.missing.join(', ')}), so nothing of it is rendered: \`npm run context -- ${pending.cluster.name}\` once they are in SSM (docs/clusters.md, "Adding a cluster")`);
  }
  if (!environment) throw new UserError(`unknown environment "${name}" (known: ${project.environments.map((e) => e.name).join(', ')})`);
  return environment;
}

/** A cluster file's VPC range: an IPv4 CIDR eksctl can create (a /16 to /28, as a VPC takes). */
function checkControllers(where: string, definition: ClusterDefinition): void {
  const { controllers, identityCenter } = definition;
  if (controllers !== undefined && controllers !== 'self-managed' && controllers !== 'eks-capabilities') {
    throw new UserError(`${where}: controllers ${JSON.stringify(controllers)} is not self-managed or eks-capabilities`);
  }
  if (controllers !== 'eks-capabilities') {
    if (identityCenter !== undefined) throw new UserError(`${where}: identityCenter is for controllers: 'eks-capabilities' (the managed Argo CD's sign-in); remove it or set controllers`);
    return;
  }
  if (!identityCenter || typeof identityCenter.region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(identityCenter.region) || typeof identityCenter.adminGroup !== 'string' || !identityCenter.adminGroup.trim()) {
    throw new UserError(`${where}: controllers: 'eks-capabilities' needs identityCenter: { region, adminGroup } (the managed Argo CD signs people in with IAM Identity Center; adminGroup is the display name of the group that gets its ADMIN role)`);
  }
}

function checkVpcCidr(where: string, cidr: unknown): void {
  if (cidr === undefined) return;
  const match = typeof cidr === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr) : null;
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const bits = match ? Number(match[5]) : NaN;
  if (!match || octets.some((o) => o > 255) || bits < 16 || bits > 28) {
    throw new UserError(`${where}: vpcCidr ${JSON.stringify(cidr)} is not an IPv4 range a VPC can have (a.b.c.d/16 to /28)`);
  }
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  if (address % 2 ** (32 - bits) !== 0) throw new UserError(`${where}: vpcCidr ${cidr} has host bits set (its network is ${[24, 16, 8, 0].map((s) => Math.floor((address - (address % 2 ** (32 - bits))) / 2 ** s) % 256).join('.')}/${bits})`);
}

/**
 * One public host names one service in one environment: two environments (on one cluster or two)
 * rendering the same host would fight over its DNS record and certificate.
 */
export function checkPublicHosts(clusters: readonly Cluster[], environments: readonly Environment[], services: readonly ServiceDefinition[]): void {
  const seen = new Map<string, string>();
  for (const environment of environments) {
    const cluster = clusters.find((c) => c.name === environment.cluster);
    if (!cluster) continue;
    for (const service of services) {
      const host = publicHost(cluster, environment, service.host);
      const other = seen.get(host);
      if (other) throw new UserError(`environments/${environment.name}.yaml: ${service.name} would be published at ${host}, which ${other} already is (give the environment its own hostSuffix, or its cluster its own base domain)`);
      seen.set(host, `${service.name} in ${environment.name}`);
    }
  }
}

/**
 * Where the cluster file puts a namespace must suit its environment's mesh: a provider whose data
 * plane cannot serve Fargate pods is refused on a Fargate namespace; a namespace is on Fargate or
 * on the spot nodes, not both.
 */
export function checkPlacement(clusters: readonly Cluster[], environments: readonly Environment[]): void {
  for (const cluster of clusters) {
    const where = `clusters/${cluster.name}.ts`;
    const mine = environments.filter((e) => e.cluster === cluster.name);
    const fargate = cluster.fargateNamespaces ?? [];
    const spot = cluster.spotNamespaces ?? [];
    if (mine.length > 0) {
      const unused = fargate.find((n) => !mine.some((e) => e.namespace === n));
      if (unused) throw new UserError(`${where}: fargateNamespaces: no environment on ${cluster.name} uses namespace "${unused}" (its namespaces: ${mine.map((e) => e.namespace).join(', ')}); a Fargate profile for it would select nothing`);
    }
    const both = fargate.filter((n) => spot.includes(n));
    if (both.length > 0) throw new UserError(`${where}: namespace "${both[0]}" is in both fargateNamespaces and spotNamespaces; its pods run on one or the other`);
    for (const environment of mine.filter((e) => fargate.includes(e.namespace))) {
      const refusal = MESH_PROVIDERS[environment.mesh]?.notOnFargate;
      if (refusal) {
        throw new UserError(`${where}: fargateNamespaces: ${environment.namespace} is environment ${environment.name}, whose mesh ${environment.mesh} (environments/${environment.name}.yaml) cannot run on Fargate: ${refusal}; take the namespace off Fargate (spotNamespaces, or the managed nodes) or choose mesh lattice or none`);
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
  const all = environments ?? loadEnvironments(root, services, loaded.map((c) => c.cluster.name));
  checkPlacement(loaded.map((c) => c.cluster), all);
  const complete = loaded.filter((c) => c.missing.length === 0).map((c) => c.cluster);
  const ready = all.filter((e) => complete.some((c) => c.name === e.cluster));
  checkPublicHosts(complete, ready, services);
  const pending = loaded.filter((c) => c.missing.length > 0).map(({ cluster, missing, contextFile }) => (
    { cluster, missing, contextFile, environments: all.filter((e) => e.cluster === cluster.name) }));
  return { root, clusters: complete, services, environments: ready, addOns: loadAddOns(root), pending };
}
