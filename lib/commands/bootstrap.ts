import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { bootstrapStackName, POD_CIDR, podNetworkStackName, routeTableParameter, VPC_PARAMETER } from '../render/bootstrap';
import { usesCapabilities } from '../render/capabilities';
import { parameterSpecs, type ParameterSpec } from '../load/context';
import { UserError } from '../model/errors';
import { loadClusters } from '../load/project';
import { LATTICE_CIDRS, LATTICE_PREFIX_LIST_PARAMETER, latticePrefixListName } from '../render/mesh/lattice';
import type { ClusterDefinition } from '../model';
import { gatherFacts, podSubnetsIn } from './account-facts';
import { parseArgs } from './args';
import type { CommandOptions } from './bump';
import { cloudFormationDeploy, commandLine, Operator } from './operator';
import { USAGES } from './usage';

export const USAGE = USAGES.bootstrap;
/** The file of dist/<cluster>/argocd/ that holds Argo CD's own Application (platform/argo-cd.ts). */
const ARGOCD_APPLICATION_FILE = 'argo-cd.yaml';

/** What `helm upgrade --install` needs, read from the rendered Application. */
export interface HelmInstall {
  readonly release: string;
  readonly namespace: string;
  /** `--repo URL chart`, or `oci://registry/path/chart` for an OCI repository. */
  readonly chartArgs: readonly string[];
  readonly version: string;
  readonly values: unknown;
}

/** Reads Argo CD's Application from dist/<cluster>/argocd/argo-cd.yaml: the same chart, version and values Argo CD will keep. */
function readArgoCdInstall(root: string, cluster: string): HelmInstall {
  const relative = `dist/${cluster}/argocd/${ARGOCD_APPLICATION_FILE}`;
  const file = path.join(root, relative);
  if (!fs.existsSync(file)) throw new UserError(`${relative} not found: is "${cluster}" a cluster, and was \`npm run synth\` run?`);
  const app = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .find((o) => o?.kind === 'Application');
  const source = app?.spec?.source;
  if (!source?.chart || !source.repoURL || !source.targetRevision) throw new UserError(`${relative}: no Application with a Helm chart source`);
  const oci = !/^https?:\/\//.test(source.repoURL);
  return {
    release: source.helm?.releaseName ?? app.metadata.name,
    namespace: app.spec.destination.namespace,
    chartArgs: oci ? [`oci://${source.repoURL}/${source.chart}`] : [source.chart, '--repo', source.repoURL],
    version: source.targetRevision,
    values: source.helm?.valuesObject ?? {},
  };
}

/** The helm command line for an install, with the values file it reads. */
function helmArgs(install: HelmInstall, valuesFile: string): string[] {
  return [
    'upgrade',
    '--install',
    install.release,
    ...install.chartArgs,
    '--version',
    install.version,
    '--namespace',
    install.namespace,
    '--create-namespace',
    '--values',
    valuesFile,
    '--wait',
  ];
}

/** The files of dist/<cluster>/ the steps apply. */
export function bootstrapFiles(cluster: string) {
  return {
    config: `dist/${cluster}/cluster/cluster.yaml`,
    stack: `dist/${cluster}/cluster/bootstrap.yaml`,
    podNetwork: `dist/${cluster}/cluster/pod-network.yaml`,
    eniConfigs: `dist/${cluster}/platform/vpc-cni.yaml`,
    argocd: `dist/${cluster}/argocd/`,
  };
}

function need(root: string, file: string, why: string): void {
  if (!fs.existsSync(path.join(root, file))) throw new UserError(`${file} not found: run \`npm run synth\` and commit (${why})`);
}

/** What a run stopped for: the facts it wrote to SSM must be cached and rendered before the next steps. */
function waitForRender(cluster: string, written: readonly string[], dryRun: boolean): string {
  const what = dryRun ? `would write ${written.length} parameters` : `wrote ${written.length} parameters`;
  return `bootstrap: ${what} under the cluster's SSM prefix; next: \`npm run context -- ${cluster}\`, \`npm run synth\`, commit, then \`bookstore bootstrap ${cluster}\` again`;
}

/**
 * The cluster with VPC CNI custom networking comes up without a deadlock: its nodes' pods take their
 * IPs from the ENIConfig of the node's zone, and without one they get none, so CoreDNS and Argo CD
 * (which would sync the ENIConfigs) never start. So: the cluster without node groups, its
 * ENIConfigs (the objects of dist/<cluster>/platform/vpc-cni.yaml, which Argo CD adopts later),
 * then the node groups (the order of the EKS user guide's custom networking tutorial).
 */
function createCluster(op: Operator, definition: ClusterDefinition, files: ReturnType<typeof bootstrapFiles>): void {
  const create = ['create', 'cluster', '-f', files.config, '--without-nodegroup'];
  if (!op.finds('eksctl', ['get', 'cluster', '--name', definition.name, '--region', definition.region], commandLine('eksctl', create))) {
    op.run('eksctl', create, 'the control plane, VPC, OIDC, add-ons and their roles; no nodes yet');
  }
}

