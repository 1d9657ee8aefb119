import { BOUNDARY_PATH, boundaryPolicyName, serviceBoundary, type PolicyDocument } from './iam';
import type { Cluster, Environment } from './model';

/** The subset of a CloudFormation template this repository renders; these types are its schema. */
export interface CloudFormationTemplate {
  readonly AWSTemplateFormatVersion: '2010-09-09';
  readonly Description: string;
  readonly Parameters?: Readonly<Record<string, TemplateParameter>>;
  readonly Resources: Readonly<Record<string, TemplateResource>>;
  readonly Outputs: Readonly<Record<string, { readonly Description: string; readonly Value: { readonly Ref: string } }>>;
}

/** A value the template takes at deploy time (`bookstore bootstrap` looks it up and passes it). */
export interface TemplateParameter {
  readonly Type: 'String';
  readonly Description: string;
  readonly AllowedPattern: string;
}

export type TemplateResource = ManagedPolicyResource | SecurityGroupIngressResource | LogGroupResource;

export interface ManagedPolicyResource {
  readonly Type: 'AWS::IAM::ManagedPolicy';
  readonly Properties: {
    readonly ManagedPolicyName: string;
    readonly Path: string;
    readonly Description: string;
    readonly PolicyDocument: PolicyDocument;
  };
}

/** One inbound rule on a security group the stack does not own (the cluster's): removed with the stack. */
export interface SecurityGroupIngressResource {
  readonly Type: 'AWS::EC2::SecurityGroupIngress';
  readonly Properties: {
    readonly GroupId: string;
    readonly IpProtocol: 'tcp';
    readonly FromPort: number;
    readonly ToPort: number;
    readonly SourcePrefixListId: { readonly Ref: string };
    readonly Description: string;
  };
}

export interface LogGroupResource {
  readonly Type: 'AWS::Logs::LogGroup';
  readonly Properties: {
    readonly LogGroupName: string;
    readonly RetentionInDays: number;
  };
}

/** What a mesh provider needs in the account before its controller can use it, in the cluster's bootstrap stack. */
export interface AccountPrerequisites {
  readonly parameters?: Readonly<Record<string, TemplateParameter>>;
  readonly resources: Readonly<Record<string, TemplateResource>>;
}

/** The stack that holds a cluster's one-time AWS prerequisites (`bookstore bootstrap <cluster>` deploys it). */
export function bootstrapStackName(cluster: { readonly name: string }): string {
  return `bookstore-${cluster.name}-bootstrap`;
}

/**
 * dist/<cluster>/cluster/bootstrap.yaml: what must exist in the account before Argo CD syncs, and
 * that no controller on the cluster may make: the permissions boundary every service role the ACK
 * IAM controller creates carries (that controller is denied any change to it), and what each mesh
 * provider in use needs (`prerequisites`: VPC Lattice's inbound rules and access-log groups).
 * Deployed by `bookstore bootstrap <cluster>`, never by Argo CD. It names the cluster's resources
 * by pattern, so adding a service leaves it unchanged (unless the service brings a new port to a
 * Lattice environment); adding an environment changes it.
 */
export function bootstrapTemplate(cluster: Cluster, environments: readonly Environment[], prerequisites: readonly AccountPrerequisites[] = []): CloudFormationTemplate {
  const parameters = Object.assign({}, ...prerequisites.map((p) => p.parameters ?? {}));
  const extra = prerequisites.length > 0 ? ' and the account prerequisites of its meshes' : '';
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Bookstore ${cluster.name}: the permissions boundary of the service roles the ACK IAM controller creates${extra}`,
    ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}),
    Resources: {
      ServiceBoundary: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: boundaryPolicyName(cluster),
          Path: BOUNDARY_PATH,
          Description: `At most what a Bookstore service on ${cluster.name} may do: its environments' tables, their meshes, X-Ray writes`,
          PolicyDocument: serviceBoundary(cluster, environments),
        },
      },
      ...Object.assign({}, ...prerequisites.map((p) => p.resources)),
    },
    Outputs: { ServiceBoundaryArn: { Description: 'The boundary every service role carries', Value: { Ref: 'ServiceBoundary' } } },
  };
}
