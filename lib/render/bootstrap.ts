import { BOUNDARY_PATH, boundaryPolicyName, serviceBoundary } from './iam';
import type { Cluster, Environment } from '../model';
import { pascalCase } from '../model/naming';

import type { AccountPrerequisites, CloudFormationTemplate } from '../model/cloudformation';

/** The secondary CIDR of the pods (VPC CNI custom networking: platform/vpc-cni.ts), and the size of each zone's subnet in it. */
export const POD_CIDR = '100.64.0.0/16';
const POD_SUBNET_BITS = 19;

/** The pod subnet of the i-th zone: consecutive /19s of POD_CIDR (8 zones at most), as the course cut them. */
export function podSubnetCidr(index: number): string {
  const size = 2 ** (32 - POD_SUBNET_BITS);
  if (index < 0 || index >= 2 ** (POD_SUBNET_BITS - 16)) throw new Error(`no /${POD_SUBNET_BITS} number ${index} in ${POD_CIDR}`);
  return `100.64.${(index * size) / 256}.0/${POD_SUBNET_BITS}`;
}

/** The stack that adds the pods' secondary CIDR and subnets to the VPC eksctl made (`bookstore bootstrap <cluster>` deploys it). */
export function podNetworkStackName(cluster: { readonly name: string }): string {
  return `bookstore-${cluster.name}-pod-network`;
}

/** The pod network template's parameters: the VPC, and the route table of eksctl's private subnet in each zone. */
export const VPC_PARAMETER = 'VpcId';
export function routeTableParameter(zone: string): string {
  return pascalCase('route', 'table', zone);
}

/**
 * dist/<cluster>/cluster/pod-network.yaml: the pods' secondary CIDR (100.64.0.0/16) on the VPC
 * eksctl creates, and one subnet of it per zone, routed like eksctl's private subnet of that zone
 * (through its NAT gateway): what the course's `cni/setup.sh` made by hand. It needs the VPC, so it
 * is deployed after the cluster and before its facts are read; a cluster whose pod subnets exist
 * (made by the course's stack) never deploys it.
 */
export function podNetworkTemplate(cluster: { readonly name: string; readonly availabilityZones: readonly string[] }): CloudFormationTemplate {
  const zone = (az: string) => pascalCase(az);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Bookstore ${cluster.name}: the pods' secondary CIDR ${POD_CIDR} and one subnet of it per zone (VPC CNI custom networking)`,
    Parameters: {
      [VPC_PARAMETER]: { Type: 'AWS::EC2::VPC::Id', Description: `The VPC eksctl created for ${cluster.name}` },
      ...Object.fromEntries(
        cluster.availabilityZones.map((az) => [
          routeTableParameter(az),
          {
            Type: 'String' as const,
            AllowedPattern: '^rtb-[0-9a-f]{8,17}$',
            Description: `The route table of eksctl's private subnet in ${az}`,
          },
        ]),
      ),
    },
    Resources: {
      PodCidr: { Type: 'AWS::EC2::VPCCidrBlock', Properties: { VpcId: { Ref: VPC_PARAMETER }, CidrBlock: POD_CIDR } },
      ...Object.fromEntries(
        cluster.availabilityZones.flatMap((az, i) => [
          [
            `PodSubnet${zone(az)}`,
            {
              Type: 'AWS::EC2::Subnet' as const,
              DependsOn: 'PodCidr',
              Properties: {
                VpcId: { Ref: VPC_PARAMETER },
                AvailabilityZone: az,
                CidrBlock: podSubnetCidr(i),
                Tags: [{ Key: 'Name', Value: `${cluster.name}-pods-${az}` }],
              },
            },
          ],
          [
            `PodSubnet${zone(az)}Routes`,
            {
              Type: 'AWS::EC2::SubnetRouteTableAssociation' as const,
              Properties: { SubnetId: { Ref: `PodSubnet${zone(az)}` }, RouteTableId: { Ref: routeTableParameter(az) } },
            },
          ],
        ]),
      ),
    },
    Outputs: Object.fromEntries(
      cluster.availabilityZones.map((az) => [`PodSubnet${zone(az)}`, { Description: `The pod subnet in ${az}`, Value: { Ref: `PodSubnet${zone(az)}` } }]),
    ),
  };
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
export function bootstrapTemplate(
  cluster: Cluster,
  environments: readonly Environment[],
  prerequisites: readonly AccountPrerequisites[] = [],
): CloudFormationTemplate {
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
