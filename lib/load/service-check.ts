import { UserError } from '../model/errors';
import { NAME } from './modules';
import { INSTRUMENTED_RUNTIMES, RETRY_EVENTS, serviceNameOf, type InstrumentedRuntime, type RetryEvent, type ServiceDefinition } from '../model/service';

/**
 * Checks a service file's declaration before anything renders, the way the overlays are checked:
 * synth runs service files without type checking, so a missing or wrong field would otherwise
 * render `undefined` or stop with a stack trace. Each problem is one line naming the file and field.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONFIG_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ROUTE = /^\/([-a-zA-Z0-9_.~]+\/)+$/;
const CAPABILITY = /^[A-Z][A-Z_]*$/;

const FIELDS = [
  'name',
  'description',
  'component',
  'image',
  'port',
  'serviceName',
  'host',
  'table',
  'backends',
  'awsAccess',
  'calls',
  'tracing',
  'env',
  'health',
  'resources',
  'security',
  'configFiles',
];
const BACKEND_FIELDS = ['service', 'envVar', 'route', 'configKey'];
const SECURITY_FIELDS = ['runAsUser', 'root', 'addCapabilities', 'writableRootFilesystem', 'scratchPaths'];
const COMPONENTS = ['frontend', 'proxy', 'api'];

type Fail = (field: string, problem: string) => never;

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

function unknownFields(value: Record<string, unknown>, known: readonly string[], at: string, fail: Fail): void {
  const extra = Object.keys(value).find((k) => !known.includes(k));
  if (extra) fail(at ? `${at}.${extra}` : extra, `unknown field (known: ${known.join(', ')})`);
}

/** A loosening's shape; a missing reason is the posture rule's finding (`npm run validate` lists them all). */
function reason(value: unknown, field: string, fail: Fail): void {
  if (!isObject(value) || (value.why !== undefined && typeof value.why !== 'string')) fail(field, "must be { why: '<the reason>' }");
}

function range(value: unknown, field: string, unit: string, fail: Fail): void {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((n) => Number.isInteger(n) && n >= 1)) {
    fail(field, `must be [request, limit], whole ${unit} of at least 1`);
  }
  if (value[0] > value[1]) fail(field, `request ${value[0]} is above the limit ${value[1]}`);
}

/** One service's own fields. */
function checkFields(service: Record<string, any>, fail: Fail): void {
  checkIdentity(service, fail);
  checkCalls(service, fail);
  checkHealthAndResources(service, fail);
  checkSecurity(service, fail);
  checkBackends(service, fail);
}

/** What the service is and where it answers: description, component, image, port, names, host, functions. */
function checkIdentity(service: Record<string, any>, fail: Fail): void {
  unknownFields(service, FIELDS, '', fail);
  if (!isText(service.description)) fail('description', 'missing (one line on what the service is)');
  if (!COMPONENTS.includes(service.component)) fail('component', `must be one of ${COMPONENTS.join(', ')}`);
  const { image } = service;
  if (!isObject(image) || !(image.kind === 'ecr' || (image.kind === 'public' && isText(image.image)))) {
    fail('image', "must be { kind: 'ecr' } or { kind: 'public', image: '<registry>/<name>:<version>' }");
  }
  if (!Number.isInteger(service.port) || service.port < 1 || service.port > 65535)
    fail('port', `${JSON.stringify(service.port) ?? 'missing'} is not a port (1-65535)`);
  if (service.serviceName !== undefined && (typeof service.serviceName !== 'string' || !NAME.test(service.serviceName) || service.serviceName.length > 63)) {
    fail('serviceName', `${JSON.stringify(service.serviceName)} is not a DNS-1123 name of at most 63 characters`);
  }
  // Every service gets an Ingress, whose rule needs a host.
  if (service.host === undefined) fail('host', 'missing: every service has an Ingress, whose host is <host><suffix>.<base domain>');
  if (typeof service.host !== 'string' || !NAME.test(service.host) || service.host.length > 63)
    fail('host', `${JSON.stringify(service.host)} is not a DNS label (lower case, at most 63 characters)`);
  for (const fn of ['env', 'configFiles', 'awsAccess']) {
    if (service[fn] !== undefined && typeof service[fn] !== 'function') fail(fn, "must be a function of the environment's context");
  }
}

