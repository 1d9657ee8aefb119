import * as cni from '../imports/crd.k8s.amazonaws.com';
import { CUSTOM_RESOURCE_SYNC, defineAddOn } from '../lib/addon';

/**
 * VPC CNI custom networking: pods take their IPs from the secondary CIDR (100.64.0.0/16), one
 * subnet per zone. aws-node picks the ENIConfig named after the node's zone
 * (ENI_CONFIG_LABEL_DEF=topology.kubernetes.io/zone, set on the vpc-cni addon in the cluster config).
 */
export default defineAddOn({
  name: 'vpc-cni',
  namespace: 'kube-system',
  // The ENIConfig CRD comes with the VPC CNI itself, before Argo CD exists.
  syncWave: 0,
  crdGroups: [],
  clusterKinds: [{ group: 'crd.k8s.amazonaws.com', kind: 'ENIConfig' }],
  irsa: (cluster) => ({
    namespace: 'kube-system',
    serviceAccount: 'aws-node',
    roleName: `${cluster.name}-aws-node`,
    managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'],
  }),
  render(scope, cluster) {
    for (const zone of cluster.availabilityZones) {
      new cni.EniConfig(scope, zone, {
        metadata: { name: zone, annotations: { ...CUSTOM_RESOURCE_SYNC, 'argocd.argoproj.io/sync-wave': '0' } },
        spec: { subnet: cluster.podSubnets[zone], securityGroups: [...cluster.securityGroupIds] },
      });
    }
  },
});
