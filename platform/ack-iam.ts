import { CLUSTER_RBAC, CRDS, defineHelmAddOn, roleAnnotations, type HelmChart } from '../lib/render/addon';
import { boundaryArn, iamPath, policy } from '../lib/render/iam';

export const defaultProps = {
  // The ACK project's OCI chart, release 1.8.1 (aws-controllers-k8s/iam-controller tag v1.8.1, commit
  // 7a830c86); the imported Role and Policy CRDs are this chart's. Argo CD takes an OCI repository without oci://.
  chart: { repository: 'public.ecr.aws/aws-controllers-k8s', chart: 'iam-chart', version: '1.8.1' } satisfies HelmChart,
  namespace: 'ack-system',
  serviceAccount: 'ack-iam-controller',
} as const;

/** Reading and tagging the roles and policies under the cluster's path: no change of permissions. */
export const READ_AND_TAG_ACTIONS = [
  'iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags',
  'iam:TagRole', 'iam:UntagRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription',
  'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:ListPolicyTags', 'iam:TagPolicy', 'iam:UntagPolicy',
] as const;

/**
 * What changes a role's permissions: allowed only on a role that has (or, for CreateRole, gets)
 * the cluster's boundary, so whatever the controller writes, the role can do no more than the
 * boundary. Not granted at all: iam:DeleteRolePermissionsBoundary.
 */
export const BOUNDED_ROLE_ACTIONS = [
  'iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy',
] as const;

/** The rest of a role's and a policy's life under the path; their effect is capped by the boundary. */
export const LIFECYCLE_ACTIONS = [
  'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole',
  'iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy',
] as const;

/** Changing the boundary policy itself: denied outright, even if another statement ever allowed it. */
export const BOUNDARY_CHANGES = [
  'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy',
  'iam:TagPolicy', 'iam:UntagPolicy',
] as const;

/**
 * The ACK IAM controller: it turns the services' `Role` objects into IAM roles. Its own role
 * cannot escalate: it reaches only roles and policies under the cluster's IAM path
 * (`/bookstore/<cluster>/`), creates or changes a role's permissions only with the cluster's
 * permissions boundary attached, cannot remove that boundary, and cannot change the boundary
 * policy (which lives outside the path, created by dist/<cluster>/cluster/bootstrap.yaml).
 */
export default defineHelmAddOn({
  name: 'ack-iam',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  syncWave: 1,
  capability: 'ACK',
  crdGroups: ['iam.services.k8s.aws', 'services.k8s.aws'],
  clusterKinds: [CRDS, ...CLUSTER_RBAC],
  awsRole: (cluster) => {
    const roles = `arn:aws:iam::${cluster.accountId}:role${iamPath(cluster)}*`;
    const policies = `arn:aws:iam::${cluster.accountId}:policy${iamPath(cluster)}*`;
    const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': boundaryArn(cluster) } };
    return {
      namespace: defaultProps.namespace,
      serviceAccount: defaultProps.serviceAccount,
      roleName: `${cluster.name}-ack-iam`,
      policy: policy(
        { Sid: 'ReadAndTag', Effect: 'Allow', Action: [...READ_AND_TAG_ACTIONS], Resource: [roles, policies] },
        { Sid: 'ChangeOnlyWithTheBoundary', Effect: 'Allow', Action: [...BOUNDED_ROLE_ACTIONS], Resource: roles, Condition: withBoundary },
        // Managed policies attach only from the path, and only to a role with the boundary.
        {
          Sid: 'AttachOwnPoliciesOnlyWithTheBoundary', Effect: 'Allow', Action: ['iam:AttachRolePolicy'], Resource: roles,
          Condition: { ...withBoundary, ArnLike: { 'iam:PolicyARN': policies } },
        },
        { Sid: 'Lifecycle', Effect: 'Allow', Action: [...LIFECYCLE_ACTIONS], Resource: [roles, policies] },
        { Sid: 'NeverTheBoundary', Effect: 'Deny', Action: [...BOUNDARY_CHANGES], Resource: boundaryArn(cluster) },
        { Sid: 'NeverRemoveTheBoundary', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary'], Resource: '*' },
      ),
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
