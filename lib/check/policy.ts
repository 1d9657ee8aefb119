// The posture policy: every rule over the rendered objects, and the check that runs them (npm run validate, every synth).
import type { Project } from '../load/project';
import type { RenderedFile } from '../render/project';
import type { Finding, Rule, RuleContext } from './rule';
import { ACK_RETAINED, MANAGED_ARGOCD, NO_SECRETS } from './rules/delivery';
import { IAM } from './rules/iam';
import { NETWORK_ALLOW, NETWORK_DEFAULT_DENY, POD_SECURITY_LABELS } from './rules/network';
import { AVAILABILITY, CONTAINER_SECURITY, IMAGE_SOURCE, POD_SECURITY_BASELINE, PROBES, RESOURCES, SERVICE_ACCOUNT_TOKEN } from './rules/workloads';

export { formatFinding, type Finding, type Rule, type RuleContext } from './rule';
export { ACK_RETAINED, MANAGED_ARGOCD, NO_SECRETS } from './rules/delivery';
export { IAM, WILDCARD_ONLY_ACTIONS } from './rules/iam';
export { NETWORK_ALLOW, NETWORK_DEFAULT_DENY, POD_SECURITY_LABELS } from './rules/network';
export { AVAILABILITY, CONTAINER_SECURITY, IMAGE_SOURCE, POD_SECURITY_BASELINE, PROBES, RESOURCES, SERVICE_ACCOUNT_TOKEN } from './rules/workloads';

/** Every rule, in the order findings are reported. */
export const RULES: readonly Rule[] = [
  RESOURCES,
  PROBES,
  IMAGE_SOURCE,
  CONTAINER_SECURITY,
  POD_SECURITY_BASELINE,
  SERVICE_ACCOUNT_TOKEN,
  AVAILABILITY,
  NETWORK_DEFAULT_DENY,
  NETWORK_ALLOW,
  POD_SECURITY_LABELS,
  IAM,
  NO_SECRETS,
  ACK_RETAINED,
  MANAGED_ARGOCD,
];

/**
 * Checks rendered files against the rules; an empty list means the render is fit to commit. The
 * files named in `unchanged` (proven to hold what dist/ holds, which passed every rule) are checked
 * only against the rules that read other objects, which the files around them may have moved.
 */
export function checkPolicy(project: Project, files: readonly RenderedFile[], rules: readonly Rule[] = RULES, unchanged?: ReadonlySet<string>): Finding[] {
  const findings: Finding[] = [];
  // The objects of each folder (dist/<cluster>/<folder>/), gathered once.
  const folderOf = (file: RenderedFile) => file.path.split('/').slice(0, 2).join('/');
  const byFolder = new Map<string, any[]>();
  for (const file of files) {
    const siblings = byFolder.get(folderOf(file));
    if (siblings) siblings.push(...file.objects);
    else byFolder.set(folderOf(file), [...file.objects]);
  }
  for (const file of files) {
    const [clusterName, folder] = file.path.split('/');
    // A pending cluster renders only its cluster/ folder, whose rules read no fact it lacks.
    const cluster = project.clusters.find((c) => c.name === clusterName) ?? project.pending.find((p) => p.cluster.name === clusterName)?.cluster;
    if (!cluster) continue;
    const environment = project.environments.find((e) => e.cluster === clusterName && e.name === folder);
    const siblings = byFolder.get(folderOf(file))!;
    const context: RuleContext = { file: file.path, cluster, environment, project, siblings };
    const fileRules = unchanged?.has(file.path) ? rules.filter((rule) => rule.acrossObjects) : rules;
    for (const object of file.objects) {
      // A CloudFormation template has no kind: it is named by its file.
      const id = object.kind ? `${object.kind}/${object.metadata?.name ?? ''}` : `CloudFormation/${file.path.split('/').pop()}`;
      for (const rule of fileRules) {
        if (!rule.applies(object, context)) continue;
        for (const message of rule.check(object, context)) findings.push({ file: file.path, object: id, rule: rule.id, message });
      }
    }
  }
  return findings;
}
