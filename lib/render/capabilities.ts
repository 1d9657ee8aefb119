import type { PlatformAddOn } from '../model/addon';
import type { AddOnRole, PolicyDocument, PolicyStatement } from '../model/iam';
import type { Cluster, ClusterDefinition } from '../model';
import { ARGOCD_NAMESPACE } from '../model/argocd-conventions';
import { pascalCase } from '../model/naming';

/** Whether AWS runs the cluster's Argo CD and ACK controllers (the cluster file's `controllers`). */
export function usesCapabilities(cluster: Pick<ClusterDefinition, 'controllers'>): boolean {
  return cluster.controllers === 'eks-capabilities';
}

/** Whether an add-on runs on the cluster's nodes, rather than being replaced by a capability AWS runs. */
export function runsOnNodes(cluster: Pick<ClusterDefinition, 'controllers'>, addOn: PlatformAddOn): boolean {
  return !(addOn.capability && usesCapabilities(cluster));
}

/**
 * The Kubernetes permissions of the Argo CD capability on its own cluster. EKS creates the
 * capability role's access entry with none; Argo CD applies CRDs, RBAC and webhooks of the add-on
 * charts, as a self-run Argo CD does with its cluster-admin ClusterRole. The AppProjects bound what
 * each Application may deploy.
 */
export const ARGOCD_ACCESS_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

/**
 * One policy from the ACK add-ons' own (their statements, each Sid prefixed with the add-on's name
 * so that two add-ons' Sids cannot collide): the ACK capability runs every controller under one
 * role, with the same scoped permissions the self-run controllers had one by one.
 */
function mergedPolicy(roles: ReadonlyArray<{ readonly addOn: string; readonly role: AddOnRole }>): PolicyDocument {
  const statements: PolicyStatement[] = roles.flatMap(({ addOn, role }) => {
    if (role.managedPolicyArns || role.wellKnownPolicies || !role.policy) {
      throw new Error(`platform/${addOn}.ts: an ACK add-on's role must be one inline policy to merge into the ACK capability's`);
    }
    return role.policy.Statement.map(({ Sid, ...rest }, i) => ({ Sid: `${pascalCase(addOn)}${Sid ?? `Statement${i + 1}`}`, ...rest }));
  });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * The eksctl `capabilities` of a cluster whose controllers AWS runs (eksctl v0.230.0,
 * pkg/apis/eksctl.io/v1alpha5/capability.go): eksctl creates each capability's role, trusted by
 * capabilities.eks.amazonaws.com, with `attachPolicy`. Deleting a capability keeps what it made
 * (`RETAIN`): the tables, roles and repositories of the ACK objects, the Applications' objects.
 */
export function eksCapabilities(cluster: Cluster, ack: ReadonlyArray<{ readonly addOn: string; readonly role: AddOnRole }>): Record<string, unknown>[] {
  if (!usesCapabilities(cluster)) return [];
  const identityCenter = cluster.identityCenter!;
  return [
    {
      name: `${cluster.name}-argocd`,
      type: 'ARGOCD',
      deletePropagationPolicy: 'RETAIN',
      configuration: {
        argocd: {
          namespace: ARGOCD_NAMESPACE,
          awsIdc: { idcInstanceArn: cluster.identityCenterInstanceArn, idcRegion: identityCenter.region },
          rbacRoleMappings: [{ role: 'ADMIN', identities: [{ id: cluster.argocdAdminGroupId, type: 'SSO_GROUP' }] }],
        },
      },
      accessPolicies: [{ policyARN: ARGOCD_ACCESS_POLICY, accessScope: { type: 'cluster' } }],
    },
    ...(ack.length > 0
      ? [
          {
            name: `${cluster.name}-ack`,
            type: 'ACK',
            deletePropagationPolicy: 'RETAIN',
            attachPolicy: mergedPolicy(ack),
          },
        ]
      : []),
  ];
}

/**
 * What synth says about each cluster whose controllers AWS runs: what of the self-run setup is
 * carried over, and what AWS decides instead (nothing is dropped without a line here).
 */
export function capabilitiesReport(clusters: readonly Cluster[]): string[] {
  return clusters
    .filter(usesCapabilities)
    .map(
      (cluster) =>
        `synth: ${cluster.name} runs Argo CD and ACK as EKS Capabilities (eksctl creates them with the cluster): ` +
        "carried: the Application health check (argocd-cm), the OCI chart repositories (repository Secrets), the ACK controllers' scoped policies (the ACK capability's role), " +
        `this cluster's registration (by ARN); AWS decides: the Argo CD and ACK versions and Argo CD's high availability; people sign in through IAM Identity Center (${cluster.identityCenter?.adminGroup} as ADMIN)`,
    );
}
