import { BOUNDARY_PATH, boundaryPolicyName, serviceBoundary, type PolicyDocument } from './iam';
import type { Cluster, Environment } from './model';

/** The subset of a CloudFormation template this repository renders; these types are its schema. */
export interface CloudFormationTemplate {
  readonly AWSTemplateFormatVersion: '2010-09-09';
  readonly Description: string;
  readonly Resources: Readonly<Record<string, ManagedPolicyResource>>;
  readonly Outputs: Readonly<Record<string, { readonly Description: string; readonly Value: { readonly Ref: string } }>>;
}

export interface ManagedPolicyResource {
  readonly Type: 'AWS::IAM::ManagedPolicy';
  readonly Properties: {
    readonly ManagedPolicyName: string;
    readonly Path: string;
    readonly Description: string;
    readonly PolicyDocument: PolicyDocument;
  };
}

/** The stack that holds a cluster's bootstrap IAM: `aws cloudformation deploy --stack-name <this>`. */
export function bootstrapStackName(cluster: Cluster): string {
  return `bookstore-${cluster.name}-bootstrap`;
}

/**
 * dist/<cluster>/cluster/bootstrap.yaml: what must exist before the ACK IAM controller creates the
 * services' roles, applied once by a person with `aws cloudformation deploy` (never by Argo CD):
 * the permissions boundary every one of those roles carries. It names the cluster's resources by
 * pattern, so adding a service leaves it unchanged; adding an environment changes it.
 */
export function bootstrapTemplate(cluster: Cluster, environments: readonly Environment[]): CloudFormationTemplate {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Bookstore ${cluster.name}: the permissions boundary of the service roles the ACK IAM controller creates`,
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
    },
    Outputs: { ServiceBoundaryArn: { Description: 'The boundary every service role carries', Value: { Ref: 'ServiceBoundary' } } },
  };
}
