import { defineAddOn } from '../lib/render/addon';
import { usesMesh } from '../lib/render/mesh';

/** The namespace and service account of the add-on's CloudWatch agent (the add-on creates both). */
const NAMESPACE = 'amazon-cloudwatch';
const SERVICE_ACCOUNT = 'cloudwatch-agent';

/**
 * Traces without the X-Ray daemon: the `amazon-cloudwatch-observability` EKS add-on (the CloudWatch
 * agent with Application Signals and its operator). The operator injects the AWS Distro for
 * OpenTelemetry agent into pods annotated `instrumentation.opentelemetry.io/inject-<runtime>`
 * (a service's `tracing` field), and the agent sends their traces to X-Ray. The EKS add-on, not the
 * Helm chart: the add-on (3.1.0 and later) takes its role as a Pod Identity association of its
 * own (CloudWatch user guide, "Quick start with the Amazon CloudWatch Observability EKS add-on"),
 * which the chart cannot. eksctl installs it with the cluster, so nothing of it is synced by
 * Argo CD. Its agent also serves OTLP (port 4317, from add-on 8.0.0), where Istio's waypoints send
 * their spans (lib/render/mesh/istio.ts). Only on a cluster where some service declares `tracing` or some
 * environment uses `mesh: istio`.
 */
export default defineAddOn({
  name: 'cloudwatch-observability',
  namespace: NAMESPACE,
  syncWave: 0,
  // The operator's CRDs come with the EKS add-on; nothing here uses them (the operator brings its own Instrumentation).
  crdGroups: [],
  clusterKinds: [],
  appliesTo: ({ environments, services }) => environments.length > 0 && (services.some((s) => s.tracing !== undefined) || usesMesh(environments, 'istio')),
  awsRole: (cluster, { environments }) => ({
    namespace: NAMESPACE,
    serviceAccount: SERVICE_ACCOUNT,
    roleName: `${cluster.name}-cloudwatch-agent`,
    // The two AWS managed policies the add-on's documentation names for Container Insights and Application Signals.
    managedPolicyArns: ['arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy', 'arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess'],
    eksAddOn: 'amazon-cloudwatch-observability',
    // The agent's OTLP endpoint, where Istio's waypoints send spans, is in add-on 8.0.0 and later
    // (CloudWatch user guide, "OTLP ingestion"); EKS's default add-on version may be older.
    ...(usesMesh(environments, 'istio') ? { eksAddOnVersion: 'latest' } : {}),
  }),
  render() {
    // An EKS add-on: eksctl installs it (dist/<cluster>/cluster/cluster.yaml); no object of it is synced.
  },
});
