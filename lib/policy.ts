import type { Project } from './load';
import type { Cluster, Environment } from './model';
import type { RenderedFile } from './render';
import { ACK_DELETION_POLICY } from './constructs/table';

/** One broken rule: where (file below dist/, kind/name) and which rule, with what is wrong. */
export interface Finding {
  readonly file: string;
  readonly object: string;
  readonly rule: string;
  readonly message: string;
}

/** What a rule may consult besides the object: the cluster and (in an environment folder) the environment. */
export interface RuleContext {
  readonly file: string;
  readonly cluster: Cluster;
  readonly environment?: Environment;
  readonly project: Project;
  /** Every object of the same folder (an environment's namespace, say). */
  readonly siblings: readonly any[];
}

/** A rule over rendered objects: each problem it finds is one message. */
export interface Rule {
  readonly id: string;
  /** One line on what the rule demands and why. */
  readonly description: string;
  /** Whether the rule looks at this object at all. */
  applies(object: any, context: RuleContext): boolean;
  check(object: any, context: RuleContext): string[];
}

/** `dist/<file>: <Kind>/<name>: <rule>: <message>`, the line `npm run validate` prints. */
export function formatFinding(finding: Finding): string {
  return `dist/${finding.file}: ${finding.object}: ${finding.rule}: ${finding.message}`;
}

export const TABLE_RETAINED: Rule = {
  id: 'table-retained',
  description: 'every DynamoDB Table is retained by ACK on delete and never pruned or deleted by Argo CD',
  applies: (object) => object.kind === 'Table' && object.apiVersion?.startsWith('dynamodb.services.k8s.aws/'),
  check(object) {
    const annotations = object.metadata?.annotations ?? {};
    const problems: string[] = [];
    if (annotations[ACK_DELETION_POLICY] !== 'retain') problems.push(`needs annotation ${ACK_DELETION_POLICY}: retain`);
    const options = String(annotations['argocd.argoproj.io/sync-options'] ?? '').split(',').map((o) => o.trim());
    if (!options.includes('Prune=false')) problems.push('needs sync option Prune=false (argocd.argoproj.io/sync-options)');
    if (!options.includes('Delete=false')) problems.push('needs sync option Delete=false (argocd.argoproj.io/sync-options)');
    return problems;
  },
};

/** Every rule, in the order findings are reported. */
export const RULES: readonly Rule[] = [TABLE_RETAINED];

/** Checks rendered files against the rules; an empty list means the render is fit to commit. */
export function checkPolicy(project: Project, files: readonly RenderedFile[], rules: readonly Rule[] = RULES): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const [clusterName, folder] = file.path.split('/');
    const cluster = project.clusters.find((c) => c.name === clusterName);
    if (!cluster) continue;
    const environment = project.environments.find((e) => e.cluster === clusterName && e.name === folder);
    const siblings = files.filter((f) => f.path.startsWith(`${clusterName}/${folder}/`)).flatMap((f) => f.objects);
    const context: RuleContext = { file: file.path, cluster, environment, project, siblings };
    for (const object of file.objects) {
      const id = `${object.kind}/${object.metadata?.name ?? ''}`;
      for (const rule of rules) {
        if (!rule.applies(object, context)) continue;
        for (const message of rule.check(object, context)) findings.push({ file: file.path, object: id, rule: rule.id, message });
      }
    }
  }
  return findings;
}
