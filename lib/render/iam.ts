import { UserError } from '../model/errors';
import { environmentOf, type Cluster, type Environment } from '../model';
import { meshProviderOf, XRAY_WRITE } from './mesh';

export { XRAY_WRITE };
import { serviceRolePath, tableName } from '../model/naming';
import { callServiceFile, type ServiceDefinition } from '../model/service';

// The add-on files build their roles' documents with `policy` (lib/model/iam.ts).
export { policy } from '../model/iam';
import { policy, type PolicyDocument, type PolicyStatement, type TrustPolicyDocument } from '../model/iam';

/** The DynamoDB actions the Bookstore APIs use. */
export const TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

function tableArn(cluster: Cluster, table: string): string {
  return `arn:aws:dynamodb:${cluster.region}:${cluster.accountId}:table/${table}`;
}

/**
 * A Bookstore service's pods: its own table and that table's indexes (the course's index ARN
 * named the account instead of the table), what its file declares beyond that (`awsAccess`),
 * and what its environment's mesh provider needs (App Mesh: its own virtual node's envoy
 * configuration and X-Ray; VPC Lattice and none: nothing).
 */
export function servicePolicy(
  cluster: Cluster,
  environment: Environment,
  service: ServiceDefinition,
  meshStatements: readonly PolicyStatement[] = [],
): PolicyDocument {
  const statements: PolicyStatement[] = [];
  if (service.table) {
    const arn = tableArn(cluster, tableName(environment, service.table.name));
    statements.push({ Effect: 'Allow', Action: TABLE_ACTIONS, Resource: [arn, `${arn}/index/*`] });
  }
  for (const access of callServiceFile(service, `awsAccess (${environment.name})`, () => service.awsAccess?.({ cluster, environment }) ?? [])) {
    statements.push({ Effect: 'Allow', Action: [...access.actions], Resource: [...access.resources] });
  }
  return policy(...statements, ...meshStatements);
}

/**
 * The IAM path of everything the ACK IAM controller manages for a cluster: the services' roles
 * (and managed policies, if a service ever needs one). The controller's own policy reaches this path only.
 */
export function iamPath(cluster: Cluster): string {
  return serviceRolePath(cluster);
}

/** The permissions boundary lives beside the path, not in it, so the IAM controller cannot edit it. */
export const BOUNDARY_PATH = '/bookstore/';

export function boundaryPolicyName(cluster: Cluster): string {
  return `${cluster.name}-service-boundary`;
}

export function boundaryArn(cluster: Cluster): string {
  return `arn:aws:iam::${cluster.accountId}:policy${BOUNDARY_PATH}${boundaryPolicyName(cluster)}`;
}

/** The prefix of every table of an environment: `<env>-`. */
export function environmentTablesArn(cluster: Cluster, environment: Environment): string {
  return tableArn(cluster, tableName(environment, '*'));
}

/**
 * The permissions boundary of every role the ACK IAM controller creates for this cluster: the
 * union of what a Bookstore service may do, by pattern, so that adding a service changes nothing:
 * the table actions on the tables of the cluster's environments (`<env>-*`) and their indexes,
 * App Mesh's envoy on the virtual nodes of the environments' meshes, X-Ray writes.
 */
export function serviceBoundary(cluster: Cluster, environments: readonly Environment[]): PolicyDocument {
  const tables = environments.map((e) => environmentTablesArn(cluster, e)).sort();
  // What each environment's mesh provider gives its pods, for any service of the environment
  // (App Mesh: envoy on the environment's virtual nodes); X-Ray is the Tracing statement below.
  const mesh = environments.flatMap((e) => meshProviderOf(e).podStatements(cluster, e, ANY_SERVICE)).filter((statement) => statement !== XRAY_WRITE);
  const meshResources = [...new Set(mesh.flatMap((statement) => [statement.Resource].flat()))].sort();
  const meshActions = [...new Set(mesh.flatMap((statement) => statement.Action))].sort();
  return policy(
    // A cluster without environments has no tables and no meshes: no statement with an empty Resource.
    ...(tables.length > 0
      ? [{ Sid: 'EnvironmentTables', Effect: 'Allow' as const, Action: TABLE_ACTIONS, Resource: [...tables, ...tables.map((t) => `${t}/index/*`)] }]
      : []),
    ...(meshResources.length > 0 ? [{ Sid: 'MeshEnvoy', Effect: 'Allow' as const, Action: meshActions, Resource: meshResources }] : []),
    { Sid: 'Tracing', ...XRAY_WRITE },
  );
}

/** Stands for every service of an environment where a policy is written by pattern (the boundary). */
const ANY_SERVICE = { name: '*' } as ServiceDefinition;

/** Each pattern's expression, made once: a boundary check matches every action and resource of every service against it. */
const PATTERNS = new Map<string, RegExp>();

/** IAM's wildcard match: `*` any run of characters, `?` one. */
function matches(pattern: string, value: string): boolean {
  let expression = PATTERNS.get(pattern);
  if (!expression) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    expression = new RegExp(`^${source}$`);
    PATTERNS.set(pattern, expression);
  }
  return expression.test(value);
}

/** What a policy allows that the boundary does not: `<action> on <resource>`, one per pair. */
function beyondBoundary(document: PolicyDocument, boundary: PolicyDocument): string[] {
  const allowed = boundary.Statement.filter((s) => s.Effect === 'Allow' && !s.Condition);
  return document.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
    s.Action.flatMap((action) =>
      [s.Resource]
        .flat()
        .filter((resource) => !allowed.some((b) => b.Action.some((a) => matches(a, action)) && [b.Resource].flat().some((r) => matches(r, resource))))
        .map((resource) => `${action} on ${resource}`),
    ),
  );
}

/**
 * Every service role of a cluster stays within the cluster's boundary; otherwise IAM would
 * silently deny what the service file asks for. Throws naming the service file and the action.
 */
export function checkServiceAccess(
  cluster: Cluster,
  environments: readonly Environment[],
  services: readonly ServiceDefinition[],
  checked: readonly Environment[] = environments,
): void {
  if (checked.length === 0) return;
  // The boundary covers all the cluster's environments; `checked` are those whose services are checked against it.
  const boundary = serviceBoundary(cluster, environments);
  for (const environment of checked) {
    for (const service of services) {
      const own = environmentOf(environment, service.name);
      const beyond = beyondBoundary(servicePolicy(cluster, own, service, meshProviderOf(own).podStatements(cluster, own, service)), boundary);
      if (beyond.length > 0) {
        throw new UserError(
          `services/${service.name}.ts: awsAccess: ${beyond[0]} (${environment.name}) exceeds the permissions boundary of ${cluster.name} (${boundaryPolicyName(cluster)}: the environments' tables, their meshes, X-Ray)`,
        );
      }
    }
  }
}

/** The cluster's OIDC provider, which IAM created for IRSA (`iam.withOIDC`). */
export function oidcProviderArn(cluster: Cluster): string {
  return `arn:aws:iam::${cluster.accountId}:oidc-provider/${cluster.oidcIssuer}`;
}

/** IRSA trust: exactly one service account of one namespace, through the cluster's OIDC provider, for STS. */
export function irsaTrust(cluster: Cluster, namespace: string, serviceAccount: string): TrustPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn(cluster) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${cluster.oidcIssuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${cluster.oidcIssuer}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  };
}
