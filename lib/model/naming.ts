import type { Cluster, Environment } from './';

/** The recommended labels every object of a Bookstore service carries. */
export function serviceLabels(service: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': service,
    'app.kubernetes.io/component': component,
  };
}

/** Labels every rendered object carries (set once per chart). */
export const COMMON_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/part-of': 'bookstore',
  'app.kubernetes.io/managed-by': 'cdk8s',
};

/** IAM role of a service's pods. A fixed name, so the ARN is known at synth time and eksctl creates exactly it. */
export function serviceRoleName(cluster: Cluster, environment: Environment, service: string): string {
  return `${cluster.name}-${environment.name}-${service}`;
}

/** ARN of a role at an IAM path (`/` for the add-on roles eksctl creates; the ARN carries the path). */
export function roleArn(cluster: Cluster, roleName: string, path = '/'): string {
  return `arn:aws:iam::${cluster.accountId}:role${path}${roleName}`;
}

/** The IAM path of the roles the ACK IAM controller creates for a cluster's services. */
export function serviceRolePath(cluster: Cluster): string {
  return `/bookstore/${cluster.name}/`;
}

/** ARN of a service's role: known at render time because name and path are fixed. */
export function serviceRoleArn(cluster: Cluster, environment: Environment, service: string): string {
  return roleArn(cluster, serviceRoleName(cluster, environment, service), serviceRolePath(cluster));
}

/** The DynamoDB table a service owns in an environment. */
export function tableName(environment: Environment, table: string): string {
  return `${environment.name}-${table}`;
}

/** App Mesh mesh of an environment; the Mesh's namespace selector and the namespace label use this one string. */
export function meshName(environment: Environment): string {
  return `${environment.name}-mesh`;
}

/** ECR image of a service built by its CodeBuild project. */
export function ecrImage(cluster: Cluster, service: string, tag: string): string {
  return `${ecrRegistry(cluster)}${ecrRepositoryName(service)}:${tag}`;
}

/** Where the ECR Repository objects live: beside the ACK controllers, in the platform project. */
export const REGISTRY_NAMESPACE = 'ack-system';

/** ECR repository of a service built by CI: one per account and region, shared by the clusters there. */
export function ecrRepositoryName(service: string): string {
  return `bookstore.${service}`;
}

/** The ECR repositories of the Bookstore services, as an ARN pattern (for the ECR controller). */
export function ecrRepositoryArn(cluster: Cluster, repository: string): string {
  return `arn:aws:ecr:${cluster.region}:${cluster.accountId}:repository/${repository}`;
}

/** The cluster account's private ECR registry, with its trailing slash. */
export function ecrRegistry(cluster: Cluster): string {
  return `${cluster.accountId}.dkr.ecr.${cluster.region}.amazonaws.com/`;
}

/** Full public host of a service: its host label, the environment's suffix, the base domain (`api-development.example.com`). */
export function publicHost(cluster: Cluster, environment: Environment, hostLabel: string): string {
  return `${hostLabel}${environment.hostSuffix}.${cluster.baseDomain}`;
}

/** The VPC's primary CIDR: where the ALB's nodes and the worker nodes (kubelet probes) live. */
export function vpcCidrOf(cluster: Cluster): string {
  return cluster.vpcCidr ?? '10.0.0.0/16';
}

/** The Kubernetes service account of a Bookstore service's pods: its IRSA role trusts it, and it is the pods' mesh identity. */
export function serviceAccountOf(service: string): string {
  return `${service}-iam-service-account`;
}

/** The label of the spot node group's nodes (lib/render/cluster-config.ts), which a spot namespace's pods select. */
export const SPOT_NODE_LABELS: Readonly<Record<string, string>> = { lifecycle: 'Ec2Spot' };

/** Letters and digits of `words`, each word capitalised: a CloudFormation logical id, a policy Sid (`us-east-1a` → `UsEast1a`). */
export function pascalCase(...words: readonly (string | number)[]): string {
  return words
    .flatMap((w) => String(w).split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}