function createNodes(op: Operator, files: ReturnType<typeof bootstrapFiles>): void {
  op.run('kubectl', ['apply', '-f', files.eniConfigs], 'the ENIConfigs, before any node joins (custom networking gives pods no IP without them)');
  // eksctl leaves out the node groups that exist.
  op.run('eksctl', ['create', 'nodegroup', '-f', files.config], 'the node groups, whose pods now get IPs from the pod subnets');
}

/** The tag eksctl puts on the private subnets of the VPC it creates (the internal load balancers' subnets). */
const PRIVATE_SUBNET_TAG = 'kubernetes.io/role/internal-elb';

/**
 * The pods' secondary CIDR and subnets (dist/<cluster>/cluster/pod-network.yaml), where the VPC eksctl
 * made lacks a pod subnet in some zone: each routed like eksctl's private subnet of its zone, whose
 * route table is looked up. Skipped where every zone has one (the course's stack made them, say).
 */
function ensurePodNetwork(op: Operator, definition: ClusterDefinition, file: string): void {
  const described = op.read(
    'aws',
    ['eks', 'describe-cluster', '--region', definition.region, '--name', definition.name, '--output', 'json'],
    "the cluster's VPC",
  );
  const vpcId = op.dryRun ? '<vpc-id>' : described?.cluster?.resourcesVpcConfig?.vpcId;
  const vpc = ['--filters', `Name=vpc-id,Values=${vpcId}`, '--output', 'json'];
  const subnets = op.read('aws', ['ec2', 'describe-subnets', '--region', definition.region, ...vpc], 'its subnets: a pod subnet in each zone already?');
  if (!op.dryRun && [...podSubnetsIn(subnets, definition.availabilityZones).values()].every((ids) => ids.length > 0)) {
    op.log(`bootstrap: already done (every zone of ${vpcId} has a subnet of ${POD_CIDR}): the pod network stack skipped`);
    return;
  }
  const tables = op.read('aws', ['ec2', 'describe-route-tables', '--region', definition.region, ...vpc], "the route table of each zone's private subnet");
  const routeTables = definition.availabilityZones.map((az) => {
    if (op.dryRun) return `${routeTableParameter(az)}=<route table of the private subnet in ${az}>`;
    const privateSubnet = (subnets?.Subnets ?? []).find((s: any) => s.AvailabilityZone === az && (s.Tags ?? []).some((t: any) => t.Key === PRIVATE_SUBNET_TAG));
    const table = (tables?.RouteTables ?? []).find((t: any) => (t.Associations ?? []).some((a: any) => a.SubnetId === privateSubnet?.SubnetId));
    if (!table)
      throw new UserError(
        `bootstrap ${definition.name}: no private subnet (tag ${PRIVATE_SUBNET_TAG}) with a route table in ${az} of ${vpcId}, to route its pod subnet like it; nothing was changed`,
      );
    return `${routeTableParameter(az)}=${table.RouteTableId}`;
  });
  cloudFormationDeploy(
    op,
    definition,
    podNetworkStackName(definition),
    file,
    [`${VPC_PARAMETER}=${vpcId}`, ...routeTables],
    [],
    `the pods' secondary CIDR ${POD_CIDR} and a subnet of it per zone`,
  );
}

/**
 * The bootstrap stack (the service roles' permissions boundary, the meshes' account prerequisites):
 * `aws cloudformation deploy` changes what differs and nothing when nothing does. Where the template
 * takes VPC Lattice's prefix list, it is looked up by name, and its entries are checked against the
 * ranges the NetworkPolicies admit, which cannot name a prefix list.
 */
function deployStack(op: Operator, definition: ClusterDefinition, file: string, root: string): void {
  const template = YAML.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  const overrides: string[] = [];
  if (template?.Parameters?.[LATTICE_PREFIX_LIST_PARAMETER]) {
    const name = latticePrefixListName(definition.region);
    const lists = op.read(
      'aws',
      ['ec2', 'describe-managed-prefix-lists', '--region', definition.region, '--filters', `Name=prefix-list-name,Values=${name}`, '--output', 'json'],
      `the id of ${name}`,
    );
    const id = op.dryRun ? '<prefix-list-id>' : lists?.PrefixLists?.[0]?.PrefixListId;
    if (!id)
      throw new UserError(
        `bootstrap ${definition.name}: EC2 in ${definition.region} has no managed prefix list ${name}: is VPC Lattice offered there? nothing was changed`,
      );
    const entries = op.read(
      'aws',
      ['ec2', 'get-managed-prefix-list-entries', '--region', definition.region, '--prefix-list-id', id, '--output', 'json'],
      'its ranges, which the NetworkPolicies must admit',
    );
    const unknown = (entries?.Entries ?? []).map((e: any) => e.Cidr).filter((cidr: string) => !(LATTICE_CIDRS as readonly string[]).includes(cidr));
    if (unknown.length > 0) {
      throw new UserError(
        `bootstrap ${definition.name}: ${name} (${id}) holds ${unknown.join(', ')}, which the NetworkPolicies do not admit: add it to LATTICE_CIDRS in lib/render/mesh/lattice.ts, synth and commit; nothing was changed`,
      );
    }
    overrides.push(`${LATTICE_PREFIX_LIST_PARAMETER}=${id}`);
  }
  cloudFormationDeploy(
    op,
    definition,
    bootstrapStackName(definition),
    file,
    overrides,
    ['--capabilities', 'CAPABILITY_NAMED_IAM'],
    "the service roles' permissions boundary and the meshes' account prerequisites (a stack: only what changed)",
  );
}

