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

/**
 * `bookstore bootstrap argocd <cluster>`: installs Argo CD once with helm from the chart, version
 * and values its Application in dist/ names, so the Application adopts exactly what was installed.
 * `--print` writes the values file and prints the command instead of running it.
 */
export async function bootstrap(argv: readonly string[], options: CommandOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const args = parseArgs(argv, { booleans: ['print'] }, USAGE);
  const [what, cluster, ...rest] = args.positionals;
  if (what !== 'argocd' || !cluster || rest.length > 0) throw new UserError(USAGE);
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
