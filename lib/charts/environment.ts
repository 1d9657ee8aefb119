import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-29';
import * as appmesh from '../../imports/appmesh.k8s.aws';
import type { Cluster, Environment, ServiceContext } from '../model';
import { COMMON_LABELS, meshName } from '../naming';
import { serviceNameOf, type ServiceDefinition } from '../service';
import { BookstoreService } from '../constructs/bookstore-service';
import { CUSTOM_RESOURCE_SYNC } from '../addon';

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
    new k8s.KubeNamespace(namespace, 'namespace', {
      metadata: {
        name: environment.namespace,
        labels: {
          // The Mesh selects this namespace; the controller injects envoy into its pods.
          'mesh': mesh,
          'appmesh.k8s.aws/sidecarInjectorWebhook': 'enabled',
        },
      },
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
      hostOf: (name) => `${byName.get(name)!.host}${environment.hostSuffix}.${cluster.baseDomain}`,
      serviceNameOf: (name) => serviceNameOf(byName.get(name)!),
    };
    for (const service of services) {
      new BookstoreService(this, service.name, { service, context });
    }
  }
}
