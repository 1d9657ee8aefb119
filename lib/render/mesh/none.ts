import { vpcCidrOf } from '../../model/naming';
import { directIngress, OPENTELEMETRY_TRACING, type MeshProvider } from './provider';

/**
 * No mesh: callers reach a service's ClusterIP Service directly, kube-proxy balances, and the
 * NetworkPolicies from the declared backends (rendered for every provider) admit only its callers.
 */
const provider: MeshProvider = {
  name: 'none',
  summary: 'plain Kubernetes Services and the NetworkPolicies from declared backends',
  enforces: {
    routing: 'ClusterIP Service',
    'per-caller authorization': 'NetworkPolicy from declared backends (pod to pod)',
    tracing: OPENTELEMETRY_TRACING,
  },
  fargate: 'yes',
  clusterKinds: [],
  podSecurityCeiling: 'restricted',
  namespaceLabels: () => ({}),
  endpoint: ({ serviceNameOf }, service) => ({ host: serviceNameOf(service.name), port: service.port }),
  networkIngress: ({ cluster }, service, callers) => directIngress(vpcCidrOf(cluster), service, callers),
  podStatements: () => [],
  renderEnvironment: () => undefined,
  renderService: () => undefined,
};

export default provider;
