import { CLUSTER_RBAC, CRDS, defineHelmAddOn, roleAnnotations, type HelmChart } from '../lib/render/addon';
import { environmentTablesArn, policy } from '../lib/render/iam';

export const defaultProps = {
  // Source: aws-controllers-k8s/dynamodb-controller, helm/, tag v1.9.2
  // (commit 8f8c351cbd2b81083f062da34dd16f7e867c95e8), the newest release we can show; the imported
  // Table CRD is this controller's. 1.11.0 (reported release PR #183) is not provably published.
  // Argo CD takes an OCI Helm repository without the oci:// scheme.
  chart: { repository: 'public.ecr.aws/aws-controllers-k8s', chart: 'dynamodb-chart', version: '1.9.2' } satisfies HelmChart,
  namespace: 'ack-system',
  serviceAccount: 'ack-dynamodb-controller',
} as const;

/**
 * What the controller does to a table over its life: create it, read it back (the table, its
 * backups setting, time to live, contributor insights, tags, resource policy), bring it in line
 * with the spec, tag it. No DeleteTable: every Bookstore table is retained, and nothing else.
 */
export const CONTROLLER_ACTIONS = [
  'dynamodb:CreateTable',
  'dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTimeToLive',
  'dynamodb:DescribeContributorInsights', 'dynamodb:DescribeKinesisStreamingDestination',
  'dynamodb:ListTagsOfResource', 'dynamodb:GetResourcePolicy',
  'dynamodb:UpdateTable', 'dynamodb:UpdateContinuousBackups', 'dynamodb:UpdateTimeToLive', 'dynamodb:UpdateContributorInsights',
  'dynamodb:TagResource', 'dynamodb:UntagResource',
] as const;

/**
 * The ACK DynamoDB controller: it turns the environments' `Table` objects into DynamoDB tables.
 * Its role reaches the tables of this cluster's environments, by prefix (`<env>-*`), so adding a
 * service leaves the role as it is; a cluster without environments gets no statement at all.
 */
export default defineHelmAddOn({
  name: 'ack-dynamodb',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  syncWave: 1,
  capability: 'ACK',
  // Table, Backup, GlobalTable; and ACK's common FieldExport and IAMRoleSelector.
  crdGroups: ['dynamodb.services.k8s.aws', 'services.k8s.aws'],
  clusterKinds: [CRDS, ...CLUSTER_RBAC],
  awsRole: (cluster, { environments }) => {
    const tables = environments.map((environment) => environmentTablesArn(cluster, environment)).sort();
    return {
      namespace: defaultProps.namespace,
      serviceAccount: defaultProps.serviceAccount,
      roleName: `${cluster.name}-ack-dynamodb`,
      policy: policy(...(tables.length > 0 ? [{ Effect: 'Allow' as const, Action: [...CONTROLLER_ACTIONS], Resource: tables }] : [])),
    };
  },
  values: (cluster, role) => ({
    aws: { region: cluster.region },
    serviceAccount: {
      create: true,
      name: defaultProps.serviceAccount,
      annotations: roleAnnotations(role),
    },
  }),
});
