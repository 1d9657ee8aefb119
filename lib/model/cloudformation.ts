import type { PolicyDocument } from './iam';

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
  readonly Type: 'String' | 'AWS::EC2::VPC::Id';
  readonly Description: string;
  readonly AllowedPattern?: string;
}

export type TemplateResource =
  ManagedPolicyResource | SecurityGroupIngressResource | LogGroupResource | VpcCidrBlockResource | SubnetResource | SubnetRouteTableAssociationResource;

export interface VpcCidrBlockResource {
  readonly Type: 'AWS::EC2::VPCCidrBlock';
  readonly Properties: { readonly VpcId: { readonly Ref: string }; readonly CidrBlock: string };
}

export interface SubnetResource {
  readonly Type: 'AWS::EC2::Subnet';
  /** A subnet of a secondary CIDR can be made only once the VPC has that CIDR. */
  readonly DependsOn: string;
  readonly Properties: {
    readonly VpcId: { readonly Ref: string };
    readonly AvailabilityZone: string;
    readonly CidrBlock: string;
    readonly Tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  };
}

export interface SubnetRouteTableAssociationResource {
  readonly Type: 'AWS::EC2::SubnetRouteTableAssociation';
  readonly Properties: { readonly SubnetId: { readonly Ref: string }; readonly RouteTableId: { readonly Ref: string } };
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
