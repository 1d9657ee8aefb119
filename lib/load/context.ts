import type { Cluster, ClusterContext, ClusterDefinition } from '../model';
import { UserError } from '../model/errors';

/**
 * The SSM parameters under a cluster's prefix that synth needs, each with its check.
 * clusters/<cluster>.context.json caches them by these names (relative to the prefix).
 */
export interface ParameterSpec {
  /** Name relative to the cluster's SSM prefix. */
  readonly name: string;
  readonly description: string;
  /** What a valid value looks like, for the error message. */
  readonly format: string;
  readonly pattern: RegExp;
  /**
   * `account`: there before the cluster (the account, its hosted zone and certificate);
   * `cluster`: made by the cluster's creation (its VPC, OIDC issuer, security groups) or after it
   * (the pod subnets of the secondary CIDR). `bookstore bootstrap` finds each kind in its turn.
   */
  readonly source: 'account' | 'cluster';
}

export function parameterSpecs(cluster: ClusterDefinition): ParameterSpec[] {
  return [
    { name: 'account-id', source: 'account', description: 'the AWS account id', format: 'a 12-digit account id', pattern: /^\d{12}$/ },
    {
      name: 'base-domain',
      source: 'account',
      description: 'the domain of the Route 53 hosted zone (hosts are <name>.<base-domain>)',
      format: 'a domain name',
      pattern: /^([a-z0-9-]+\.)+[a-z]{2,}$/,
    },
    {
      name: 'certificate-arn',
      source: 'account',
      description: `the ACM certificate for *.<base-domain> in ${cluster.region}`,
      format: `an ACM certificate ARN in ${cluster.region}`,
      pattern: new RegExp(`^arn:aws:acm:${cluster.region}:\\d{12}:certificate/[0-9a-f-]+$`),
    },
    { name: 'hosted-zone-id', source: 'account', description: 'the Route 53 hosted zone id', format: 'a hosted zone id (Z...)', pattern: /^Z[0-9A-Z]{1,31}$/ },
    ...cluster.availabilityZones.map((az) => ({
      name: `pod-subnets/${az}`,
      source: 'cluster' as const,
      description: `the secondary-CIDR (100.64.0.0/16) subnet for pods in ${az}`,
      format: 'a subnet id',
      pattern: /^subnet-[0-9a-f]{8,17}$/,
    })),
    {
      name: 'oidc-issuer',
      source: 'cluster',
      description: "the cluster's OIDC issuer without https:// (the IRSA trust of the service roles)",
      format: `oidc.eks.${cluster.region}.amazonaws.com/id/<32 hex digits>`,
      pattern: new RegExp(`^oidc\\.eks\\.${cluster.region}\\.amazonaws\\.com/id/[0-9A-F]{32}$`),
    },
    {
      name: 'security-group-ids',
      source: 'cluster',
      description: "the security groups of the pods' ENIs (the cluster's), comma-separated",
      format: 'comma-separated security group ids',
      pattern: /^sg-[0-9a-f]{8,17}(,sg-[0-9a-f]{8,17})*$/,
    },
    { name: 'vpc-id', source: 'cluster', description: "the cluster's VPC", format: 'a VPC id', pattern: /^vpc-[0-9a-f]{8,17}$/ },
    ...(cluster.controllers === 'eks-capabilities' ? CAPABILITY_PARAMETERS : []),
  ];
}

/** What a cluster whose controllers are EKS Capabilities needs besides: the managed Argo CD's sign-in. */
const CAPABILITY_PARAMETERS: readonly ParameterSpec[] = [
  {
    name: 'identity-center-instance-arn',
    source: 'account',
    description: "the ARN of the account's IAM Identity Center instance (the managed Argo CD's sign-in)",
    format: 'an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...)',
    pattern: /^arn:aws:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/,
  },
  {
    name: 'argocd-admin-group-id',
    source: 'account',
    description: "the id of the Identity Center group that gets Argo CD's ADMIN role",
    format: 'an identity store group id',
    pattern: /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/,
  },
];

