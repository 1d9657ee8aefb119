/**
 * The shapes of the facts that flow down from main.ts: cluster → chart → construct.
 * Nothing here does I/O; lib/load/project.ts reads the files that fill these shapes.
 */
import { UserError } from './errors';

/** What a file in clusters/ declares about one EKS cluster. */
export interface ClusterDefinition {
  /** EKS cluster name; also the folder under dist/. */
  readonly name: string;
  /** AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** The availability zones the cluster spans, in order. */
  readonly availabilityZones: readonly string[];
  /**
   * Kubernetes minor version of the control plane, e.g. `1.35`: one EKS still creates, with a schema
   * in imports/validators/ (every object of the cluster is validated against it).
   */
  readonly kubernetesVersion: string;
  /** SSM Parameter Store path that holds the account facts, ending in `/`. */
  readonly ssmPrefix: string;
  /** The Git URL Argo CD reads this repository from. */
  readonly repoUrl: string;
  /** The branch Argo CD follows. @default 'main' */
  readonly targetRevision?: string;
  /** Primary VPC CIDR eksctl creates. @default '10.0.0.0/16' */
  readonly vpcCidr?: string;
  /**
   * Keep the API endpoint reachable from the internet as well as from the VPC. eksctl cannot
   * create a cluster whose endpoint is private only (it must reach the API to join the nodes);
   * turn this off after bootstrap for the private cluster the course recommends. @default true
   */
  readonly endpointPublicAccess?: boolean;
  /**
   * Namespaces whose pods run on Fargate (a Fargate profile selects them). Their environments'
   * mesh must run there: `lattice` or `none`, not `istio` (its node agents are DaemonSets) — synth
   * refuses that pair. EKS Pod Identity does not reach Fargate pods, so the services' roles stay on
   * IRSA (trusted through the cluster's OIDC provider); the add-ons, which run on the EC2 nodes, use
   * Pod Identity. @default []
   */
  readonly fargateNamespaces?: readonly string[];
  /**
   * Namespaces whose pods run on the spot node group (the course's cheap option: a nodeSelector on
   * its `lifecycle: Ec2Spot` label; the termination handler drains a node before AWS reclaims it).
   * Other namespaces' pods go wherever the scheduler puts them. @default []
   */
  readonly spotNamespaces?: readonly string[];
  /**
   * Who runs Argo CD and the ACK controllers. `self-managed`: add-ons on the cluster's nodes, each
   * from its pinned chart (platform/argo-cd.ts, platform/ack.ts). `eks-capabilities`: AWS runs
   * them as EKS Capabilities, which eksctl creates with the cluster (lib/render/capabilities.ts); the
   * ACK controllers' policies become the ACK capability's, and people sign in to Argo CD through
   * IAM Identity Center (`identityCenter`). @default 'self-managed'
   */
  readonly controllers?: Controllers;
  /** With `controllers: 'eks-capabilities'`: the IAM Identity Center the managed Argo CD signs people in with. */
  readonly identityCenter?: IdentityCenter;
}

export type Controllers = 'self-managed' | 'eks-capabilities';

export interface IdentityCenter {
  /** The region of the account's Identity Center instance, e.g. `us-east-1`. */
  readonly region: string;
  /** The display name of the Identity Center group whose members get Argo CD's ADMIN role. */
  readonly adminGroup: string;
}

/** Facts that exist only in the AWS account, cached from SSM in clusters/<cluster>.context.json. */
export interface ClusterContext {
  readonly accountId: string;
  readonly vpcId: string;
  /** Secondary-CIDR (100.64.0.0/16) subnet per availability zone, for VPC CNI custom networking. */
  readonly podSubnets: Readonly<Record<string, string>>;
  /** Security groups the pods' ENIs get (the cluster's security groups). */
  readonly securityGroupIds: readonly string[];
  readonly hostedZoneId: string;
  readonly baseDomain: string;
  readonly certificateArn: string;
  /** The cluster's OIDC issuer without `https://` (`oidc.eks.<region>.amazonaws.com/id/<id>`): the IRSA trust of the service roles. */
  readonly oidcIssuer: string;
  /** With eks-capabilities: the ARN of the account's IAM Identity Center instance. */
  readonly identityCenterInstanceArn?: string;
  /** With eks-capabilities: the id of the `identityCenter.adminGroup` group in its identity store. */
  readonly argocdAdminGroupId?: string;
}

