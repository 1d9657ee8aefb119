import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-29';
import { k8s } from 'cdk8s-plus-29';
import { UserError } from '../../model/errors';
import type { ServiceContext } from '../../model';
import { ecrImage, serviceAccountOf, serviceLabels, serviceRoleArn, SPOT_NODE_LABELS, tableName } from '../../model/naming';
import { callServiceFile, type ServiceDefinition } from '../../model/service';
import type { MeshProvider, MeshScope } from '../mesh/provider';
import { ServiceRole } from './service-role';
import { albAnnotations, serviceContainer } from './service-parts';
import { ServiceTable } from './table';

export interface BookstoreServiceProps {
  readonly service: ServiceDefinition;
  readonly context: ServiceContext;
  /** The environment's mesh provider: it renders the service's mesh objects and names its data plane's sources. */
  readonly provider: MeshProvider;
  readonly mesh: MeshScope;
}

/** Pod-template annotation holding the SHA-256 of the mounted config files. */
export const CONFIG_CHECKSUM_ANNOTATION = 'bookstore.example.com/config-checksum';

/**
 * Everything one Bookstore service needs in one environment: its IRSA service account, config,
 * Deployment, Service, ALB Ingress, NetworkPolicy and its mesh provider's objects. Rendered into dist/<cluster>/<env>/<service>.yaml.
 */
export class BookstoreService extends Construct {
  public readonly deployment: kplus.Deployment;
  public readonly serviceName: string;
  public readonly podLabels: Record<string, string>;