/**
 * The facts of a cluster's cache, each checked: a malformed one is a UserError (all named in one
 * line, none becomes an empty string in YAML); a missing one is listed in `missing`, since a new
 * cluster's cache fills in two steps (docs/clusters.md, "Adding a cluster"): the account's own
 * facts before `eksctl create cluster`, the cluster's (VPC, OIDC issuer, pod subnets) after it.
 */
export interface ContextReading {
  /** The facts that are there. */
  readonly context: Partial<ClusterContext>;
  /** The parameters (names below the SSM prefix) that are not there yet, in the order of parameterSpecs. */
  readonly missing: readonly string[];
}

export function readContext(cluster: ClusterDefinition, values: Readonly<Record<string, string>>, source: string): ContextReading {
  const specs = parameterSpecs(cluster);
  const present = (name: string) => values[name] !== undefined && values[name] !== '';
  const missing = specs.filter((s) => !present(s.name)).map((s) => s.name);
  const malformed = specs.filter((s) => present(s.name) && !s.pattern.test(values[s.name]));
  if (malformed.length > 0) {
    throw new UserError(`${source}: ${malformed.map((s) => `${s.name} "${values[s.name]}" is not ${s.format}`).join('; ')}`);
  }
  const context: Partial<Record<keyof ClusterContext, unknown>> = {};
  for (const [fact, name] of Object.entries(FACT_PARAMETERS) as [keyof ClusterContext, string][]) {
    if (present(name)) context[fact] = fact === 'securityGroupIds' ? values[name].split(',') : values[name];
  }
  if (cluster.availabilityZones.every((az) => present(`pod-subnets/${az}`))) {
    context.podSubnets = Object.fromEntries(cluster.availabilityZones.map((az) => [az, values[`pod-subnets/${az}`]]));
  }
  return { context: context as Partial<ClusterContext>, missing };
}

/** The SSM parameters (names below the prefix) a fact of the model comes from. */
export function parametersOf(cluster: ClusterDefinition, fact: keyof ClusterContext): string[] {
  if (fact === 'podSubnets') return cluster.availabilityZones.map((az) => `pod-subnets/${az}`);
  return [FACT_PARAMETERS[fact]];
}

const FACT_PARAMETERS: Readonly<Record<Exclude<keyof ClusterContext, 'podSubnets'>, string>> = {
  accountId: 'account-id',
  baseDomain: 'base-domain',
  certificateArn: 'certificate-arn',
  hostedZoneId: 'hosted-zone-id',
  oidcIssuer: 'oidc-issuer',
  securityGroupIds: 'security-group-ids',
  vpcId: 'vpc-id',
  identityCenterInstanceArn: 'identity-center-instance-arn',
  argocdAdminGroupId: 'argocd-admin-group-id',
};

/** The names of the facts a cluster's cache holds, as the model calls them. */
const FACTS: readonly (keyof ClusterContext)[] = [...(Object.keys(FACT_PARAMETERS) as (keyof ClusterContext)[]), 'podSubnets'];

/**
 * Thrown when a render reads a fact a pending cluster does not have yet: the part of the render
 * that needs it is then not written (see `pendingCluster`), and no placeholder ever reaches YAML.
 */
export class MissingFact extends Error {
  constructor(readonly fact: keyof ClusterContext) {
    super(`account fact ${fact} is not there yet`);
    this.name = 'MissingFact';
  }
}

/**
 * The cluster as far as its cache goes: the definition and the facts there are. Reading a fact that
 * is not there throws MissingFact; `assume` gives stand-ins for some (to find what else a render
 * reads: see `pendingClusterFiles` in lib/render/project.ts).
 */
export function pendingCluster(definition: ClusterDefinition, context: Partial<ClusterContext>, assume: Partial<ClusterContext> = {}): Cluster {
  const known = new Set<string>(FACTS);
  const target: Record<string, unknown> = { ...definition, ...assume, ...context };
  return new Proxy(target, {
    get(object, key) {
      if (typeof key === 'string' && known.has(key) && !(key in object)) throw new MissingFact(key as keyof ClusterContext);
      return object[key as string];
    },
  }) as unknown as Cluster;
}
