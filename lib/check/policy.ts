import type { Project } from '../load/project';
import type { Cluster, Environment } from '../model';
import type { RenderedFile } from '../render/project';
import { ACK_DELETION_POLICY, isAckResource } from '../render/constructs/ack';
import { podRoles } from '../render/cluster-config';
import { boundaryArn, iamPath, oidcProviderArn } from '../render/iam';
import { meshProviderOf } from '../render/mesh';
import { PRODUCTION_MIN_REPLICAS } from '../model';
import { atLeast, auditLevel, baselineViolations, containersOf, podSecurityLevel, POD_SECURITY_EXCEPTION_ANNOTATION, weakest } from './pod-security';
import { ARGOCD_NAMESPACE, destinationServer, SYNC_OPTIONS } from '../model/argocd-conventions';
import { usesCapabilities } from '../render/capabilities';
import { ARGOCD_CONFIG_KEYS, ARGOCD_SECRET_TYPE } from '../render/capabilities-argocd';
import { ecrRegistry, serviceAccountOf } from '../model/naming';
import { callersOf, serviceNameOf } from '../model/service';

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
function podSpecOf(object: any): any | undefined {
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind) ? object.spec?.template?.spec : undefined;
}
const isWorkload = (object: any) => podSpecOf(object) !== undefined;
const serviceOf = (object: any, context: RuleContext) => context.project.services.find((s) => s.name === object.metadata?.name);

export const ACK_RETAINED: Rule = {
  id: 'ack-retained',
  description: 'every AWS resource rendered through ACK (tables, roles, repositories) is retained by ACK on delete and never pruned or deleted by Argo CD',
  applies: isAckResource,
  check(object) {
    const annotations = object.metadata?.annotations ?? {};
    const problems: string[] = [];
    if (annotations[ACK_DELETION_POLICY] !== 'retain') problems.push(`needs annotation ${ACK_DELETION_POLICY}: retain`);
    const options = String(annotations[SYNC_OPTIONS] ?? '').split(',').map((o) => o.trim());
    if (!options.includes('Prune=false')) problems.push(`needs sync option Prune=false (${SYNC_OPTIONS})`);
    if (!options.includes('Delete=false')) problems.push(`needs sync option Delete=false (${SYNC_OPTIONS})`);
    return problems;
  },
};

export const RESOURCES: Rule = {
  id: 'resources',
  description: 'every container requests and limits cpu and memory',
  applies: isWorkload,
  check: (object) => containersOf(podSpecOf(object)).flatMap((c) => ['requests', 'limits'].flatMap((kind) => ['cpu', 'memory']
    .filter((r) => c.resources?.[kind]?.[r] === undefined).map((r) => `container ${c.name} has no ${r} ${kind.replace(/s$/, '')}`))),
};

export const PROBES: Rule = {
  id: 'probes',
  description: 'every container has a readiness and a liveness probe',
  applies: isWorkload,
  check: (object) => (podSpecOf(object).containers ?? []).flatMap((c: any) => [
    ...(c.readinessProbe ? [] : [`container ${c.name} has no readiness probe`]),
    ...(c.livenessProbe ? [] : [`container ${c.name} has no liveness probe`]),
  ]),
};

/** A tag that names a version: digits in it, not `latest`, or a digest. */
function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /:([^/:@]+)$/.exec(image)?.[1];
  return tag !== undefined && tag !== 'latest' && /\d/.test(tag);
}

export const IMAGE_SOURCE: Rule = {
  id: 'image-source',
  description: "images come from the cluster account's ECR, or are public images a service file pins to a version; never latest",
  applies: isWorkload,
  check(object, context) {
    const { cluster, project } = context;
    const registry = ecrRegistry(cluster);
    const allowedPublic = new Set(project.services.flatMap((s) => (s.image.kind === 'public' ? [s.image.image] : [])));
    return containersOf(podSpecOf(object)).flatMap((c) => {
      const image = String(c.image ?? '');
      if (!pinned(image)) return [`container ${c.name} image ${image} is not pinned to a version (no tag, or latest)`];
      if (image.startsWith(registry) || allowedPublic.has(image)) return [];
      return [`container ${c.name} image ${image} is neither in ${registry} nor a public image pinned in a service file`];
    });
  },
};

