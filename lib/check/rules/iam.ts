// The IAM rule: every role and policy the render creates, least privilege and bounded.
import type { Cluster } from '../../model';
import { LATTICE_CONTROLLER_UNSCOPED_ACTIONS } from '../../model/iam';
import { podRoles } from '../../render/cluster-config';
import { boundaryArn, iamPath, oidcProviderArn } from '../../render/iam';
import type { Rule } from '../rule';

/** Actions AWS grants only on `*` (no resource-level permissions), and so the only ones allowed on it. */
export const WILDCARD_ONLY_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
  'route53:ListHostedZones',
  'ecr:GetAuthorizationToken',
  // The AWS Gateway API Controller (platform/aws-gateway-controller.ts).
  ...LATTICE_CONTROLLER_UNSCOPED_ACTIONS,
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
  const ok =
    statement.Effect === 'Allow' &&
    statement.Principal?.Federated === oidcProviderArn(cluster) &&
    [statement.Action].flat().join() === 'sts:AssumeRoleWithWebIdentity' &&
    Object.keys(conditions).join() === 'StringEquals' &&
    Object.keys(equals).length === 2 &&
    typeof subject === 'string' &&
    new RegExp(`^system:serviceaccount:${namespace}:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`).test(subject) &&
    equals[`${issuer}:aud`] === 'sts.amazonaws.com';
  return ok ? [] : [`${who} ${one}`];
}

export const IAM: Rule = {
  id: 'iam',
  description:
    "each role is trusted by one named namespace/service account; ACK roles carry the cluster's boundary under its path; policies name their resources (`*` only for actions AWS grants on nothing else); the network policy agent is on",
  applies: (object) =>
    object.kind === 'ClusterConfig' ||
    object.AWSTemplateFormatVersion !== undefined ||
    (['Role', 'Policy'].includes(object.kind) && String(object.apiVersion).startsWith('iam.services.k8s.aws/')),
  check(object, context) {
    if (object.AWSTemplateFormatVersion !== undefined) {
      return Object.entries<any>(object.Resources ?? {})
        .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy')
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
      for (const arn of spec.policies ?? [])
        if (!String(arn).startsWith(ownPolicies)) out.push(`${who} attaches ${arn}, which is not under ${iamPath(cluster)}`);
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
    try {
      settings = JSON.parse(cni?.configurationValues ?? '{}');
    } catch {
      /* reported below */
    }
    if (String(settings.enableNetworkPolicy) !== 'true') out.push('the vpc-cni addon does not enable the network policy agent (enableNetworkPolicy)');
    return out;
  },
};
