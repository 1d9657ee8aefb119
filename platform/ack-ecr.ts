import { CLUSTER_RBAC, CRDS, defineHelmAddOn, roleAnnotations, type HelmChart } from '../lib/render/addon';
import { policy } from '../lib/render/iam';
import { ecrRepositoryArn, ecrRepositoryName } from '../lib/model/naming';

export const defaultProps = {
  // The ACK project's OCI chart, release 1.8.1 (aws-controllers-k8s/ecr-controller tag v1.8.1, commit
  // ea6ec93e); the imported Repository CRD is this chart's. Argo CD takes an OCI repository without oci://.
  chart: { repository: 'public.ecr.aws/aws-controllers-k8s', chart: 'ecr-chart', version: '1.8.1' } satisfies HelmChart,
  namespace: 'ack-system',
  serviceAccount: 'ack-ecr-controller',
} as const;

/**
 * What the controller does to a repository: create it, read it back, bring its scanning, tag
 * mutability, lifecycle policy, repository policy and tags in line with the spec. No
 * DeleteRepository: every Bookstore repository is retained, and no image is ever deleted by a sync.
 */
export const CONTROLLER_ACTIONS = [
  'ecr:CreateRepository', 'ecr:DescribeRepositories',
  'ecr:PutImageScanningConfiguration', 'ecr:PutImageTagMutability',
  'ecr:GetLifecyclePolicy', 'ecr:PutLifecyclePolicy', 'ecr:DeleteLifecyclePolicy',
  'ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy',
  'ecr:ListTagsForResource', 'ecr:TagResource', 'ecr:UntagResource',
] as const;

/**
 * The ACK ECR controller: it turns the `Repository` objects of dist/<cluster>/registry/ into the
 * ECR repositories CI pushes to. Its role reaches the Bookstore repositories by pattern
 * (`bookstore.*`), so adding a service leaves it as it is.
 */
export default defineHelmAddOn({
  name: 'ack-ecr',
  namespace: defaultProps.namespace,
  chart: defaultProps.chart,
  syncWave: 1,
  capability: 'ACK',
  crdGroups: ['ecr.services.k8s.aws', 'services.k8s.aws'],
  clusterKinds: [CRDS, ...CLUSTER_RBAC],
  awsRole: (cluster) => ({
    namespace: defaultProps.namespace,
    serviceAccount: defaultProps.serviceAccount,
    roleName: `${cluster.name}-ack-ecr`,
    policy: policy({ Effect: 'Allow', Action: [...CONTROLLER_ACTIONS], Resource: ecrRepositoryArn(cluster, ecrRepositoryName('*')) }),
  }),
  values: (cluster, role) => ({
    aws: { region: cluster.region },
    serviceAccount: {
      create: true,
      name: defaultProps.serviceAccount,
      annotations: roleAnnotations(role),
    },
  }),
});
