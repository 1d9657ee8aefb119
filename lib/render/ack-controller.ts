import type { ClusterWorkloads, HelmChart, PlatformAddOn } from '../model/addon';
import type { Cluster } from '../model';
import type { PolicyDocument } from '../model/iam';
import { CLUSTER_RBAC, CRDS, defineHelmAddOn, roleAnnotations } from './addon';

/** The namespace every ACK controller installs into (the ECR repositories' objects live there too). */
const ACK_NAMESPACE = 'ack-system';

/** One AWS Controllers for Kubernetes (ACK) controller: what differs between them. */
export interface AckControllerSpec {
  /** The AWS service it manages, as ACK names it: `iam`, `dynamodb`, `ecr`, … */
  readonly service: string;
  /** Its OCI chart (`<service>-chart` in public.ecr.aws/aws-controllers-k8s), pinned with its source. */
  readonly chart: HelmChart;
  /** Its role's policy: least privilege, on this cluster's resources only. */
  policy(cluster: Cluster, workloads: ClusterWorkloads): PolicyDocument;
}

/**
 * An ACK controller as a platform add-on: its chart in ack-system, its CRDs (the service's API group
 * and ACK's common one) synced before the objects that use them, its service account
 * `ack-<service>-controller` with the role `<cluster>-ack-<service>`, and, on a cluster with EKS
 * Capabilities, the ACK capability in its place (its policy merged into the capability's role).
 */
export function defineAckController(spec: AckControllerSpec): PlatformAddOn {
  const serviceAccount = `ack-${spec.service}-controller`;
  return defineHelmAddOn({
    name: `ack-${spec.service}`,
    namespace: ACK_NAMESPACE,
    chart: spec.chart,
    syncWave: 1,
    capability: 'ACK',
    // The service's kinds, and ACK's common FieldExport and IAMRoleSelector.
    crdGroups: [`${spec.service}.services.k8s.aws`, 'services.k8s.aws'],
    clusterKinds: [CRDS, ...CLUSTER_RBAC],
    awsRole: (cluster, workloads) => ({
      namespace: ACK_NAMESPACE,
      serviceAccount,
      roleName: `${cluster.name}-ack-${spec.service}`,
      policy: spec.policy(cluster, workloads),
    }),
    values: (cluster, role) => ({
      aws: { region: cluster.region },
      serviceAccount: { create: true, name: serviceAccount, annotations: roleAnnotations(role) },
    }),
  });
}