/** How callers call it (the mesh's retries and timeout) and the runtime traced. */
function checkCalls(service: Record<string, any>, fail: Fail): void {
  if (service.calls !== undefined) {
    const { calls } = service;
    const shape = 'must be { retries: { count, perTryTimeoutMs, events }, requestTimeoutSeconds }';
    if (!isObject(calls) || !isObject(calls.retries)) fail('calls', shape);
    unknownFields(calls, ['retries', 'requestTimeoutSeconds'], 'calls', fail);
    unknownFields(calls.retries, ['count', 'perTryTimeoutMs', 'events'], 'calls.retries', fail);
    if (!Number.isInteger(calls.retries.count) || calls.retries.count < 0) fail('calls.retries.count', 'must be a whole number of at least 0');
    if (!Number.isInteger(calls.retries.perTryTimeoutMs) || calls.retries.perTryTimeoutMs < 1)
      fail('calls.retries.perTryTimeoutMs', 'must be a whole number of milliseconds of at least 1');
    if (!Array.isArray(calls.retries.events) || !calls.retries.events.every((e: unknown) => RETRY_EVENTS.includes(e as RetryEvent))) {
      fail('calls.retries.events', `must be a list of ${RETRY_EVENTS.join(', ')}`);
    }
    if (typeof calls.requestTimeoutSeconds !== 'number' || !(calls.requestTimeoutSeconds >= 0))
      fail('calls.requestTimeoutSeconds', 'must be a number of seconds (0: no timeout)');
  }
  if (service.tracing !== undefined && !INSTRUMENTED_RUNTIMES.includes(service.tracing as InstrumentedRuntime))
    fail('tracing', `${JSON.stringify(service.tracing)} is not a runtime the add-on instruments (${INSTRUMENTED_RUNTIMES.join(', ')})`);
}

/** Its probes' target and its resource requests and limits. */
function checkHealthAndResources(service: Record<string, any>, fail: Fail): void {
  const { health } = service;
  if (health === undefined) fail('health', "missing: { httpPath: '/path' } or { tcp: true, why: '...' }");
  if (!isObject(health) || !((typeof health.httpPath === 'string' && health.httpPath.startsWith('/')) || (health.tcp === true && isText(health.why)))) {
    fail('health', "must be { httpPath: '/path' } or { tcp: true, why: '<why no HTTP path answers>' }");
  }

  const { resources } = service;
  if (resources === undefined) fail('resources', 'missing: { cpuMillis: [request, limit], memoryMiB: [request, limit] }');
  if (!isObject(resources)) fail('resources', 'must be { cpuMillis: [request, limit], memoryMiB: [request, limit] }');
  unknownFields(resources, ['cpuMillis', 'memoryMiB'], 'resources', fail);
  range(resources.cpuMillis, 'resources.cpuMillis', 'millicores', fail);
  range(resources.memoryMiB, 'resources.memoryMiB', 'MiB', fail);
}

/** Its security context: the restricted default, each loosening with its shape. */
function checkSecurity(service: Record<string, any>, fail: Fail): void {
  const { security } = service;
  if (security === undefined) fail('security', 'missing: {} is the restricted default; any loosening states its reason');
  if (!isObject(security)) fail('security', 'must be an object ({} for the restricted default)');
  unknownFields(security, SECURITY_FIELDS, 'security', fail);
  if (security.runAsUser !== undefined && (!Number.isInteger(security.runAsUser) || security.runAsUser < 0))
    fail('security.runAsUser', 'must be a whole number');
  for (const key of ['root', 'writableRootFilesystem']) if (security[key] !== undefined) reason(security[key], `security.${key}`, fail);
  // uid 0 is root: with runAsNonRoot (what every pod gets unless `root` is declared) the kubelet would refuse to start it.
  if (security.runAsUser === 0 && security.root === undefined)
    fail('security.runAsUser', '0 is root, which runAsNonRoot refuses at start-up: use a non-zero uid, or declare security.root with the reason');
  if (security.addCapabilities !== undefined) {
    const caps = security.addCapabilities;
    if (!isObject(caps) || !Array.isArray(caps.names) || !caps.names.every((n: unknown) => typeof n === 'string' && CAPABILITY.test(n))) {
      fail('security.addCapabilities', "must be { names: ['NET_BIND_SERVICE', ...], why: '...' }");
    }
    reason(caps, 'security.addCapabilities', fail);
  }
  if (
    security.scratchPaths !== undefined &&
    (!Array.isArray(security.scratchPaths) || !security.scratchPaths.every((p: unknown) => typeof p === 'string' && p.startsWith('/')))
  ) {
    fail('security.scratchPaths', 'must be absolute paths');
  }
}

