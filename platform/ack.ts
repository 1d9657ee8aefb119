import { defineAckController } from '../lib/render/ack-controller';
import type { HelmChart } from '../lib/render/addon';
import { boundaryArn, environmentTablesArn, iamPath, policy } from '../lib/render/iam';
import { ecrRepositoryArn, ecrRepositoryName } from '../lib/model/naming';

// The ACK controllers the Bookstore resources need, one entry each (lib/render/ack-controller.ts has
// what they share). Argo CD takes an OCI Helm repository without the oci:// scheme.

// --- DynamoDB: the environments' tables ---

/**
 * What the controller does to a table over its life: create it, read it back (the table, its
 * backups setting, time to live, contributor insights, tags, resource policy), bring it in line
 * with the spec, tag it. No DeleteTable: every Bookstore table is retained, and nothing else.
 */
export const TABLE_ACTIONS = [
  'dynamodb:CreateTable',
  'dynamodb:DescribeTable',
  'dynamodb:DescribeContinuousBackups',
  'dynamodb:DescribeTimeToLive',
  'dynamodb:DescribeContributorInsights',
  'dynamodb:DescribeKinesisStreamingDestination',
  'dynamodb:ListTagsOfResource',
  'dynamodb:GetResourcePolicy',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateContinuousBackups',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:UpdateContributorInsights',
  'dynamodb:TagResource',
  'dynamodb:UntagResource',
] as const;

/**
 * The ACK DynamoDB controller: it turns the environments' `Table` objects into DynamoDB tables.
 * Its role reaches the tables of this cluster's environments, by prefix (`<env>-*`), so adding a
 * service leaves the role as it is; a cluster without environments gets no statement at all.
 */
const dynamodb = defineAckController({
  service: 'dynamodb',
  // Source: aws-controllers-k8s/dynamodb-controller, helm/, tag v1.9.2
  // (commit 8f8c351cbd2b81083f062da34dd16f7e867c95e8), the newest release we can show; the imported
  // Table CRD is this controller's. 1.11.0 (reported release PR #183) is not provably published.
  chart: { repository: 'public.ecr.aws/aws-controllers-k8s', chart: 'dynamodb-chart', version: '1.9.2' } satisfies HelmChart,
  policy: (cluster, { environments }) => {
    const tables = environments.map((environment) => environmentTablesArn(cluster, environment)).sort();
    return policy(...(tables.length > 0 ? [{ Effect: 'Allow' as const, Action: [...TABLE_ACTIONS], Resource: tables }] : []));
  },
});

// --- ECR: the services' image repositories ---

/**
 * What the controller does to a repository: create it, read it back, bring its scanning, tag
 * mutability, lifecycle policy, repository policy and tags in line with the spec. No
 * DeleteRepository: every Bookstore repository is retained, and no image is ever deleted by a sync.
 */
export const REPOSITORY_ACTIONS = [
  'ecr:CreateRepository',
  'ecr:DescribeRepositories',
  'ecr:PutImageScanningConfiguration',
  'ecr:PutImageTagMutability',
  'ecr:GetLifecyclePolicy',
  'ecr:PutLifecyclePolicy',
  'ecr:DeleteLifecyclePolicy',
  'ecr:GetRepositoryPolicy',
  'ecr:SetRepositoryPolicy',
  'ecr:DeleteRepositoryPolicy',
  'ecr:ListTagsForResource',
  'ecr:TagResource',
  'ecr:UntagResource',
] as const;

/**
 * The ACK ECR controller: it turns the `Repository` objects of dist/<cluster>/registry/ into the
 * ECR repositories CI pushes to. Its role reaches the Bookstore repositories by pattern
 * (`bookstore.*`), so adding a service leaves it as it is.
 */