  private readonly props: BookstoreServiceProps;
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: BookstoreServiceProps) {
    super(scope, id);
    this.props = props;
    const { service, context } = props;
    const { cluster, environment } = context;
    this.labels = serviceLabels(service.name, service.component);
    this.podLabels = { 'app.kubernetes.io/name': service.name };
    this.serviceName = context.serviceNameOf(service.name);

    const image = this.image(service, context);
    // Its AWS side first: Argo CD creates the table and the role (wave -1) before the pods that use them.
    if (service.table) new ServiceTable(this, 'table', { service: service.name, table: service.table, environment, labels: this.labels });
    const serviceAccountName = serviceAccountOf(service.name);
    new ServiceRole(this, 'role', { cluster, environment, service, serviceAccount: serviceAccountName, labels: this.labels });
    this.deployment = this.renderDeployment(image, this.renderServiceAccount(serviceAccountName));
    this.mountFiles(this.deployment.containers[0]);
    this.renderClusterService();
    const host = context.hostOf(service.name);
    this.renderIngress(host);
    this.renderNetworkPolicy();
    props.provider.renderService(this, props.mesh, { service, serviceName: this.serviceName, labels: this.labels, podLabels: this.podLabels, host });
  }

  /** Metadata of one of its objects: in the environment's namespace, with the service's labels. */
  private metadata(name: string, extra: Partial<k8s.ObjectMeta> = {}) {
    return { name, namespace: this.props.context.environment.namespace, labels: this.labels, ...extra };
  }

  /**
   * The pods call AWS (DynamoDB, and whatever their mesh provider's sidecars call) with the
   * service's role (IRSA). The EKS pod identity webhook projects its own web-identity token, so
   * the Kubernetes API token stays unmounted.
   */
  private renderServiceAccount(name: string): kplus.ServiceAccount {
    const { cluster, environment } = this.props.context;
    return new kplus.ServiceAccount(this, 'service-account', {
      metadata: this.metadata(name, {
        annotations: {
          'eks.amazonaws.com/role-arn': serviceRoleArn(cluster, environment, this.props.service.name),
          'eks.amazonaws.com/sts-regional-endpoints': 'true',
        },
      }),
      automountToken: false,
    });
  }

  private renderDeployment(image: string, serviceAccount: kplus.ServiceAccount): kplus.Deployment {
    const { service, context } = this.props;
    const { cluster, environment } = context;
    const replicas = environment.replicas[service.name] ?? environment.defaultReplicas;
    const security = service.security;
    const deployment = new kplus.Deployment(this, 'deployment', {
      metadata: this.metadata(service.name, { annotations: { 'bookstore.example.com/description': service.description } }),
      select: false,
      podMetadata: {
        labels: { ...this.podLabels, ...this.labels },
        // OpenTelemetry auto-instrumentation by the CloudWatch Observability add-on, where the service declares its runtime.
        ...(service.tracing ? { annotations: { [`instrumentation.opentelemetry.io/inject-${service.tracing}`]: 'true' } } : {}),
      },
      replicas,
      serviceAccount,
      automountServiceAccountToken: false,
      // Never below the desired count while rolling: new pods come up before old ones go.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(25),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      securityContext: { ensureNonRoot: !security.root, user: security.runAsUser, group: security.runAsUser },
      containers: [serviceContainer(service, image, this.environmentVariables(service, context))],
    });
    deployment.select(kplus.LabelSelector.of({ labels: this.podLabels }));
    // A spot namespace's pods run on the spot node group only.
    if ((cluster.spotNamespaces ?? []).includes(environment.namespace)) {
      ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/nodeSelector', { ...SPOT_NODE_LABELS }));
    }
    // Spread over zones (hard in production: a zone outage takes at most a third) and nodes (soft).
    // pod-template-hash: each rollout's new pods are spread among themselves.
    const spread = (topologyKey: string, whenUnsatisfiable: string) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable,
      labelSelector: { matchLabels: this.podLabels },
      matchLabelKeys: ['pod-template-hash'],
    });
    ApiObject.of(deployment).addJsonPatch(
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        spread('topology.kubernetes.io/zone', environment.tier === 'production' ? 'DoNotSchedule' : 'ScheduleAnyway'),
        spread('kubernetes.io/hostname', 'ScheduleAnyway'),
      ]),
    );
    if (replicas >= 2) {
      // Voluntary disruptions (node drains, upgrades) take one pod at a time.
      new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
        metadata: this.metadata(service.name),
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.podLabels } },
      });
    }
    return deployment;
  }

  /** Its scratch folders, and its config files from a ConfigMap whose checksum rolls the pods when they change. */
  private mountFiles(container: kplus.Container): void {
    const { service, context } = this.props;
    const { environment } = context;
    for (const [index, path] of (service.security.scratchPaths ?? []).entries()) {
      container.mount(path, kplus.Volume.fromEmptyDir(this, `scratch-${index}`, `scratch-${index}`));
    }
    const files = callServiceFile(service, `configFiles (${environment.name})`, () => service.configFiles?.(context) ?? []);
    for (const f of files) {
      // A key or value that resolved to nothing reads as the word "undefined" in the rendered file.
      if (typeof f.content !== 'string' || /\bundefined\b/.test(f.content)) {
        throw new UserError(`services/${service.name}.ts: configFiles: ${f.mountPath} has an undefined value in ${environment.name}`);
      }
    }
    if (files.length === 0) return;
    const configMap = new kplus.ConfigMap(this, 'config', {
      metadata: this.metadata(`${service.name}-config`),
      data: Object.fromEntries(files.map((f) => [fileKey(f.mountPath), f.content])),
    });
    // The content's checksum on the pod template: a config change is a new template, so the pods roll.
    const checksum = createHash('sha256')
      .update(JSON.stringify(files.map((f) => [f.mountPath, f.content])))
      .digest('hex');
    this.deployment.podMetadata.addAnnotation(CONFIG_CHECKSUM_ANNOTATION, checksum);
    const volume = kplus.Volume.fromConfigMap(this, 'config-volume', configMap, { name: 'config' });
    for (const file of files) container.mount(file.mountPath, volume, { subPath: fileKey(file.mountPath), readOnly: true });
  }

  private renderClusterService(): void {
    const { service } = this.props;
    new k8s.KubeService(this, 'service', {
      metadata: this.metadata(this.serviceName),
      spec: {
        type: 'ClusterIP',
        selector: this.podLabels,
        // The Service's port is the container's: callers' URLs, mesh listeners and targets all use this one number.
        ports: [{ name: 'http', port: service.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
  }

  /**
   * Its ALB Ingress at `host`. Under a provider with an ingress gateway the ALB targets the
   * gateway's pods and checks their readiness port; otherwise the service's pods and their path.
   */
  private renderIngress(host: string): void {
    const { service, context, provider } = this.props;
    const gateway = provider.ingressGateway;
    const backend = gateway
      ? { service: { name: gateway.serviceName, port: { number: gateway.port } } }
      : { service: { name: this.serviceName, port: { name: 'http' } } };
    new k8s.KubeIngress(this, 'ingress', {
      metadata: this.metadata(service.name, { annotations: albAnnotations(context, service, gateway) }),
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
          },
        ],
      },
    });
  }

  /**
   * Who may connect, from the same declarations that feed the mesh and the env vars: the pods of
   * the services that name this one as a backend, and what the mesh provider's data plane connects
   * from (the VPC for the ALB and the kubelet, VPC Lattice's addresses, a waypoint's HBONE port).
   */
  private renderNetworkPolicy(): void {
    const { service, context, provider, mesh } = this.props;
    const callers = context.callersOf(service.name).map((caller) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': caller } } }));
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: this.metadata(service.name),
      spec: {
        podSelector: { matchLabels: this.podLabels },
        policyTypes: ['Ingress'],
        ingress: provider.networkIngress(mesh, service, callers),
      },
    });
  }

  private image(service: ServiceDefinition, context: ServiceContext): string {
    if (service.image.kind === 'public') return service.image.image;
    const tag = context.environment.images[service.name];
    if (!tag) throw new UserError(`environments/${context.environment.name}.yaml: images: no tag for ${service.name}`);
    return ecrImage(context.cluster, service.name, tag);
  }

  /** The table, then the backends, then the service's own variables: each name once. */
  private environmentVariables(service: ServiceDefinition, context: ServiceContext): Record<string, string> {
    const variables: Record<string, string> = {};
    const set = (name: string, value: string) => {
      if (name in variables) throw new UserError(`services/${service.name}.ts: environment variable ${name} is set twice`);
      if (typeof value !== 'string')
        throw new UserError(
          `services/${service.name}.ts: env: ${name} is ${value === undefined ? 'undefined' : typeof value} in ${context.environment.name}, not a string`,
        );
      variables[name] = value;
    };
    if (service.table) set('DYNAMODB_TABLE', tableName(context.environment, service.table.name));
    for (const backend of service.backends ?? []) {
      if (backend.envVar) set(backend.envVar, context.urlOf(backend.service));
    }
    for (const [name, value] of Object.entries(callServiceFile(service, `env (${context.environment.name})`, () => service.env?.(context) ?? {})))
      set(name, value);
    return variables;
  }
}

/** ConfigMap key of a mounted file: its base name. */
function fileKey(mountPath: string): string {
  return mountPath.slice(mountPath.lastIndexOf('/') + 1);
}
