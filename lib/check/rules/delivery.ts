// The rules over what Argo CD syncs: ACK resources retained, no secret in Git, what the Argo CD capability takes.
import { ARGOCD_NAMESPACE, destinationServer, SYNC_OPTIONS } from '../../model/argocd-conventions';
import { ACK_DELETION_POLICY, isAckResource } from '../../render/constructs/ack';
import { usesCapabilities } from '../../render/capabilities';
import { ARGOCD_CONFIG_KEYS, ARGOCD_SECRET_TYPE } from '../../render/capabilities-argocd';
import type { Rule } from '../rule';

export const ACK_RETAINED: Rule = {
  id: 'ack-retained',
  description: 'every AWS resource rendered through ACK (tables, roles, repositories) is retained by ACK on delete and never pruned or deleted by Argo CD',
  applies: isAckResource,
  check(object) {
    const annotations = object.metadata?.annotations ?? {};
    const problems: string[] = [];
    if (annotations[ACK_DELETION_POLICY] !== 'retain') problems.push(`needs annotation ${ACK_DELETION_POLICY}: retain`);
    const options = String(annotations[SYNC_OPTIONS] ?? '')
      .split(',')
      .map((o) => o.trim());
    if (!options.includes('Prune=false')) problems.push(`needs sync option Prune=false (${SYNC_OPTIONS})`);
    if (!options.includes('Delete=false')) problems.push(`needs sync option Delete=false (${SYNC_OPTIONS})`);
    return problems;
  },
};

const ACCESS_KEY = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Calls `visit` with every string below `value` and its path (`spec.template.metadata.name`, `args[0]`). */
function eachString(value: unknown, visit: (path: string, text: string) => void, path = ''): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => eachString(v, visit, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) eachString(v, visit, path ? `${path}.${k}` : k);
}

export const NO_SECRETS: Rule = {
  id: 'no-secrets',
  description: 'no Secret with data in dist/, and no string that looks like an AWS access key or a private key',
  applies: () => true,
  check(object) {
    const out: string[] = [];
    // Argo CD's declarative Secrets that only name a cluster or a public repository hold no credential.
    const keys = [...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})];
    const argoCdConfig =
      object.metadata?.labels?.[ARGOCD_SECRET_TYPE] !== undefined && object.data === undefined && keys.every((k) => ARGOCD_CONFIG_KEYS.includes(k));
    if (object.kind === 'Secret' && keys.length > 0 && !argoCdConfig) {
      out.push('is a Secret with data: keep secrets out of Git (Secrets Manager, or a sealed/external secret)');
    }
    eachString(object, (path, text) => {
      if (ACCESS_KEY.test(text)) out.push(`${path} looks like an AWS access key id`);
      if (PRIVATE_KEY.test(text)) out.push(`${path} holds a private key`);
    });
    return out;
  },
};

/**
 * What the Argo CD capability cannot take, on a cluster whose Argo CD AWS runs: Applications and
 * AppProjects outside its namespace (it watches that one), a destination it cannot resolve
 * (kubernetes.default.svc: it finds clusters by ARN) and config management plugins (it runs none).
 */
export const MANAGED_ARGOCD: Rule = {
  id: 'managed-argocd',
  description: 'under the Argo CD capability: Argo CD objects in its namespace, destinations by cluster ARN, no config management plugin',
  applies: (object, { cluster }) => usesCapabilities(cluster) && String(object.apiVersion ?? '').startsWith('argoproj.io/'),
  check(object, { cluster }) {
    const out: string[] = [];
    if (object.metadata?.namespace !== ARGOCD_NAMESPACE)
      out.push(`is in namespace ${object.metadata?.namespace ?? '(none)'}: the Argo CD capability watches ${ARGOCD_NAMESPACE} only`);
    const destinations = object.kind === 'AppProject' ? (object.spec?.destinations ?? []) : [object.spec?.destination ?? {}];
    for (const d of destinations) {
      if (d.server !== destinationServer(cluster) && d.name === undefined)
        out.push(`deploys to ${d.server ?? '(no server)'}: the Argo CD capability knows this cluster as ${destinationServer(cluster)}`);
    }
    const sources = [object.spec?.source, ...(object.spec?.sources ?? [])].filter(Boolean);
    if (sources.some((s: any) => s.plugin !== undefined))
      out.push('uses a config management plugin: the Argo CD capability runs none (render it into dist/ instead)');
    return out;
  },
};
