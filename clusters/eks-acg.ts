import { defineCluster } from '../lib/cluster';

/** The course's cluster: us-east-1 over three zones. Account facts: eks-acg.context.json (from SSM). */
export default defineCluster({
  name: 'eks-acg',
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  kubernetesVersion: '1.29',
  ssmPrefix: '/bookstore/eks-acg/',
  repoUrl: 'https://github.com/example-org/bookstore-gitops.git',
  targetRevision: 'main',
  vpcCidr: '10.0.0.0/16',
  endpointPublicAccess: true,
  // The course's Fargate profile: development pods run serverless.
  fargateNamespaces: ['development'],
});
