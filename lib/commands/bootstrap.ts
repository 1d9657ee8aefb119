import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { UserError } from '../errors';
import { parseArgs } from './args';
import type { CommandOptions } from './bump';
import { USAGES } from './usage';

export const USAGE = USAGES.bootstrap;
/** The file of dist/<cluster>/argocd/ that holds Argo CD's own Application (platform/argo-cd.ts). */
export const ARGOCD_APPLICATION_FILE = 'argo-cd.yaml';

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
export function readArgoCdInstall(root: string, cluster: string): HelmInstall {
  const relative = `dist/${cluster}/argocd/${ARGOCD_APPLICATION_FILE}`;
  const file = path.join(root, relative);
  if (!fs.existsSync(file)) throw new UserError(`${relative} not found: is "${cluster}" a cluster, and was \`npm run synth\` run?`);
  const app = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).find((o) => o?.kind === 'Application');
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
export function helmArgs(install: HelmInstall, valuesFile: string): string[] {
  return ['upgrade', '--install', install.release, ...install.chartArgs, '--version', install.version,
    '--namespace', install.namespace, '--create-namespace', '--values', valuesFile, '--wait'];
}

/** One command of the cluster's creation, and why it comes where it does. */
export interface Step {
  readonly command: string;
  readonly args: readonly string[];
  readonly why: string;
  /** A command that succeeds when the step's work is already there: the step is then skipped (a second run). */
  readonly doneIf?: readonly string[];
}

/** A cluster's steps, and whether the later ones wait for its account facts (a cluster being added). */
export interface ClusterPlan {
  readonly steps: readonly Step[];
  /** The ENIConfigs and node groups need the facts the cluster's creation makes (pod subnets, VPC): not rendered yet. */
  readonly waitsForFacts: boolean;
}

/**
 * How a cluster with VPC CNI custom networking comes up without a deadlock: its nodes' pods take
 * their IPs from the ENIConfig named after the node's zone, and without one they get none, so
 * CoreDNS and Argo CD (which would sync the ENIConfigs) never start. So: the cluster without its
 * node groups, then its ENIConfigs (the objects of dist/<cluster>/platform/vpc-cni.yaml, which Argo
 * CD adopts later), then the node groups (the order of the EKS user guide's custom networking tutorial).
 * A cluster being added has only dist/<cluster>/cluster/ until its facts are cached: then only the
 * first step, and a second run once they are; the creation is skipped when the cluster exists
 * (`eksctl create nodegroup` skips the node groups that exist, `kubectl apply` changes nothing twice).
 */
export function clusterSteps(root: string, cluster: string): ClusterPlan {
  const config = `dist/${cluster}/cluster/cluster.yaml`;
  const eniConfigs = `dist/${cluster}/platform/vpc-cni.yaml`;
  if (!fs.existsSync(path.join(root, config))) throw new UserError(`${config} not found: is "${cluster}" a cluster, and was \`npm run synth\` run (it names the account facts a new cluster needs first)?`);
  const region = YAML.parse(fs.readFileSync(path.join(root, config), 'utf8'))?.metadata?.region;
  const create: Step = {
    command: 'eksctl', args: ['create', 'cluster', '-f', config, '--without-nodegroup'], why: 'the control plane, VPC, OIDC, add-ons and IRSA roles; no nodes yet',
    doneIf: ['get', 'cluster', '--name', cluster, ...(region ? ['--region', region] : [])],
  };
  if (!fs.existsSync(path.join(root, eniConfigs))) return { steps: [create], waitsForFacts: true };
  return {
    steps: [
      create,
      { command: 'kubectl', args: ['apply', '-f', eniConfigs], why: 'the ENIConfigs, before any node joins (custom networking gives pods no IP without them)' },
      { command: 'eksctl', args: ['create', 'nodegroup', '-f', config], why: 'the node groups, whose pods now get IPs from the pod subnets' },
    ],
    waitsForFacts: false,
  };
}

