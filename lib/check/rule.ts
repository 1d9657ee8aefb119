import type { Project } from '../load/project';
import type { Cluster, Environment } from '../model';

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
  /**
   * Its findings on an object depend on other objects of the folder (`context.siblings`), not only
   * on the object and the facts. A bump checks these rules on every object of the folder, the
   * others only on the files it writes (test/policy.test.ts holds every rule that reads siblings
   * to saying so).
   */
  readonly acrossObjects?: boolean;
  /** Whether the rule looks at this object at all. */
  applies(object: any, context: RuleContext): boolean;
  check(object: any, context: RuleContext): string[];
}

/** `dist/<file>: <Kind>/<name>: <rule>: <message>`, the line `npm run validate` prints. */
export function formatFinding(finding: Finding): string {
  return `dist/${finding.file}: ${finding.object}: ${finding.rule}: ${finding.message}`;
}

/** The pod template of a workload, or undefined when the object runs no pods. */
export function podSpecOf(object: any): any | undefined {
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind) ? object.spec?.template?.spec : undefined;
}
export const isWorkload = (object: any) => podSpecOf(object) !== undefined;
export const serviceOf = (object: any, context: RuleContext) => context.project.services.find((s) => s.name === object.metadata?.name);

/** Whether a label selector (matchLabels) picks pods with these labels; an empty selector picks none here. */
export function selects(selector: any, labels: Record<string, string>): boolean {
  const match = selector?.matchLabels ?? {};
  return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v);
}