export const CONTAINER_SECURITY: Rule = {
  id: 'container-security',
  description: 'no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, non-root: each exception stated with its reason in the service file',
  applies: isWorkload,
  check(object, context) {
    const pod = podSpecOf(object);
    const service = serviceOf(object, context);
    const declaredCaps = service?.security.addCapabilities?.why ? service.security.addCapabilities.names : [];
    const rootWhy = service?.security.root?.why;
    return containersOf(pod).flatMap((c) => {
      const sc = c.securityContext ?? {};
      const out: string[] = [];
      if (sc.allowPrivilegeEscalation !== false) out.push(`container ${c.name} does not set allowPrivilegeEscalation: false`);
      if (sc.privileged) out.push(`container ${c.name} is privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`container ${c.name} does not drop ALL capabilities`);
      const undeclared = (sc.capabilities?.add ?? []).filter((cap: string) => !declaredCaps.includes(cap));
      if (undeclared.length > 0) out.push(`container ${c.name} adds ${undeclared.join(', ')} without a reason in services/${object.metadata?.name}.ts (security.addCapabilities)`);
      if ((sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type) !== 'RuntimeDefault') out.push(`container ${c.name} does not use seccomp RuntimeDefault`);
      const nonRoot = sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      if (nonRoot !== true && !rootWhy) out.push(`container ${c.name} may run as root without a reason in services/${object.metadata?.name}.ts (security.root)`);
      return out;
    });
  },
};

export const POD_SECURITY_BASELINE: Rule = {
  id: 'pod-security-baseline',
  description: 'every rendered pod spec meets the baseline Pod Security Standard',
  applies: isWorkload,
  check: (object) => baselineViolations(podSpecOf(object)),
};

export const SERVICE_ACCOUNT_TOKEN: Rule = {
  id: 'service-account-token',
  description: 'no pod mounts a Kubernetes API token: the Bookstore pods call AWS through IRSA (its own projected token) and never the Kubernetes API',
  applies: isWorkload,
  check: (object) => (podSpecOf(object).automountServiceAccountToken === false ? [] : ['mounts a service-account token (set automountServiceAccountToken: false)']),
};

function selects(selector: any, labels: Record<string, string>): boolean {
  const match = selector?.matchLabels ?? {};
  return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v);
}

export const AVAILABILITY: Rule = {
  id: 'availability',
  description: 'in a production-tier environment: at least 2 replicas, a PodDisruptionBudget, pods spread over zones, rolling updates that never go below the desired count',
  acrossObjects: true,
  applies: (object, context) => isWorkload(object) && context.environment?.tier === 'production',
  check(object, context) {
    const out: string[] = [];
    const labels = object.spec?.template?.metadata?.labels ?? {};
    if (!(object.spec?.replicas >= PRODUCTION_MIN_REPLICAS)) out.push(`runs ${object.spec?.replicas ?? 1} replica(s); production needs at least ${PRODUCTION_MIN_REPLICAS}`);
    if (!context.siblings.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata?.namespace === object.metadata?.namespace && selects(o.spec?.selector, labels))) {
      out.push('no PodDisruptionBudget selects its pods');
    }
    if (!(podSpecOf(object).topologySpreadConstraints ?? []).some((t: any) => t.topologyKey === 'topology.kubernetes.io/zone')) {
      out.push('its pods are not spread over zones (topologySpreadConstraints on topology.kubernetes.io/zone)');
    }
    const strategy = object.spec?.strategy;
    if (strategy?.type !== 'RollingUpdate' || ![0, '0', '0%'].includes(strategy.rollingUpdate?.maxUnavailable)) {
      out.push('its rolling update may go below the desired count (set maxUnavailable: 0)');
    }
    return out;
  },
};

const isDefaultDeny = (o: any) => o.kind === 'NetworkPolicy' && Object.keys(o.spec?.podSelector ?? { x: 1 }).length === 0
  && (o.spec?.policyTypes ?? []).includes('Ingress') && (o.spec?.ingress ?? []).length === 0;

export const NETWORK_DEFAULT_DENY: Rule = {
  id: 'network-default-deny',
  description: 'each environment namespace denies all ingress unless a policy admits it',
  acrossObjects: true,
  applies: (object, context) => object.kind === 'Namespace' && context.environment !== undefined,
  check: (object, context) => (context.siblings.some((o) => isDefaultDeny(o) && o.metadata?.namespace === object.metadata?.name)
    ? [] : ['has no default-deny ingress NetworkPolicy (podSelector: {}, policyTypes: [Ingress], no rules)']),
};

/**
 * The Bookstore services whose identities (service accounts) an ALLOW AuthorizationPolicy on this
 * Service admits, sorted; undefined where no AuthorizationPolicy targets the Service. Principals of
 * anything else (an ingress gateway) are not services' and are left out.
 */
function identityCallers(namespace: string | undefined, serviceName: string, context: RuleContext): string[] | undefined {
  const policies = context.siblings.filter((o) => o.kind === 'AuthorizationPolicy' && o.metadata?.namespace === namespace
    && (o.spec?.targetRefs ?? []).some((t: any) => t.kind === 'Service' && t.name === serviceName));
  if (policies.length === 0) return undefined;
  const principals = policies.filter((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW')
    .flatMap((p) => (p.spec.rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source?.principals ?? [])));
  const accounts = new Set(principals.filter((p: string) => p.startsWith(`cluster.local/ns/${namespace}/sa/`)).map((p: string) => p.slice(p.lastIndexOf('/') + 1)));
  return context.project.services.filter((s) => accounts.has(serviceAccountOf(s.name))).map((s) => s.name).sort();
}

export const NETWORK_ALLOW: Rule = {
  id: 'network-allow',
  description: "each workload admits exactly the callers its service's declared backends imply (by pod in its NetworkPolicy, or by identity in its mesh's AuthorizationPolicy), plus its data plane's sources; never everyone",
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
        if (peer.podSelector !== undefined && Object.keys(peer.podSelector.matchLabels ?? {}).length === 0) out.push('a NetworkPolicy rule admits every pod of the namespace');
      }
    }
    const admitted = rules.flatMap((r: any) => r.from ?? []).map((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name']).filter(Boolean).sort();
    const name = object.metadata?.name;
    const service = serviceOf(object, context);
    if (!service) return out;
    const declared = callersOf(context.project.services, name).sort();
    // Where a mesh admits callers by identity (an AuthorizationPolicy on the service's Service), the
    // identities it admits must be the declared callers, and the network may admit no other caller's pods.
    const byIdentity = identityCallers(object.metadata?.namespace, serviceNameOf(service), context);
    if (byIdentity) {
      if (byIdentity.join() !== declared.join()) out.push(`its AuthorizationPolicy admits the identities of [${byIdentity.join(', ')}] but the services declaring it as a backend are [${declared.join(', ')}]`);
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
  description: 'each environment namespace enforces restricted Pod Security where every workload meets it, else baseline with the reason stated, and warns at restricted; privileged only where its mesh provider injects what baseline forbids (App Mesh), with the reason',
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
      out.push(`enforces ${enforce ?? 'nothing'}; needs at least baseline (or, under a mesh provider that injects what baseline forbids, privileged with the reason in ${POD_SECURITY_EXCEPTION_ANNOTATION})`);
    }
    if (!excepted && level === 'restricted' && enforce !== 'restricted') out.push('every workload meets restricted, so it must enforce restricted');
    if (!excepted && enforce === 'baseline' && !reason) out.push(`enforces baseline without the reason in ${POD_SECURITY_EXCEPTION_ANNOTATION}`);
    // In the mesh, audit carries what enforce cannot: the level the rendered pods meet.
    if (excepted && label('audit') !== auditLevel(level)) out.push(`audits ${label('audit') ?? 'nothing'}; its workloads meet ${level}`);
    if (label('warn') !== 'restricted') out.push('does not warn at restricted');
    return out;
  },
};

/** Actions AWS grants only on `*` (no resource-level permissions), and so the only ones allowed on it. */
export const WILDCARD_ONLY_ACTIONS = new Set([
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries',
  'route53:ListHostedZones', 'ecr:GetAuthorizationToken',
  // The AWS Gateway API Controller (platform/aws-gateway-controller.ts).
  'vpc-lattice:ListServiceNetworks', 'vpc-lattice:ListServices', 'vpc-lattice:ListTargetGroups',
  'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeTags', 'ec2:DescribeSecurityGroups',
  'tag:GetResources', 'tag:TagResources', 'tag:UntagResources',
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
  'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
]);

/** What is wrong with the Allow statements of a policy document: actions named, resources named but for the wildcard-only actions. */
function statementProblems(who: string, document: any): string[] {
  const out: string[] = [];
  // A Deny on `*` only takes away; it needs no naming.
  for (const statement of (document?.Statement ?? []).filter((s: any) => s.Effect !== 'Deny')) {
    const actions: string[] = [statement.Action].flat();
    const resources: string[] = [statement.Resource].flat();
    for (const action of actions.filter((a) => a === '*' || a.endsWith(':*'))) out.push(`${who} grants ${action}: name the actions`);
    if (resources.length === 0 || resources.some((r) => r === undefined || r === '')) out.push(`${who} has a statement without resources`);
    if (resources.some((r) => r === '*')) {
      const data = actions.filter((a) => !WILDCARD_ONLY_ACTIONS.has(a));
      if (data.length > 0) out.push(`${who} grants ${data.join(', ')} on *: name the resources`);
    }
  }
  return out;
}

/** A policy document held as a JSON string (ACK's fields), or the reason it cannot be read. */
function parsed(text: unknown): { document?: any; problem?: string } {
  try {
    return { document: JSON.parse(String(text)) };
  } catch {
    return { problem: 'is not valid JSON' };
  }
}

/** IRSA trust to exactly one service account of the role's own namespace, through the cluster's OIDC provider, for STS. */
function trustProblems(who: string, text: unknown, namespace: string, cluster: Cluster): string[] {
  const { document, problem } = parsed(text);
  if (problem) return [`${who}: its trust policy ${problem}`];
  const statements: any[] = document?.Statement ?? [];
  const issuer = cluster.oidcIssuer;
  const one = `is not trusted by exactly one service account of namespace ${namespace} (one statement: Federated ${oidcProviderArn(cluster)}, sts:AssumeRoleWithWebIdentity, StringEquals ${issuer}:sub system:serviceaccount:${namespace}:<name> and ${issuer}:aud sts.amazonaws.com)`;
  if (statements.length !== 1) return [`${who} ${one}`];
  const [statement] = statements;
  const conditions = statement.Condition ?? {};
  const equals = conditions.StringEquals ?? {};
  const subject = equals[`${issuer}:sub`];
  const ok = statement.Effect === 'Allow' && statement.Principal?.Federated === oidcProviderArn(cluster)
    && [statement.Action].flat().join() === 'sts:AssumeRoleWithWebIdentity'
    && Object.keys(conditions).join() === 'StringEquals' && Object.keys(equals).length === 2
    && typeof subject === 'string' && new RegExp(`^system:serviceaccount:${namespace}:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`).test(subject)
    && equals[`${issuer}:aud`] === 'sts.amazonaws.com';
  return ok ? [] : [`${who} ${one}`];
}

export const IAM: Rule = {
  id: 'iam',
  description: "each role is trusted by one named namespace/service account; ACK roles carry the cluster's boundary under its path; policies name their resources (`*` only for actions AWS grants on nothing else); the network policy agent is on",
  applies: (object) => object.kind === 'ClusterConfig' || object.AWSTemplateFormatVersion !== undefined
    || (['Role', 'Policy'].includes(object.kind) && String(object.apiVersion).startsWith('iam.services.k8s.aws/')),
  check(object, context) {
    if (object.AWSTemplateFormatVersion !== undefined) {
      return Object.entries<any>(object.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy')
        .flatMap(([id, r]) => statementProblems(`policy ${r.Properties?.ManagedPolicyName ?? id}`, r.Properties?.PolicyDocument));
    }
    if (object.kind === 'Role' || object.kind === 'Policy') {
      const { cluster } = context;
      const spec = object.spec ?? {};
      const who = `${object.kind.toLowerCase()} ${spec.name ?? '?'}`;
      const out: string[] = [];
      if (spec.path !== iamPath(cluster)) out.push(`${who} is not under the cluster's IAM path ${iamPath(cluster)}`);
      if (object.kind === 'Policy') {
        const { document, problem } = parsed(spec.policyDocument);
        return [...out, ...(problem ? [`${who}: its policy document ${problem}`] : statementProblems(who, document))];
      }
      if (spec.permissionsBoundary !== boundaryArn(cluster)) out.push(`${who} does not carry the cluster's permissions boundary ${boundaryArn(cluster)}`);
      out.push(...trustProblems(who, spec.assumeRolePolicyDocument, object.metadata?.namespace, cluster));
      for (const [name, text] of Object.entries(spec.inlinePolicies ?? {})) {
        const { document, problem } = parsed(text);
        out.push(...(problem ? [`${who}: inline policy ${name} ${problem}`] : statementProblems(who, document)));
      }
      const ownPolicies = `arn:aws:iam::${cluster.accountId}:policy${iamPath(cluster)}`;
      for (const arn of spec.policies ?? []) if (!String(arn).startsWith(ownPolicies)) out.push(`${who} attaches ${arn}, which is not under ${iamPath(cluster)}`);
      return out;
    }
    const out: string[] = [];
    const seen = new Set<string>();
    // Every role eksctl creates for pods, IRSA and Pod Identity alike: one named service account each, least privilege.
    for (const { serviceAccount: name, namespace, roleName, policy } of podRoles(object)) {
      const who = `role ${roleName ?? '?'}`;
      if (!name || !namespace || /[*?]/.test(`${name}${namespace}`)) out.push(`${who} is not bound to one named namespace/service account`);
      if (seen.has(`${namespace}/${name}`)) out.push(`${who}: ${namespace}/${name} has two roles`);
      seen.add(`${namespace}/${name}`);
      out.push(...statementProblems(who, policy));
    }
    // The roles eksctl creates for EKS Capabilities: least privilege too, and what they made outlives them.
    for (const capability of object.capabilities ?? []) {
      const who = `capability ${capability.name ?? '?'}`;
      if (capability.attachPolicy) out.push(...statementProblems(who, capability.attachPolicy));
      if (capability.deletePropagationPolicy !== 'RETAIN') out.push(`${who}: deletePropagationPolicy is not RETAIN`);
    }
    const cni = (object.addons ?? []).find((a: any) => a.name === 'vpc-cni');
    let settings: any = {};
    try { settings = JSON.parse(cni?.configurationValues ?? '{}'); } catch { /* reported below */ }
    if (String(settings.enableNetworkPolicy) !== 'true') out.push('the vpc-cni addon does not enable the network policy agent (enableNetworkPolicy)');
    return out;
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
    const argoCdConfig = object.metadata?.labels?.[ARGOCD_SECRET_TYPE] !== undefined && object.data === undefined && keys.every((k) => ARGOCD_CONFIG_KEYS.includes(k));
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
    if (object.metadata?.namespace !== ARGOCD_NAMESPACE) out.push(`is in namespace ${object.metadata?.namespace ?? '(none)'}: the Argo CD capability watches ${ARGOCD_NAMESPACE} only`);
    const destinations = object.kind === 'AppProject' ? object.spec?.destinations ?? [] : [object.spec?.destination ?? {}];
    for (const d of destinations) {
      if (d.server !== destinationServer(cluster) && d.name === undefined) out.push(`deploys to ${d.server ?? '(no server)'}: the Argo CD capability knows this cluster as ${destinationServer(cluster)}`);
    }
    const sources = [object.spec?.source, ...(object.spec?.sources ?? [])].filter(Boolean);
    if (sources.some((s: any) => s.plugin !== undefined)) out.push('uses a config management plugin: the Argo CD capability runs none (render it into dist/ instead)');
    return out;
  },
};

/** Every rule, in the order findings are reported. */
export const RULES: readonly Rule[] = [
  RESOURCES, PROBES, IMAGE_SOURCE, CONTAINER_SECURITY, POD_SECURITY_BASELINE, SERVICE_ACCOUNT_TOKEN,
  AVAILABILITY, NETWORK_DEFAULT_DENY, NETWORK_ALLOW, POD_SECURITY_LABELS, IAM, NO_SECRETS, ACK_RETAINED, MANAGED_ARGOCD,
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
