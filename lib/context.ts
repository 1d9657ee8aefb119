import type { ClusterContext, ClusterDefinition } from './model';
import { UserError } from './errors';

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
}

export function parameterSpecs(cluster: ClusterDefinition): ParameterSpec[] {
  return [
    { name: 'account-id', description: 'the AWS account id', format: 'a 12-digit account id', pattern: /^\d{12}$/ },
    { name: 'base-domain', description: 'the domain of the Route 53 hosted zone (hosts are <name>.<base-domain>)',
      format: 'a domain name', pattern: /^([a-z0-9-]+\.)+[a-z]{2,}$/ },
    { name: 'certificate-arn', description: `the ACM certificate for *.<base-domain> in ${cluster.region}`,
      format: `an ACM certificate ARN in ${cluster.region}`, pattern: new RegExp(`^arn:aws:acm:${cluster.region}:\\d{12}:certificate/[0-9a-f-]+$`) },
    { name: 'hosted-zone-id', description: 'the Route 53 hosted zone id', format: 'a hosted zone id (Z...)', pattern: /^Z[0-9A-Z]{1,31}$/ },
    ...cluster.availabilityZones.map((az) => ({
      name: `pod-subnets/${az}`, description: `the secondary-CIDR (100.64.0.0/16) subnet for pods in ${az}`,
      format: 'a subnet id', pattern: /^subnet-[0-9a-f]{8,17}$/,
    })),
    { name: 'oidc-issuer', description: 'the cluster\'s OIDC issuer without https:// (the IRSA trust of the service roles)',
      format: `oidc.eks.${cluster.region}.amazonaws.com/id/<32 hex digits>`,
      pattern: new RegExp(`^oidc\\.eks\\.${cluster.region}\\.amazonaws\\.com/id/[0-9A-F]{32}$`) },
    { name: 'security-group-ids', description: 'the security groups of the pods\' ENIs (the cluster\'s), comma-separated',
      format: 'comma-separated security group ids', pattern: /^sg-[0-9a-f]{8,17}(,sg-[0-9a-f]{8,17})*$/ },
    { name: 'vpc-id', description: 'the cluster\'s VPC', format: 'a VPC id', pattern: /^vpc-[0-9a-f]{8,17}$/ },
  ];
}

/**
 * Checks the cached parameter values of a cluster and turns them into typed facts.
 * Every missing or malformed value is named in one error; none becomes an empty string in YAML.
 */
export function parseContext(cluster: ClusterDefinition, values: Readonly<Record<string, string>>, source: string): ClusterContext {
  const specs = parameterSpecs(cluster);
  const missing = specs.filter((s) => values[s.name] === undefined || values[s.name] === '').map((s) => s.name);
  if (missing.length > 0) {
    throw new UserError(`${source}: missing ${missing.map((m) => cluster.ssmPrefix + m).join(', ')}`);
  }
  const malformed = specs.filter((s) => !s.pattern.test(values[s.name]));
  if (malformed.length > 0) {
    throw new UserError(`${source}: ${malformed.map((s) => `${s.name} "${values[s.name]}" is not ${s.format}`).join('; ')}`);
  }
  return {
    accountId: values['account-id'],
    baseDomain: values['base-domain'],
    certificateArn: values['certificate-arn'],
    hostedZoneId: values['hosted-zone-id'],
    oidcIssuer: values['oidc-issuer'],
    podSubnets: Object.fromEntries(cluster.availabilityZones.map((az) => [az, values[`pod-subnets/${az}`]])),
    securityGroupIds: values['security-group-ids'].split(','),
    vpcId: values['vpc-id'],
  };
}
