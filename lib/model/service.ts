import { callUserCode } from './errors';
import type { Cluster, Environment, ServiceContext } from './';

/** AWS access a service needs beyond its own table, X-Ray and the mesh. */
export interface AwsAccess {
  readonly actions: readonly string[];
  /** ARNs (patterns allowed); each must fall within the cluster's permissions boundary. */
  readonly resources: readonly string[];
}

/** A Bookstore service this one calls. One declaration feeds the env var, the mesh backend and the network policy. */
export interface Backend {
  /** The called service's name (a file in services/). */
  readonly service: string;
  /** Environment variable that receives the backend's URL (`http://<host>:<port>`, host and port from the environment's mesh provider), if the code reads one. */
  readonly envVar?: string;
  /** URL path prefix the front-end proxy routes to this backend, e.g. `/inventory-api/`. */
  readonly route?: string;
  /**
   * With a route: the key the front-end's config.json gives this backend's public URL (the Angular
   * app reads `api.<configKey>`). Declared beside the route so a new backend cannot miss one.
   */
  readonly configKey?: string;
}

/** Events after which a call is retried (App Mesh's names). */
export const RETRY_EVENTS = ['server-error', 'gateway-error', 'client-error', 'stream-error', 'connection-error'] as const;
export type RetryEvent = (typeof RETRY_EVENTS)[number];

/** How calls to a service behave: declared once with the service, enforced where the mesh provider can. */
export interface CallPolicy {
  /** Retries of a failed call: how many, how long each try may take, after which events. */
  readonly retries: { readonly count: number; readonly perTryTimeoutMs: number; readonly events: readonly RetryEvent[] };
  /** How long a whole call may take, retries included, in seconds. */
  readonly requestTimeoutSeconds: number;
}

/**
 * The course's clients-api policy, stated once: 10 retries of 2 s each on 5xx, gateway and stream
 * errors and failed connections; 30 s per request in all.
 */
const DEFAULT_CALL_POLICY: CallPolicy = {
  retries: { count: 10, perTryTimeoutMs: 2000, events: ['server-error', 'gateway-error', 'stream-error', 'connection-error'] },
  requestTimeoutSeconds: 30,
};

/**
 * Runtimes the CloudWatch Observability add-on (Application Signals) instruments by annotation.
 * Ruby is not among them: it needs the OpenTelemetry SDK in the application itself.
 */
export const INSTRUMENTED_RUNTIMES = ['java', 'python', 'dotnet', 'nodejs'] as const;
export type InstrumentedRuntime = (typeof INSTRUMENTED_RUNTIMES)[number];

/** Where the container image comes from. */
export type ImageSource =
  /** `<account>.dkr.ecr.<region>.amazonaws.com/bookstore.<service>:<tag from the overlay>`. */
  | { readonly kind: 'ecr' }
  /** A public image pinned to a version in the service file (reviewed like code, never bumped by CI). */
  | { readonly kind: 'public'; readonly image: string };

/** How kubelet checks the container: an HTTP path answering 200, or a TCP connect when the app has no such path. */
export type Health = { readonly httpPath: string } | { readonly tcp: true; readonly why: string };

export interface Resources {
  /** CPU request and limit in millicores. */
  readonly cpuMillis: readonly [request: number, limit: number];
  /** Memory request and limit in MiB (limit = request is the safe default for memory). */
  readonly memoryMiB: readonly [request: number, limit: number];
}

/** The container's security posture. The default is the restricted profile; any loosening states its reason. */
export interface Security {
  /** Numeric user to run as; must be set when the image's own user is root. @default the image's user */
  readonly runAsUser?: number;
  /** The image must run as root. Say why. */
  readonly root?: { readonly why: string };
  /** Capabilities added back after dropping all, with the reason. */
  readonly addCapabilities?: { readonly names: readonly string[]; readonly why: string };
  /** The app writes into its own directories. Say why; otherwise the root filesystem is read-only. */
  readonly writableRootFilesystem?: { readonly why: string };
  /** Paths that get an emptyDir because the app writes there. */
  readonly scratchPaths?: readonly string[];
}

/** A file the container reads, rendered into a ConfigMap and mounted with subPath. */
export interface ConfigFile {
  /** Absolute path in the container. */
  readonly mountPath: string;
  readonly content: string;
}