const ecr = defineAckController({
  service: 'ecr',
  // Release 1.8.1 (aws-controllers-k8s/ecr-controller tag v1.8.1, commit ea6ec93e); the imported Repository CRD is this chart's.
  chart: { repository: 'public.ecr.aws/aws-controllers-k8s', chart: 'ecr-chart', version: '1.8.1' } satisfies HelmChart,
  policy: (cluster) => policy({ Effect: 'Allow', Action: [...REPOSITORY_ACTIONS], Resource: ecrRepositoryArn(cluster, ecrRepositoryName('*')) }),
});

// --- IAM: the services' roles, bounded ---

/** Reading and tagging the roles and policies under the cluster's path: no change of permissions. */
export const READ_AND_TAG_ACTIONS = [
  'iam:GetRole',
  'iam:ListRolePolicies',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRoleTags',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:ListPolicyVersions',
  'iam:ListPolicyTags',
  'iam:TagPolicy',
  'iam:UntagPolicy',
] as const;

/**
 * What changes a role's permissions: allowed only on a role that has (or, for CreateRole, gets)
 * the cluster's boundary, so whatever the controller writes, the role can do no more than the
 * boundary. Not granted at all: iam:DeleteRolePermissionsBoundary.
 */
export const BOUNDED_ROLE_ACTIONS = [
  'iam:CreateRole',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
] as const;

/** The rest of a role's and a policy's life under the path; their effect is capped by the boundary. */
export const LIFECYCLE_ACTIONS = [
  'iam:UpdateAssumeRolePolicy',
  'iam:DeleteRole',
  'iam:CreatePolicy',
  'iam:CreatePolicyVersion',
  'iam:DeletePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:DeletePolicy',
] as const;

/** Changing the boundary policy itself: denied outright, even if another statement ever allowed it. */
export const BOUNDARY_CHANGES = [
  'iam:CreatePolicyVersion',
  'iam:DeletePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:DeletePolicy',
  'iam:TagPolicy',
  'iam:UntagPolicy',
] as const;

/**
 * The ACK IAM controller: it turns the services' `Role` objects into IAM roles. Its own role
 * cannot escalate: it reaches only roles and policies under the cluster's IAM path
 * (`/bookstore/<cluster>/`), creates or changes a role's permissions only with the cluster's
 * permissions boundary attached, cannot remove that boundary, and cannot change the boundary
 * policy (which lives outside the path, created by dist/<cluster>/cluster/bootstrap.yaml).
 */
const iam = defineAckController({
  service: 'iam',
  // Release 1.8.1 (aws-controllers-k8s/iam-controller tag v1.8.1, commit 7a830c86); the imported Role and Policy CRDs are this chart's.
  chart: { repository: 'public.ecr.aws/aws-controllers-k8s', chart: 'iam-chart', version: '1.8.1' } satisfies HelmChart,
  policy: (cluster) => {
    const roles = `arn:aws:iam::${cluster.accountId}:role${iamPath(cluster)}*`;
    const policies = `arn:aws:iam::${cluster.accountId}:policy${iamPath(cluster)}*`;
    const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': boundaryArn(cluster) } };
    return policy(
      { Sid: 'ReadAndTag', Effect: 'Allow', Action: [...READ_AND_TAG_ACTIONS], Resource: [roles, policies] },
      { Sid: 'ChangeOnlyWithTheBoundary', Effect: 'Allow', Action: [...BOUNDED_ROLE_ACTIONS], Resource: roles, Condition: withBoundary },
      // Managed policies attach only from the path, and only to a role with the boundary.
      {
        Sid: 'AttachOwnPoliciesOnlyWithTheBoundary',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy'],
        Resource: roles,
        Condition: { ...withBoundary, ArnLike: { 'iam:PolicyARN': policies } },
      },
      { Sid: 'Lifecycle', Effect: 'Allow', Action: [...LIFECYCLE_ACTIONS], Resource: [roles, policies] },
      { Sid: 'NeverTheBoundary', Effect: 'Deny', Action: [...BOUNDARY_CHANGES], Resource: boundaryArn(cluster) },
      { Sid: 'NeverRemoveTheBoundary', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary'], Resource: '*' },
    );
  },
});

export default [dynamodb, ecr, iam];