export interface Cluster extends ClusterDefinition, ClusterContext {}

/** Argo CD sync behaviour of one environment. */
export interface SyncPolicy {
  /** Sync on every change in Git; false: a person presses sync. */
  readonly automated: boolean;
  /** Delete objects that left Git. Only with automated. */
  readonly prune: boolean;
  /** Undo changes made on the cluster by hand. Only with automated. */
  readonly selfHeal: boolean;
}

/** One environment overlay, environments/<name>.yaml, validated. */
export interface Environment {
  /** The file's base name: `development`, `production`. */
  readonly name: string;
  /** The cluster (a file in clusters/) the environment runs on. */
  readonly cluster: string;
  readonly namespace: string;
  /** Appended to each service's host label: `-development` gives `bookstore-development.<domain>`. */
  readonly hostSuffix: string;
  readonly sync: SyncPolicy;
  /** Image tag per service whose image is built into the account's ECR. */
  readonly images: Readonly<Record<string, string>>;
  /** Replica count per service; services not listed get the environment's default. */
  readonly replicas: Readonly<Record<string, number>>;
  /** Replicas of a service not listed in `replicas`. */
  readonly defaultReplicas: number;
  /**
   * `production`: the availability rules apply (at least 2 replicas, a PodDisruptionBudget, pods
   * spread over zones). @default 'development'
   */
  readonly tier: Tier;
  /** How the environment's DynamoDB tables are protected beyond the retain policy every table has. */
  readonly data: DataProtection;
  /** The mesh provider that carries calls between its services (a file in lib/render/mesh/). @default 'lattice' */
  readonly mesh: string;
}

/**
 * The environment as one service's objects see it: the overlay's tag of that service only. Reading
 * another service's tag is an error naming the service file: a tag then feeds its own service's
 * file and nothing else, which is what lets a bump rewrite that file alone (lib/synth.ts,
 * `renderTagChange`) without rendering the rest of the folder to compare.
 */
export function environmentOf(environment: Environment, service: string): Environment {
  const own: Record<string, string> = service in environment.images ? { [service]: environment.images[service] } : {};
  const images = new Proxy(Object.freeze(own), {
    get(target, key, receiver) {
      if (typeof key === 'string' && key !== service && Object.prototype.hasOwnProperty.call(environment.images, key)) {
        throw new UserError(`services/${service}.ts: reads the tag of ${key} (environments/${environment.name}.yaml, images); a service sees its own tag only`);
      }
      return Reflect.get(target, key, receiver);
    },
  });
  return { ...environment, images };
}

export type Tier = 'development' | 'production';

/** Replicas of a production-tier service: never fewer. */
export const PRODUCTION_MIN_REPLICAS = 2;

export interface DataProtection {
  /** Continuous backups: restore to any second of the last 35 days. */
  readonly pointInTimeRecovery: boolean;
  /** DynamoDB refuses DeleteTable, from any client, while it is on. */
  readonly deletionProtection: boolean;
}

/** Everything an environment's chart needs to know while it renders a service. */
export interface ServiceContext {
  readonly cluster: Cluster;
  readonly environment: Environment;
  /** Full host name of a service in this environment, e.g. `api-development.example.com`. */
  hostOf(service: string): string;
  /** The Kubernetes Service name of a Bookstore service, e.g. `clients-api-service`. */
  serviceNameOf(service: string): string;
  /** The URL a caller uses for a Bookstore service under the environment's mesh, e.g. `http://clients-api-service:5003`. */
  urlOf(service: string): string;
  /** The services that declare this one as a backend: the only pods its NetworkPolicy admits. */
  callersOf(service: string): string[];
}