/**
 * Argo CD, once, with helm from the chart, version and values its Application in dist/ names, so
 * the Application adopts exactly what was installed; then the root Application, from which Argo CD
 * syncs everything. A release that exists is left to Argo CD.
 */
function installArgoCd(op: Operator, root: string, cluster: string, files: ReturnType<typeof bootstrapFiles>, managed: boolean): void {
  if (managed) {
    // The Argo CD capability, which eksctl created with the cluster, takes the root and what it holds.
    op.run('kubectl', ['apply', '-f', files.argocd], "the AppProjects, this cluster's registration and the root Application, for the Argo CD capability");
    return;
  }
  const install = readArgoCdInstall(root, cluster);
  const step = `helm upgrade --install ${install.release}`;
  if (!op.finds('helm', ['status', install.release, '--namespace', install.namespace], step)) {
    if (op.dryRun) {
      op.run(
        'helm',
        helmArgs(install, `<spec.source.helm.valuesObject of dist/${cluster}/argocd/${ARGOCD_APPLICATION_FILE}>`),
        `Argo CD ${install.version}, as its Application will keep it`,
      );
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bookstore-argocd-${cluster}-`));
      try {
        const valuesFile = path.join(dir, 'values.yaml');
        fs.writeFileSync(valuesFile, YAML.stringify(install.values));
        op.run('helm', helmArgs(install, valuesFile), `Argo CD ${install.version}, as its Application will keep it`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  op.run('kubectl', ['apply', '-f', files.argocd], 'the AppProjects and the root Application: from here on Argo CD syncs the cluster');
}

/**
 * `bookstore bootstrap <cluster>`: everything between a cluster file and a cluster Argo CD syncs,
 * in order, each step skipped when it is done, so it is safe to run again:
 * 1. the account's facts (account id, hosted zone, certificate) into SSM, if the cache lacks them;
 * 2. the cluster (eksctl), without nodes; 3. its own facts (VPC, OIDC issuer, security groups,
 * pod subnets) into SSM, if the cache lacks them; 4. its ENIConfigs, then its node groups;
 * 5. the bootstrap stack; 6. Argo CD and the root Application.
 * After writing facts it stops: they are cached (`npm run context`) and rendered before the next
 * steps, which read dist/. `--dry-run` prints every command it would run and runs none.
 */
export async function bootstrap(argv: readonly string[], options: CommandOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const args = parseArgs(argv, { booleans: ['dry-run'], values: ['domain'] }, USAGE);
  const [cluster, ...rest] = args.positionals;
  if (!cluster || rest.length > 0) throw new UserError(USAGE);
  const domain = args.flags.get('domain') as string | undefined;
  const [loaded] = loadClusters(options.root, new Set([cluster]));
  if (!loaded) throw new UserError(`unknown cluster "${cluster}": no clusters/${cluster}.ts`);
  const definition = loaded.cluster as ClusterDefinition;
  const known = loaded.values;
  const op = new Operator(options.root, log, args.flags.has('dry-run'));
  const files = bootstrapFiles(cluster);
  const sourceOf = new Map(parameterSpecs(definition).map((s) => [s.name, s.source]));
  const missingOf = (source: ParameterSpec['source']) => loaded.missing.some((m) => sourceOf.get(m) === source);

  if (missingOf('account')) {
    log(waitForRender(cluster, gatherFacts(op, definition, 'account', known, domain), op.dryRun));
    return;
  }
  need(options.root, files.config, "the cluster's eksctl config");
  createCluster(op, definition, files);
  if (missingOf('cluster')) {
    if (loaded.missing.some((m) => m.startsWith('pod-subnets/'))) {
      need(options.root, files.podNetwork, "the pods' secondary CIDR and subnets");
      ensurePodNetwork(op, definition, files.podNetwork);
    }
    log(waitForRender(cluster, gatherFacts(op, definition, 'cluster', known), op.dryRun));
    return;
  }
  need(options.root, files.eniConfigs, "the cluster's ENIConfigs");
  createNodes(op, files);
  deployStack(op, definition, files.stack, options.root);
  installArgoCd(op, options.root, cluster, files, usesCapabilities(definition));
  log(
    op.dryRun
      ? `bootstrap: dry run of ${cluster}: nothing was run and no file was written`
      : `bootstrap: ${cluster} is up and Argo CD syncs it from ${definition.repoUrl}; a private repository needs its credentials in Argo CD (docs/argocd.md, "A private repository")`,
  );
}
