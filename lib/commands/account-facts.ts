import { POD_CIDR, podNetworkStackName } from '../render/bootstrap';
import { parameterSpecs, readContext, type ParameterSpec } from '../load/context';
import { UserError } from '../model/errors';
import type { ClusterDefinition } from '../model';
import type { Operator } from './operator';

/** What the pod subnets' CIDRs start with: they are cut from POD_CIDR, a /16. */
const POD_CIDR_PREFIX = `${POD_CIDR.split('.').slice(0, 2).join('.')}.`;

/** The cluster's facts of one kind (`source` in lib/load/context.ts), found with the AWS CLI: name below the SSM prefix → value. */
type Finder = (op: Operator, cluster: ClusterDefinition, known: Readonly<Record<string, string>>, domain: string | undefined) => Record<string, string>;

const placeholder = (name: string) => `<${name}>`;

/** The account's own facts: who we are, the hosted zone of the base domain, its wildcard certificate in the cluster's region. */
const accountFacts: Finder = (op, cluster, known, domain) => {
  const base = domain ?? known['base-domain'];
  if (!base)
    throw new UserError(
      `bootstrap ${cluster.name}: name the domain of its Route 53 hosted zone with --domain (e.g. --domain example.com); it becomes ${cluster.ssmPrefix}base-domain`,
    );
  const identity = op.read('aws', ['sts', 'get-caller-identity', '--output', 'json'], 'account-id');
  const zones = op.read(
    'aws',
    ['route53', 'list-hosted-zones-by-name', '--dns-name', base, '--output', 'json'],
    'hosted-zone-id: the public zone of the base domain',
  );
  const certificates = op.read(
    'aws',
    ['acm', 'list-certificates', '--region', cluster.region, '--certificate-statuses', 'ISSUED', '--output', 'json'],
    `certificate-arn: the issued certificate for *.${base}`,
  );
  const signIn = cluster.controllers === 'eks-capabilities' ? identityCenterFacts(op, cluster) : {};
  if (op.dryRun)
    return {
      'account-id': placeholder('account-id'),
      'base-domain': base,
      'hosted-zone-id': placeholder('hosted-zone-id'),
      'certificate-arn': placeholder('certificate-arn'),
      ...signIn,
    };

  const zone = (zones?.HostedZones ?? []).find((z: any) => z.Name === `${base}.` && !z.Config?.PrivateZone);
  if (!zone)
    throw new UserError(
      `bootstrap ${cluster.name}: Route 53 has no public hosted zone ${base}: create it (or give its domain with --domain); nothing was changed`,
    );
  const wildcard = `*.${base}`;
  const certificate = (certificates?.CertificateSummaryList ?? []).find(
    (c: any) => c.DomainName === wildcard || (c.SubjectAlternativeNameSummaries ?? []).includes(wildcard),
  );
  if (!certificate)
    throw new UserError(
      `bootstrap ${cluster.name}: ACM in ${cluster.region} has no issued certificate for ${wildcard}: request one (DNS validation in ${base}); nothing was changed`,
    );
  return {
    'account-id': String(identity?.Account ?? ''),
    'base-domain': base,
    'hosted-zone-id': String(zone.Id).replace(/^\/hostedzone\//, ''),
    'certificate-arn': certificate.CertificateArn,
    ...signIn,
  };
};

/** The managed Argo CD's sign-in: the account's Identity Center instance, and the id of the group the cluster file names. */
function identityCenterFacts(op: Operator, cluster: ClusterDefinition): Record<string, string> {
  const { region, adminGroup } = cluster.identityCenter!;
  const instances = op.read('aws', ['sso-admin', 'list-instances', '--region', region, '--output', 'json'], 'identity-center-instance-arn');
  const instance = instances?.Instances?.[0];
  if (!op.dryRun && !instance)
    throw new UserError(
      `bootstrap ${cluster.name}: IAM Identity Center has no instance in ${region} (identityCenter.region in clusters/${cluster.name}.ts): enable it there; nothing was changed`,
    );
  const lookup = JSON.stringify({ UniqueAttribute: { AttributePath: 'displayName', AttributeValue: adminGroup } });
  const group = op.read(
    'aws',
    [
      'identitystore',
      'get-group-id',
      '--region',
      region,
      '--identity-store-id',
      op.dryRun ? placeholder('identity-store-id') : instance.IdentityStoreId,
      '--alternate-identifier',
      lookup,
      '--output',
      'json',
    ],
    `argocd-admin-group-id: the group ${adminGroup}`,
  );
  return {
    'identity-center-instance-arn': op.dryRun ? placeholder('identity-center-instance-arn') : instance.InstanceArn,
    'argocd-admin-group-id': op.dryRun ? placeholder('argocd-admin-group-id') : group?.GroupId,
  };
}

/** Whether each of the cluster's zones has its pod subnet, from a describe-subnets answer. */
export function podSubnetsIn(subnets: any, zones: readonly string[]): Map<string, string[]> {
  return new Map(
    zones.map((az) => [
      az,
      (subnets?.Subnets ?? []).filter((s: any) => s.AvailabilityZone === az && String(s.CidrBlock).startsWith(POD_CIDR_PREFIX)).map((s: any) => s.SubnetId),
    ]),
  );
}

/** The cluster's facts: from EKS (its OIDC issuer, VPC, security groups) and EC2 (the pod subnet in each of its zones). */
const clusterFacts: Finder = (op, cluster) => {
  const described = op.read(
    'aws',
    ['eks', 'describe-cluster', '--region', cluster.region, '--name', cluster.name, '--output', 'json'],
    'oidc-issuer, vpc-id, security-group-ids',
  );
  const vpc = described?.cluster?.resourcesVpcConfig;
  const vpcId = op.dryRun ? placeholder('vpc-id') : vpc?.vpcId;
  const subnets = op.read(
    'aws',
    ['ec2', 'describe-subnets', '--region', cluster.region, '--filters', `Name=vpc-id,Values=${vpcId}`, '--output', 'json'],
    `pod-subnets/<zone>: the ${POD_CIDR} subnet of each zone`,
  );
  const podSubnets = (az: string) => {
    if (op.dryRun) return placeholder(`pod-subnets/${az}`);
    const found = podSubnetsIn(subnets, [az]).get(az)!;
    if (found.length !== 1) {
      throw new UserError(
        `bootstrap ${cluster.name}: ${found.length === 0 ? 'no' : found.length} subnet${found.length > 1 ? 's' : ''} of ${POD_CIDR} in ${az} of ${vpcId}, where the pods need one: ` +
          `dist/${cluster.name}/cluster/pod-network.yaml makes them (its stack ${podNetworkStackName(cluster)}); no parameter was written`,
      );
    }
    return found[0];
  };
  return {
    'oidc-issuer': op.dryRun ? placeholder('oidc-issuer') : String(described?.cluster?.identity?.oidc?.issuer ?? '').replace(/^https:\/\//, ''),
    'vpc-id': vpcId,
    'security-group-ids': op.dryRun
      ? placeholder('security-group-ids')
      : [...new Set([vpc?.clusterSecurityGroupId, ...(vpc?.securityGroupIds ?? [])].filter(Boolean))].join(','),
    ...Object.fromEntries(cluster.availabilityZones.map((az) => [`pod-subnets/${az}`, podSubnets(az)])),
  };
};

const FINDERS: Readonly<Record<ParameterSpec['source'], Finder>> = { account: accountFacts, cluster: clusterFacts };

/**
 * Finds the cluster's facts of one kind with the AWS CLI and writes them under its SSM prefix
 * (`aws ssm put-parameter --overwrite`: the same value twice changes nothing). Every value is
 * checked as `npm run context` checks it before the first is written, so a wrong answer writes none.
 * Returns the parameters written.
 */
export function gatherFacts(
  op: Operator,
  cluster: ClusterDefinition,
  source: ParameterSpec['source'],
  known: Readonly<Record<string, string>>,
  domain?: string,
): string[] {
  const found = FINDERS[source](op, cluster, known, domain);
  const names = parameterSpecs(cluster)
    .filter((s) => s.source === source)
    .map((s) => s.name);
  const unfound = names.filter((n) => found[n] === undefined);
  if (unfound.length > 0) throw new Error(`no finder for ${unfound.join(', ')}`); // a new fact in lib/load/context.ts needs one here
  if (!op.dryRun) readContext(cluster, { ...known, ...found }, `bootstrap ${cluster.name}: what AWS answered`);
  for (const name of names) {
    op.run(
      'aws',
      ['ssm', 'put-parameter', '--region', cluster.region, '--name', `${cluster.ssmPrefix}${name}`, '--type', 'String', '--overwrite', '--value', found[name]],
      `${name} into SSM`,
    );
  }
  return names;
}