/** Runs the steps in order in `root`; the first that fails stops the rest, with one line saying what is done. */
function runSteps(root: string, steps: readonly Step[], log: (line: string) => void): void {
  steps.forEach((step, index) => {
    const done = index === 0 ? 'nothing before it was run' : `steps 1-${index} are done`;
    const cannot = (error: Error) => new UserError(`cannot run ${step.command} (${(error as NodeJS.ErrnoException).code ?? error.message}): install it and put it on PATH; ${done}`);
    if (step.doneIf) {
      const probe = spawnSync(step.command, step.doneIf, { cwd: root, stdio: 'ignore', env: process.env });
      if (probe.error) throw cannot(probe.error);
      if (probe.status === 0) {
        log(`bootstrap: ${index + 1}/${steps.length} already done (${step.command} ${step.doneIf.join(' ')} finds it): ${step.command} ${step.args.join(' ')} skipped`);
        return;
      }
    }
    log(`bootstrap: ${index + 1}/${steps.length} ${step.command} ${step.args.join(' ')}   (${step.why})`);
    const result = spawnSync(step.command, step.args, { cwd: root, stdio: 'inherit', env: process.env });
    if (result.error) throw cannot(result.error);
    if (result.status !== 0) throw new UserError(`step ${index + 1} (${step.command} ${step.args.slice(0, 2).join(' ')}) exited with ${result.status ?? result.signal}; ${done}, the later ones were not run`);
  });
}

/**
 * `bookstore bootstrap cluster <cluster>`: creates the cluster from dist/ in the order that lets its
 * nodes start (clusterSteps). `bookstore bootstrap argocd <cluster>`: installs Argo CD once with helm from the chart, version
 * and values its Application in dist/ names, so the Application adopts exactly what was installed.
 * `--print` writes the values file and prints the command instead of running it.
 */
export async function bootstrap(argv: readonly string[], options: CommandOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const args = parseArgs(argv, { booleans: ['print'] }, USAGE);
  const [what, cluster, ...rest] = args.positionals;
  if (!['cluster', 'argocd'].includes(what) || !cluster || rest.length > 0) throw new UserError(USAGE);
  if (what === 'cluster') {
    const { steps, waitsForFacts } = clusterSteps(options.root, cluster);
    if (args.flags.has('print')) {
      for (const step of steps) log(`${step.command} ${step.args.join(' ')}`);
      return;
    }
    runSteps(options.root, steps, log);
    log(waitsForFacts
      ? `bootstrap: cluster ${cluster} exists, without nodes; next: its pod subnets and account facts into SSM, \`npm run context -- ${cluster}\`, \`npm run synth\`, commit, then bookstore bootstrap cluster ${cluster} again for its ENIConfigs and node groups (docs/clusters.md, "Bootstrap a cluster")`
      : `bootstrap: cluster ${cluster} created; next: the permissions boundary (docs/clusters.md, "Bootstrap a cluster"), then bookstore bootstrap argocd ${cluster}`);
    return;
  }
  const install = readArgoCdInstall(options.root, cluster);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bookstore-argocd-${cluster}-`));
  const valuesFile = path.join(dir, 'values.yaml');
  fs.writeFileSync(valuesFile, YAML.stringify(install.values));
  const helm = helmArgs(install, valuesFile);
  if (args.flags.has('print')) {
    log(['helm', ...helm].join(' '));
    log(`bootstrap: values from dist/${cluster}/argocd/${ARGOCD_APPLICATION_FILE} written to ${valuesFile}`);
    return;
  }
  try {
    log(`bootstrap: helm ${helm.join(' ')}`);
    const result = spawnSync('helm', helm, { stdio: 'inherit', env: process.env });
    if (result.error) throw new UserError(`cannot run helm (${(result.error as NodeJS.ErrnoException).code ?? result.error.message}): install helm 3 and put it on PATH`);
    if (result.status !== 0) throw new UserError(`helm exited with ${result.status ?? result.signal}; nothing else was done`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log(`bootstrap: Argo CD ${install.version} installed in ${install.namespace}; next: kubectl apply -f dist/${cluster}/argocd/`);
}
