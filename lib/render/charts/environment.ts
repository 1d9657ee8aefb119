import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-29';
import { environmentOf, type Cluster, type Environment, type ServiceContext } from '../../model';
import { COMMON_LABELS, publicHost } from '../../model/naming';
import { callersOf, serviceNameOf, type ServiceDefinition } from '../../model/service';
import { BookstoreService } from '../constructs/bookstore-service';
import { meshProviderOf, type MeshProvider, type MeshScope } from '../mesh';
import { auditLevel, podSecurityLevel, POD_SECURITY_EXCEPTION_ANNOTATION, restrictedViolations, weakest } from '../../check/pod-security';

/** The AWS Load Balancer Controller injects its pod readiness gate into namespaces with this label. */
export const ALB_READINESS_GATE_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';

export interface EnvironmentChartProps {
  readonly cluster: Cluster;
  readonly environment: Environment;
  readonly services: readonly ServiceDefinition[];
}

/**
 * One Bookstore environment: its namespace, its mesh provider's objects, then one construct per service.
 * Rendered into dist/<cluster>/<env>/, one file per top-level construct.
 */
export class EnvironmentChart extends Chart {
  constructor(scope: Construct, id: string, props: EnvironmentChartProps) {
    super(scope, id, { labels: { ...COMMON_LABELS } });
    const { cluster, environment, services } = props;
    const provider = meshProviderOf(environment);
    const byName = new Map(services.map((s) => [s.name, s]));
    const mesh: MeshScope = { cluster, environment, services, serviceNameOf: (name) => serviceNameOf(byName.get(name)!) };

    const namespace = new Construct(this, 'namespace');
    const namespaceObject = new k8s.KubeNamespace(namespace, 'namespace', {
      metadata: {
        name: environment.namespace,
        labels: {
          ...provider.namespaceLabels(mesh),
          // The Ingresses use target-type ip: the Load Balancer Controller adds a readiness gate to
          // the pods, which turn ready only once the ALB sees them healthy (no dropped requests on a roll).
          [ALB_READINESS_GATE_LABEL]: 'enabled',
        },
      },
    });
    // Nothing reaches a pod unless a policy of its service admits it.
    new k8s.KubeNetworkPolicy(namespace, 'default-deny', {
      metadata: { name: 'default-deny-ingress', namespace: environment.namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    // The provider's environment-wide objects (a Mesh; a service network and its Gateway) live with the namespace.
    provider.renderEnvironment(namespace, mesh);

    const context: ServiceContext = {
      cluster,
      environment,
      hostOf: (name) => publicHost(cluster, environment, byName.get(name)!.host),
      serviceNameOf: mesh.serviceNameOf,
      urlOf: (name) => {
        const { host, port } = provider.endpoint(mesh, byName.get(name)!);
        return `http://${host}:${port}`;
      },
      callersOf: (name) => callersOf(services, name),
    };
    // Each service sees its own tag only (environmentOf): a tag feeds its own service's file.
    const rendered = services.map((service) => {
      const own = environmentOf(environment, service.name);
      return new BookstoreService(this, service.name, { service, context: { ...context, environment: own }, mesh: { ...mesh, environment: own }, provider });
    });

    labelPodSecurity(namespaceObject, provider, cluster, rendered);
  }
}

/**
 * Pod Security Admission: enforce the strictest standard every rendered pod spec meets (at least
 * baseline: the policy rules refuse less), with the reason on the namespace when it is not
 * restricted; audit the same and warn at restricted. A provider that injects what baseline
 * forbids (App Mesh's NET_ADMIN init container) enforces privileged, with its reason, and audits
 * the level the rendered pods meet.
 */
function labelPodSecurity(namespace: k8s.KubeNamespace, provider: MeshProvider, cluster: Cluster, rendered: readonly BookstoreService[]): void {
  const pods = rendered.map((r) => ({ name: r.node.id, spec: ApiObject.of(r.deployment).toJson().spec.template.spec }));
  const level = auditLevel(weakest(pods.map((p) => podSecurityLevel(p.spec))));
  const enforce = provider.podSecurityException ? provider.podSecurityCeiling : level;
  const version = `v${cluster.kubernetesVersion}`;
  const labels: Record<string, string> = {
    'pod-security.kubernetes.io/enforce': enforce,
    'pod-security.kubernetes.io/enforce-version': version,
    'pod-security.kubernetes.io/audit': level,
    'pod-security.kubernetes.io/audit-version': version,
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/warn-version': version,
  };
  const reason =
    provider.podSecurityException ??
    (enforce === 'restricted'
      ? undefined
      : `baseline, not restricted: ${pods
          .filter((p) => restrictedViolations(p.spec).length > 0)
          .map((p) => `${p.name} (${restrictedViolations(p.spec).join('; ')})`)
          .join(', ')}`);
  if (reason) namespace.metadata.addAnnotation(POD_SECURITY_EXCEPTION_ANNOTATION, reason);
  for (const [key, value] of Object.entries(labels)) namespace.metadata.addLabel(key, value);
}