/** Capacity of a table: pay per request, or provisioned read and write capacity units. */
export type Billing = 'on-demand' | { readonly provisioned: { readonly read: number; readonly write: number } };

/** The course's tables: provisioned, 5 read and 5 write capacity units. */
export const COURSE_CAPACITY: Billing = { provisioned: { read: 5, write: 5 } };

export interface TableDeclaration {
  /** Without the environment prefix: the table of an environment is `<env>-<name>`. */
  readonly name: string;
  /** Hash key `_id` (string) is the Bookstore schema; capacity is the one choice. @default 'on-demand' */
  readonly billing?: Billing;
}

export interface ServiceDefinition {
  /** DNS-1123 name, also the file name in services/ and the key in the overlays. */
  readonly name: string;
  /** One line on what the service is, rendered as an annotation. */
  readonly description: string;
  /** `app.kubernetes.io/component`. */
  readonly component: 'frontend' | 'proxy' | 'api';
  readonly image: ImageSource;
  /** The port the container listens on. */
  readonly port: number;
  /** The Kubernetes Service name. @default `<name>-service` */
  readonly serviceName?: string;
  /** First label of the public host name; the environment's host suffix and the base domain follow. */
  readonly host: string;
  /**
   * The DynamoDB table the service owns, declared once: it is rendered as an ACK `Table` in each
   * environment (`<env>-<name>`), handed to the pods as `DYNAMODB_TABLE` and granted in the
   * service's IAM policy.
   */
  readonly table?: TableDeclaration;
  readonly backends?: readonly Backend[];
  /**
   * AWS access beyond the service's own table, its envoy and X-Ray, per environment, granted in
   * its IAM role. It must fit the cluster's permissions boundary (the environments' tables and
   * their indexes, the meshes, X-Ray): anything else stops synth. @default none
   */
  readonly awsAccess?: (ctx: { readonly cluster: Cluster; readonly environment: Environment }) => readonly AwsAccess[];
  /** How calls to this service behave (retries, request timeout). @default DEFAULT_CALL_POLICY */
  readonly calls?: CallPolicy;
  /**
   * The runtime OpenTelemetry auto-instrumentation injects into the pods (traces to X-Ray through
   * the CloudWatch agent). Leave unset when the runtime or its version is not supported. @default none
   */
  readonly tracing?: InstrumentedRuntime;
  /** Environment variables beyond the table and backends. */
  readonly env?: (ctx: ServiceContext) => Readonly<Record<string, string>>;
  readonly health: Health;
  readonly resources: Resources;
  readonly security: Security;
  readonly configFiles?: (ctx: ServiceContext) => readonly ConfigFile[];
}

/** Identity function that gives a service file its type checking. */
export function defineService(definition: ServiceDefinition): ServiceDefinition {
  return definition;
}

/** Kubernetes Service name of a service. */
export function serviceNameOf(service: ServiceDefinition): string {
  return service.serviceName ?? `${service.name}-service`;
}

/** The services whose image CI builds into ECR: the ones with a tag in each overlay. */
export function builtServices(services: readonly ServiceDefinition[]): string[] {
  return services.filter((s) => s.image.kind === 'ecr').map((s) => s.name);
}

/** The services that declare `name` as a backend: its callers, the only pods its NetworkPolicy admits. */
export function callersOf(services: readonly ServiceDefinition[], name: string): string[] {
  return services.filter((s) => (s.backends ?? []).some((b) => b.service === name)).map((s) => s.name);
}

/** How calls to a service behave: its own policy or the default. */
export function callPolicyOf(service: ServiceDefinition): CallPolicy {
  return service.calls ?? DEFAULT_CALL_POLICY;
}

/** Where each loaded service was declared (lib/load/project.ts fills it): the file an error in its functions names. */
export const SERVICE_FILES = new WeakMap<ServiceDefinition, string>();

/** Calls one of a service file's functions (`env`, `configFiles`, `awsAccess`): what it throws is the user's error, at its line. */
export function callServiceFile<T>(service: ServiceDefinition, what: string, fn: () => T): T {
  return callUserCode({ path: SERVICE_FILES.get(service) ?? '', name: `services/${service.name}.ts` }, what, fn);
}
