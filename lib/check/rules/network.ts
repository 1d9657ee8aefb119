// The rules over each environment namespace: default deny, the callers each workload admits, Pod Security labels.
import { serviceAccountOf } from '../../model/naming';
import { callersOf, serviceNameOf } from '../../model/service';
import { meshProviderOf } from '../../render/mesh';
import { atLeast, auditLevel, podSecurityLevel, POD_SECURITY_EXCEPTION_ANNOTATION, weakest } from '../pod-security';
import { isWorkload, podSpecOf, selects, serviceOf, type Rule, type RuleContext } from '../rule';

const isDefaultDeny = (o: any) =>
  o.kind === 'NetworkPolicy' &&
  Object.keys(o.spec?.podSelector ?? { x: 1 }).length === 0 &&
  (o.spec?.policyTypes ?? []).includes('Ingress') &&
  (o.spec?.ingress ?? []).length === 0;

export const NETWORK_DEFAULT_DENY: Rule = {
  id: 'network-default-deny',
  description: 'each environment namespace denies all ingress unless a policy admits it',
  acrossObjects: true,
  applies: (object, context) => object.kind === 'Namespace' && context.environment !== undefined,
  check: (object, context) =>
    context.siblings.some((o) => isDefaultDeny(o) && o.metadata?.namespace === object.metadata?.name)
      ? []
      : ['has no default-deny ingress NetworkPolicy (podSelector: {}, policyTypes: [Ingress], no rules)'],
};

/**
 * The Bookstore services whose identities (service accounts) an ALLOW AuthorizationPolicy on this
 * Service admits, sorted; undefined where no AuthorizationPolicy targets the Service. Principals of
 * anything else (an ingress gateway) are not services' and are left out.
 */
function identityCallers(namespace: string | undefined, serviceName: string, context: RuleContext): string[] | undefined {
  const policies = context.siblings.filter(
    (o) =>
      o.kind === 'AuthorizationPolicy' &&
      o.metadata?.namespace === namespace &&
      (o.spec?.targetRefs ?? []).some((t: any) => t.kind === 'Service' && t.name === serviceName),
  );
  if (policies.length === 0) return undefined;
  const principals = policies
    .filter((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW')
    .flatMap((p) => (p.spec.rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source?.principals ?? [])));
  const accounts = new Set(
    principals.filter((p: string) => p.startsWith(`cluster.local/ns/${namespace}/sa/`)).map((p: string) => p.slice(p.lastIndexOf('/') + 1)),
  );
  return context.project.services
    .filter((s) => accounts.has(serviceAccountOf(s.name)))
    .map((s) => s.name)
    .sort();
}

export const NETWORK_ALLOW: Rule = {
  id: 'network-allow',
  description:
    "each workload admits exactly the callers its service's declared backends imply (by pod in its NetworkPolicy, or by identity in its mesh's AuthorizationPolicy), plus its data plane's sources; never everyone",
  acrossObjects: true,
  applies: (object, context) => isWorkload(object) && context.environment !== undefined,
  check(object, context) {
    const labels = object.spec?.template?.metadata?.labels ?? {};
    const policies = context.siblings.filter((o) => o.kind === 'NetworkPolicy' && !isDefaultDeny(o) && selects(o.spec?.podSelector, labels));
    if (policies.length === 0) return ['no NetworkPolicy admits traffic to its pods'];
    const out: string[] = [];
    const rules = policies.flatMap((p) => p.spec?.ingress ?? []);
    for (const rule of rules) {
      const peers = rule.from ?? [];
      if (peers.length === 0) out.push('a NetworkPolicy rule admits every source (no from)');
      for (const peer of peers) {
        if (peer.ipBlock?.cidr === '0.0.0.0/0' || peer.ipBlock?.cidr === '::/0') out.push(`a NetworkPolicy rule admits ${peer.ipBlock.cidr}`);
        if (peer.namespaceSelector !== undefined) out.push('a NetworkPolicy rule admits pods of other namespaces');
        if (peer.podSelector !== undefined && Object.keys(peer.podSelector.matchLabels ?? {}).length === 0)
          out.push('a NetworkPolicy rule admits every pod of the namespace');
      }
    }
    const admitted = rules
      .flatMap((r: any) => r.from ?? [])
      .map((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'])
      .filter(Boolean)
      .sort();
    const name = object.metadata?.name;
    const service = serviceOf(object, context);
    if (!service) return out;
    const declared = callersOf(context.project.services, name).sort();
    // Where a mesh admits callers by identity (an AuthorizationPolicy on the service's Service), the
    // identities it admits must be the declared callers, and the network may admit no other caller's pods.
    const byIdentity = identityCallers(object.metadata?.namespace, serviceNameOf(service), context);
    if (byIdentity) {
      if (byIdentity.join() !== declared.join())
        out.push(
          `its AuthorizationPolicy admits the identities of [${byIdentity.join(', ')}] but the services declaring it as a backend are [${declared.join(', ')}]`,
        );
      const extra = admitted.filter((a: string) => !declared.includes(a));
      if (extra.length > 0) out.push(`admits pods of [${extra.join(', ')}], which do not declare it as a backend`);
    } else if (admitted.join() !== declared.join()) {
      out.push(`admits pods of [${admitted.join(', ')}] but the services declaring it as a backend are [${declared.join(', ')}]`);
    }
    return out;
  },
};

export const POD_SECURITY_LABELS: Rule = {
  id: 'pod-security-labels',
  description:
    'each environment namespace enforces restricted Pod Security where every workload meets it, else baseline with the reason stated, and warns at restricted; privileged only where its mesh provider injects what baseline forbids (App Mesh), with the reason',
  acrossObjects: true,
  applies: (object, context) => object.kind === 'Namespace' && context.environment !== undefined,
  check(object, context) {
    const labels = object.metadata?.labels ?? {};
    const label = (mode: string) => labels[`pod-security.kubernetes.io/${mode}`];
    const out: string[] = [];
    const workloads = context.siblings.filter((o) => isWorkload(o) && o.metadata?.namespace === object.metadata?.name);
    const level = weakest(workloads.map((w) => podSecurityLevel(podSpecOf(w))));
    const reason = object.metadata?.annotations?.[POD_SECURITY_EXCEPTION_ANNOTATION];
    const provider = context.environment ? meshProviderOf(context.environment) : undefined;
    const excepted = Boolean(provider?.podSecurityException) && Boolean(reason);
    const enforce = label('enforce');
    if (!atLeast(enforce, 'baseline') && !(enforce === 'privileged' && excepted)) {
      out.push(
        `enforces ${enforce ?? 'nothing'}; needs at least baseline (or, under a mesh provider that injects what baseline forbids, privileged with the reason in ${POD_SECURITY_EXCEPTION_ANNOTATION})`,
      );
    }
    if (!excepted && level === 'restricted' && enforce !== 'restricted') out.push('every workload meets restricted, so it must enforce restricted');
    if (!excepted && enforce === 'baseline' && !reason) out.push(`enforces baseline without the reason in ${POD_SECURITY_EXCEPTION_ANNOTATION}`);
    // In the mesh, audit carries what enforce cannot: the level the rendered pods meet.
    if (excepted && label('audit') !== auditLevel(level)) out.push(`audits ${label('audit') ?? 'nothing'}; its workloads meet ${level}`);
    if (label('warn') !== 'restricted') out.push('does not warn at restricted');
    return out;
  },
};
