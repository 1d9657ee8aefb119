import { defineCluster } from '../lib/model/cluster';

/** The course's cluster: us-east-1 over three zones. Account facts: eks-acg.context.json (from SSM). */
export default defineCluster({
  name: 'eks-acg',
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  // In EKS standard support until 2027-03-27 (EKS user guide, "Understand the Kubernetes version
  // lifecycle on EKS"; 1.29's extended support ended 2026-03-23, so EKS creates no 1.29 cluster).
  kubernetesVersion: '1.35',
  ssmPrefix: '/bookstore/eks-acg/',
  repoUrl: 'https://github.com/example-org/bookstore-gitops.git',
  targetRevision: 'main',
  vpcCidr: '10.0.0.0/16',
  endpointPublicAccess: true,
  // The course's cheap option for development: the spot node group. (The course ran development on
  // Fargate; Istio ambient's node agents do not run there. fargateNamespaces stays a cluster option
  // for an environment on lattice or none.)
  spotNamespaces: ['development'],
});
