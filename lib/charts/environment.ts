import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-29';
import * as appmesh from '../../imports/appmesh.k8s.aws';
import type { Cluster, Environment, ServiceContext } from '../model';
import { COMMON_LABELS, meshName, publicHost } from '../naming';
import { callersOf, serviceNameOf, type ServiceDefinition } from '../service';
import { BookstoreService } from '../constructs/bookstore-service';
import { CUSTOM_RESOURCE_SYNC } from '../addon';
import { MESH_INJECTION_LABEL, MESH_POD_SECURITY_EXCEPTION } from '../constructs/mesh';
import { auditLevel, podSecurityLevel, POD_SECURITY_EXCEPTION_ANNOTATION, weakest } from '../pod-security';

export interface EnvironmentChartProps {
  readonly cluster: Cluster;
  readonly environment: Environment;
  readonly services: readonly ServiceDefinition[];
}

/**
 * One Bookstore environment: its namespace and mesh, then one construct per service.
 * Rendered into dist/<cluster>/<env>/, one file per top-level construct.
 */
export class EnvironmentChart extends Chart {
  constructor(scope: Construct, id: string, props: EnvironmentChartProps) {
    super(scope, id, { labels: { ...COMMON_LABELS } });
    const { cluster, environment, services } = props;
    const mesh = meshName(environment);

    const namespace = new Construct(this, 'namespace');
    const namespaceObject = new k8s.KubeNamespace(namespace, 'namespace', {
      metadata: {
        name: environment.namespace,
        labels: {
          // The Mesh selects this namespace; the controller injects envoy into its pods.
          'mesh': mesh,
          [MESH_INJECTION_LABEL]: 'enabled',
        },
      },
    });
    // Nothing reaches a pod unless a policy of its service admits it.
    new k8s.KubeNetworkPolicy(namespace, 'default-deny', {
      metadata: { name: 'default-deny-ingress', namespace: environment.namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    new appmesh.Mesh(namespace, 'mesh', {
      metadata: { name: mesh, annotations: { ...CUSTOM_RESOURCE_SYNC } },
      spec: {
        egressFilter: { type: appmesh.MeshSpecEgressFilterType.ALLOW_UNDERSCORE_ALL },
        namespaceSelector: { matchLabels: { mesh } },
      },
    });

    const byName = new Map(services.map((s) => [s.name, s]));
    const context: ServiceContext = {
      cluster,
      environment,
      hostOf: (name) => publicHost(cluster, environment, byName.get(name)!.host),
      serviceNameOf: (name) => serviceNameOf(byName.get(name)!),
      callersOf: (name) => callersOf(services, name),
    };
    const rendered = services.map((service) => new BookstoreService(this, service.name, { service, context }));

    // Pod Security Admission. The namespace audits at the strictest standard every rendered pod
    // spec meets (at least baseline: the policy rules refuse anything less) and warns at restricted.
    // It cannot enforce it: App Mesh injects an init container with NET_ADMIN, beyond baseline, into
    // every pod, so enforcement is privileged, with the reason on the namespace.
    const level = weakest(rendered.map((r) => podSecurityLevel(ApiObject.of(r.deployment).toJson().spec.template.spec)));
    const version = `v${cluster.kubernetesVersion}`;
    const labels: Record<string, string> = {
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/enforce-version': version,
      'pod-security.kubernetes.io/audit': auditLevel(level),
      'pod-security.kubernetes.io/audit-version': version,
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': version,
    };
    namespaceObject.metadata.addAnnotation(POD_SECURITY_EXCEPTION_ANNOTATION, MESH_POD_SECURITY_EXCEPTION);
    for (const [key, value] of Object.entries(labels)) namespaceObject.metadata.addLabel(key, value);
  }
}
