// The IAM documents and roles the renders speak of: types, and the two helpers every policy uses.
/** IAM condition operators over keys and values, e.g. `{ StringEquals: { 'iam:PermissionsBoundary': arn } }`. */
export type Condition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** An IAM policy statement as IAM reads it. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Condition;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** A role's trust policy: who may assume it. */
export interface TrustPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<{
    readonly Effect: 'Allow';
    readonly Principal: { readonly Federated: string };
    readonly Action: 'sts:AssumeRoleWithWebIdentity';
    readonly Condition: Condition;
  }>;
}

/**
 * The IAM role of an add-on's service account, created by eksctl with the cluster. Add-ons run on
 * the EC2 nodes (Fargate serves environment namespaces only), so by default the role reaches its
 * pods through an EKS Pod Identity association (`iam.podIdentityAssociations`, the
 * `eks-pod-identity-agent` add-on): no OIDC trust to keep per cluster, no annotation on the service
 * account, the same role name and policies. `irsa` keeps a role on IAM roles for service accounts,
 * with the reason (a controller whose SDK or start-up order Pod Identity does not serve).
 */
export interface AddOnRole {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly roleName: string;
  /** An inline policy written here, least privilege. */
  readonly policy?: PolicyDocument;
  /** AWS managed policies, where AWS maintains the right set of actions. */
  readonly managedPolicyArns?: readonly string[];
  /** eksctl's built-in copy of a controller's upstream policy (a name eksctl knows for Pod Identity and IRSA alike). */
  readonly wellKnownPolicies?: Readonly<Record<string, boolean>>;
  /** The EKS add-on whose service account this is: eksctl installs that add-on with this role. */
  readonly eksAddOn?: string;
  /** The add-on version eksctl installs (`latest`, or an exact one), where its default version is not enough. @default EKS's default version */
  readonly eksAddOnVersion?: string;
  /** Why this role stays on IRSA (an annotated service account trusted through the OIDC provider) instead of Pod Identity. */
  readonly irsa?: { readonly why: string };
}

/** How a role's pods get its credentials: a Pod Identity association, or IRSA (see AddOnRole). */
export function usesPodIdentity(role: AddOnRole): boolean {
  return role.irsa === undefined;
}

export function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * What the AWS Gateway API Controller (platform/aws-gateway-controller.ts) calls that has no
 * resource-level permission in IAM: granted on `*`, as AWS requires, and so allowed on `*` by the
 * posture policy (WILDCARD_ONLY_ACTIONS).
 */
export const LATTICE_CONTROLLER_UNSCOPED_ACTIONS: readonly string[] = [
  'vpc-lattice:ListServiceNetworks',
  'vpc-lattice:ListServices',
  'vpc-lattice:ListTargetGroups',
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeTags',
  'ec2:DescribeSecurityGroups',
  'tag:GetResources',
  'tag:TagResources',
  'tag:UntagResources',
  // Access logs to CloudWatch Logs: vended-log deliveries and the log group's resource policy.
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];