/** The services it calls, with the variable, route and config key each one gets. */
function checkBackends(service: Record<string, any>, fail: Fail): void {
  if (service.backends !== undefined && !Array.isArray(service.backends)) fail('backends', 'must be a list');
  for (const [i, backend] of (service.backends ?? []).entries()) {
    const at = `backends[${i}]`;
    if (!isObject(backend) || typeof backend.service !== 'string') fail(at, "must be { service: '<a file in services/>' }");
    unknownFields(backend, BACKEND_FIELDS, at, fail);
    if (backend.envVar !== undefined && (typeof backend.envVar !== 'string' || !ENV_NAME.test(backend.envVar)))
      fail(`${at}.envVar`, `${JSON.stringify(backend.envVar)} is not an environment variable name`);
    if (backend.route !== undefined && (typeof backend.route !== 'string' || !ROUTE.test(backend.route)))
      fail(`${at}.route`, `${JSON.stringify(backend.route)} is not a path prefix like /inventory-api/`);
    // The front-end's config.json names each routed backend by this key.
    if (backend.route !== undefined && backend.configKey === undefined)
      fail(`${at}.configKey`, `missing: the route ${backend.route} needs the key the front-end's config.json gives it`);
    if (backend.configKey !== undefined && (typeof backend.configKey !== 'string' || !CONFIG_KEY.test(backend.configKey)))
      fail(`${at}.configKey`, `${JSON.stringify(backend.configKey)} is not a JSON key the app can read`);
  }
}

/** Problems between services: names, Service names, hosts, backends and routes each taken once. */
function checkTogether(services: readonly ServiceDefinition[]): void {
  const taken = (what: string, of: (s: ServiceDefinition) => string | undefined) => {
    const seen = new Map<string, string>();
    for (const service of services) {
      const value = of(service);
      if (value === undefined) continue;
      const owner = seen.get(value);
      if (owner !== undefined) throw new UserError(`services/${service.name}.ts: ${what}: "${value}" is already used by services/${owner}.ts`);
      seen.set(value, service.name);
    }
  };
  taken('name', (s) => s.name);
  taken('serviceName', (s) => serviceNameOf(s));
  taken('host', (s) => s.host);
  const names = new Set(services.map((s) => s.name));
  for (const service of services) {
    const where = `services/${service.name}.ts`;
    const seen = new Set<string>();
    for (const [i, backend] of (service.backends ?? []).entries()) {
      if (!names.has(backend.service))
        throw new UserError(`${where}: backends[${i}].service: "${backend.service}" is not a service (known: ${[...names].join(', ')})`);
      if (backend.service === service.name) throw new UserError(`${where}: backends[${i}].service: a service cannot be its own backend`);
      if (seen.has(backend.service)) throw new UserError(`${where}: backends[${i}].service: "${backend.service}" is listed twice`);
      seen.add(backend.service);
    }
    const keys = (service.backends ?? []).map((b) => b.configKey).filter((k): k is string => k !== undefined);
    const twice = keys.find((k, i) => keys.indexOf(k) !== i);
    if (twice) throw new UserError(`${where}: configKey "${twice}" is given to two backends`);
    const routes = (service.backends ?? []).map((b) => b.route).filter((r): r is string => r !== undefined);
    const again = routes.find((r, i) => routes.indexOf(r) !== i);
    if (again) throw new UserError(`${where}: route "${again}" is given to two backends`);
  }
}

/** Checks one service file's declaration; `file` is its name in services/. */
export function checkService(file: string, value: unknown): ServiceDefinition {
  const fail: Fail = (field, problem) => {
    throw new UserError(`services/${file}: ${field}: ${problem}`);
  };
  if (!isObject(value)) fail('default export', 'must be defineService({ ... })');
  if (typeof value.name !== 'string') fail('name', "missing (the file's base name)");
  checkFields(value, fail);
  return value as unknown as ServiceDefinition;
}

/** Checks the services against each other once each is valid on its own. */
export function checkServices(services: readonly ServiceDefinition[]): void {
  checkTogether(services);
}
