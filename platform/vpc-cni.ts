import * as cni from '../imports/crd.k8s.amazonaws.com';
import { CUSTOM_RESOURCE_SYNC, defineAddOn, syncWave } from '../lib/render/addon';

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
  awsRole: (cluster) => ({
    namespace: 'kube-system',
    serviceAccount: 'aws-node',
    roleName: `${cluster.name}-aws-node`,
    managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'],
    // aws-node must call EC2 before any pod on a new node has an IP; a projected IRSA token needs no
    // agent on the node, so the one component every other pod's start waits for depends on nothing else.
    irsa: { why: 'aws-node gives pods their IPs, so its credentials must not wait on the Pod Identity agent' },
  }),
  render(scope, cluster) {
    for (const zone of cluster.availabilityZones) {
      new cni.EniConfig(scope, zone, {
        metadata: { name: zone, annotations: { ...CUSTOM_RESOURCE_SYNC, ...syncWave(0) } },
        spec: { subnet: cluster.podSubnets[zone], securityGroups: [...cluster.securityGroupIds] },
      });
    }
  },
});
