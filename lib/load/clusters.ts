import * as fs from 'node:fs';
import * as path from 'node:path';
import { kubernetesVersions, noSchemaFor } from '../check/validate';
import type { Cluster, ClusterDefinition } from '../model';
import { UserError } from '../model/errors';
import { pendingCluster, readContext } from './context';
import { loadDefault, modulesIn } from './modules';

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
  if (ended)
    throw new UserError(
      `${where}: kubernetesVersion: EKS creates no ${version} cluster (its extended support ended ${ended}); choose one of ${EKS_CREATES.join(', ')}`,
    );
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
  return modulesIn(path.join(root, 'clusters'))
    .filter((file) => !names || names.has(file.slice(0, -'.ts'.length)))
    .map((file) => {
      const definition = loadDefault<ClusterDefinition>(path.join(root, 'clusters', file));
      if (`${definition.name}.ts` !== file)
        throw new UserError(`clusters/${file}: declares cluster "${definition.name}"; the file must be named ${definition.name}.ts`);
      checkKubernetesVersion(`clusters/${file}`, definition.kubernetesVersion);
      checkVpcCidr(`clusters/${file}`, definition.vpcCidr);
      checkControllers(`clusters/${file}`, definition);
      return definition;
    });
}

/** A cluster file and what its cache holds: the complete cluster, or what is still missing. */
export type LoadedCluster = {
  readonly cluster: Cluster;
  readonly missing: readonly string[];
  readonly contextFile: string;
  readonly values: Readonly<Record<string, string>>;
};

/** The cluster files with their cached account facts (clusters/<name>.context.json). */
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
      throw new UserError(
        `${contextFile}: missing ${missing.map((m) => definition.ssmPrefix + m).join(', ')} (dist/${definition.name}/ holds the whole cluster: restore them, e.g. \`npm run context -- ${definition.name}\`)`,
      );
    }
    const cluster = missing.length === 0 ? ({ ...definition, ...context } as Cluster) : pendingCluster(definition, context);
    return { cluster, missing, contextFile, values };
  });
}

/** A cluster file's `controllers` and, for EKS Capabilities, the Identity Center its Argo CD signs in with. */
function checkControllers(where: string, definition: ClusterDefinition): void {
  const { controllers, identityCenter } = definition;
  if (controllers !== undefined && controllers !== 'self-managed' && controllers !== 'eks-capabilities') {
    throw new UserError(`${where}: controllers ${JSON.stringify(controllers)} is not self-managed or eks-capabilities`);
  }
  if (controllers !== 'eks-capabilities') {
    if (identityCenter !== undefined)
      throw new UserError(`${where}: identityCenter is for controllers: 'eks-capabilities' (the managed Argo CD's sign-in); remove it or set controllers`);
    return;
  }
  if (
    !identityCenter ||
    typeof identityCenter.region !== 'string' ||
    !/^[a-z]{2}(-[a-z]+)+-\d$/.test(identityCenter.region) ||
    typeof identityCenter.adminGroup !== 'string' ||
    !identityCenter.adminGroup.trim()
  ) {
    throw new UserError(
      `${where}: controllers: 'eks-capabilities' needs identityCenter: { region, adminGroup } (the managed Argo CD signs people in with IAM Identity Center; adminGroup is the display name of the group that gets its ADMIN role)`,
    );
  }
}

/** A cluster file's VPC range: an IPv4 CIDR eksctl can create (a /16 to /28, as a VPC takes). */
function checkVpcCidr(where: string, cidr: unknown): void {
  if (cidr === undefined) return;
  const match = typeof cidr === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr) : null;
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const bits = match ? Number(match[5]) : NaN;
  if (!match || octets.some((o) => o > 255) || bits < 16 || bits > 28) {
    throw new UserError(`${where}: vpcCidr ${JSON.stringify(cidr)} is not an IPv4 range a VPC can have (a.b.c.d/16 to /28)`);
  }
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  if (address % 2 ** (32 - bits) !== 0)
    throw new UserError(
      `${where}: vpcCidr ${cidr} has host bits set (its network is ${[24, 16, 8, 0].map((s) => Math.floor((address - (address % 2 ** (32 - bits))) / 2 ** s) % 256).join('.')}/${bits})`,
    );
}
