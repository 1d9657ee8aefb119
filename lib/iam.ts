import type { Cluster, Environment } from './model';
import { tableName } from './naming';
import type { ServiceDefinition } from './service';

/** An IAM policy statement as IAM reads it. */
export interface PolicyStatement {
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/**
 * One IAM role for a Kubernetes service account (IRSA), created by eksctl with a fixed name so
 * its ARN is known when the manifests are rendered. eksctl scopes the role's trust policy to
 * exactly this namespace and service account.
 */
export interface IrsaRole {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly roleName: string;
  /** An inline policy written here, least privilege. */
  readonly policy?: PolicyDocument;
  /** AWS managed policies, where AWS maintains the right set of actions. */
  readonly managedPolicyArns?: readonly string[];
  /** eksctl's built-in copy of a controller's upstream policy. */
  readonly wellKnownPolicies?: Readonly<Record<string, boolean>>;
}

export function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** X-Ray writes and sampling reads: X-Ray has no resource-level permissions, so `*` is what AWS requires. */
export const XRAY_WRITE: PolicyStatement = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
  Resource: '*',
};

/** The DynamoDB actions the Bookstore APIs use. */
export const TABLE_ACTIONS = [
  'dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem',
  'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem',
];

export function tableArn(cluster: Cluster, table: string): string {
  return `arn:aws:dynamodb:${cluster.region}:${cluster.accountId}:table/${table}`;
}

/**
 * A Bookstore service's pods: its own table and that table's indexes (the course's index ARN
 * named the account instead of the table), and what its environment's mesh provider needs
 * (App Mesh: its own virtual node's envoy configuration and X-Ray; VPC Lattice and none: nothing).
 */
export function servicePolicy(cluster: Cluster, environment: Environment, service: ServiceDefinition,
  meshStatements: readonly PolicyStatement[] = []): PolicyDocument {
  const statements: PolicyStatement[] = [];
  if (service.table) {
    const arn = tableArn(cluster, tableName(environment, service.table.name));
    statements.push({ Effect: 'Allow', Action: TABLE_ACTIONS, Resource: [arn, `${arn}/index/*`] });
  }
  return policy(...statements, ...meshStatements);
}
