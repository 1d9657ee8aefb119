import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import { UserError } from '../model/errors';
import { PRODUCTION_MIN_REPLICAS, type Environment } from '../model';
import { builtServices, type ServiceDefinition } from '../model/service';
import { DEFAULT_MESH, MESH_PROVIDERS } from '../render/mesh';
import { runModule } from '../check/validate';

/**
 * An image tag: `MAJOR.MINOR.<7 to 40 hex digits of the commit>` as CI builds them, or plain
 * semver (a pre-release allowed; no `+build`, which an image tag cannot hold).
 */
export const TAG_PATTERN = /^(\d+\.\d+\.[0-9a-f]{7,40}|(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?)$/;
export const TAG_FORMAT = 'MAJOR.MINOR.<7-40 hex digits> or semver';

const NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** The overlay's JSON schema; the service names come from services/. */
function overlaySchema(services: readonly ServiceDefinition[]) {
  const built = builtServices(services);
  const boolean = { type: 'boolean' };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['cluster', 'namespace', 'sync', 'images'],
    properties: {
      cluster: { type: 'string', pattern: NAME },
      namespace: { type: 'string', pattern: NAME, maxLength: 63 },
      hostSuffix: { type: 'string', pattern: '^(-[a-z0-9]+)*$' },
      tier: { enum: ['development', 'production'] },
      mesh: { enum: Object.keys(MESH_PROVIDERS) },
      sync: {
        type: 'object',
        additionalProperties: false,
        required: ['automated'],
        properties: { automated: boolean, prune: boolean, selfHeal: boolean },
      },
      defaultReplicas: { type: 'integer', minimum: 1, maximum: 50 },
      data: {
        type: 'object',
        additionalProperties: false,
        properties: { pointInTimeRecovery: boolean, deletionProtection: boolean },
      },
      images: {
        type: 'object',
        additionalProperties: false,
        required: built,
        properties: Object.fromEntries(built.map((name) => [name, { type: 'string', pattern: TAG_PATTERN.source }])),
      },
      replicas: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: Object.fromEntries(services.map((s) => [s.name, { type: 'integer', minimum: 1, maximum: 50 }])),
      },
    },
  };
}

/** What an error is about: a key the user wrote (unknown field) or the value at a path. */
interface Problem {
  readonly path: string[];
  readonly text: string;
  readonly atKey?: boolean;
}

function describe(error: ErrorObject, services: readonly ServiceDefinition[]): Problem {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const at = path.join('.');
  const where = at ? `${at}: ` : '';
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      if (at === 'images' || at === 'replicas') {
        const known = services.filter((s) => at === 'replicas' || s.image.kind === 'ecr').map((s) => s.name);
        const pinned = services.find((s) => s.name === key && s.image.kind === 'public');
        const text = pinned ? `${key} has no tag here: its image is pinned in services/${key}.ts` : `unknown service "${key}" (known: ${known.join(', ')})`;
        return { path: [...path, key], text: `${where}${text}`, atKey: true };
      }
      return { path: [...path, key], text: `${where}unknown field "${key}"`, atKey: true };
    }
    case 'required':
      return {
        path,
        atKey: true,
        text: at === 'images' ? `images: no tag for ${error.params.missingProperty}` : `${where}missing field "${error.params.missingProperty}"`,
      };
    case 'pattern':
      if (path[0] === 'images') return { path, text: `${where}tag is not ${TAG_FORMAT}` };
      return { path, text: `${where}${error.message}` };
    case 'enum':
      return { path, text: `${where}must be one of ${(error.params.allowedValues as string[]).join(', ')}` };
    default:
      return { path, text: `${where}${error.message}` };
  }
}

/**
 * The node at a path (its key when `atKey`, else its value), or the key of the nearest parent
 * that exists: where the line number of an error points.
 */
function nodeAt(doc: Document, path: string[], atKey = false): Node | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = doc.getIn(path.slice(0, depth - 1), true);
    if (!isMap(parent)) continue;
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === path[depth - 1]);
    if (!pair) continue;
    const exact = depth === path.length;
    return (exact && !atKey && pair.value ? pair.value : pair.key) as Node;
  }
  return (doc.contents ?? undefined) as Node | undefined;
}

/** The content-keyed store of bin/ts.js (node_modules/.cache/bookstore-js/). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cached } = require('../../bin/ts') as { cached: (key: string, produce: () => string) => string };
const AJV_OPTIONS = { allErrors: true, strict: false, code: { source: true } };

const validators = new Map<string, ValidateFunction<any>>();
/**
 * The compiled overlay schema for these services. Compiling costs far more than validating (ajv's
 * load and compile were 100 ms of every command), so the compiled code is cached on disk by the
 * schema (it changes with the services and mesh providers) and ajv itself loads only on a miss.
 * In one process, every overlay of a load shares one schema: compiled once per distinct schema.
 */
function overlayValidator(services: readonly ServiceDefinition[]): ValidateFunction<any> {
  const schema = overlaySchema(services);
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version: string = require('ajv/package.json').version;
    const digest = createHash('sha256')
      .update(JSON.stringify(['overlay-validator', version, AJV_OPTIONS]))
      .update(key)
      .digest('hex');
    const code = cached(digest, () => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const Ajv = require('ajv').default;
      const standaloneCode = require('ajv/dist/standalone').default;
      /* eslint-enable @typescript-eslint/no-require-imports */
      const ajv = new Ajv(AJV_OPTIONS);
      return standaloneCode(ajv, ajv.compile(schema));
    });
    validate = runModule(code, path.join(__dirname, 'overlay-validator.js')) as ValidateFunction<any>;
    validators.set(key, validate);
  }
  return validate;
}

/** How many overlay texts one process keeps parsed: every overlay of a fleet's load, and the texts a bump makes. */
const PARSED_TEXTS = 256;
const documents = new Map<string, { readonly doc: Document.Parsed; readonly lineCounter: LineCounter }>();

/**
 * An overlay text parsed once per process, however many steps of a command read it (a bump's
 * load, its edit, its comparison of before and after): the Document with the line counter its
 * errors are placed by. Callers never change it (setImageTag edits a clone).
 */
function parsed(text: string): { readonly doc: Document.Parsed; readonly lineCounter: LineCounter } {
  let entry = documents.get(text);
  if (!entry) {
    const lineCounter = new LineCounter();
    entry = { doc: parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false }), lineCounter };
    if (documents.size >= PARSED_TEXTS) documents.delete(documents.keys().next().value!);
    documents.set(text, entry);
  }
  return entry;
}

/**
 * Reads and validates one overlay. Any problem is a UserError of one line naming the file,
 * the line and column where the parser or the schema points, and what is wrong.
 */
export function parseOverlay(file: string, text: string, name: string, services: readonly ServiceDefinition[]): Environment {
  const { doc, lineCounter } = parsed(text);
  const at = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`${at(error.pos[0])}: ${message}`);
  }
  const data: any = doc.toJS() ?? {};

  const validate = overlayValidator(services);
  if (!validate(data)) {
    // A misspelt key shows up twice (unknown here, missing there): name the spelling the user wrote.
    const errors = [...validate.errors!].sort((a, b) => Number(b.keyword === 'additionalProperties') - Number(a.keyword === 'additionalProperties'));
    const problem = describe(errors[0], services);
    throw new UserError(`${at(nodeAt(doc, problem.path, problem.atKey)?.range?.[0])}: ${problem.text}`);
  }
  const automated = data.sync.automated;
  if (!automated && (data.sync.prune || data.sync.selfHeal)) {
    throw new UserError(`${at(nodeAt(doc, ['sync'], true)?.range?.[0])}: sync: prune and selfHeal apply only with automated: true`);
  }
  const tier = data.tier ?? 'development';
  if (tier === 'production') {
    // Checked here, with a line number, rather than only in the rendered objects.
    const low = [['defaultReplicas', data.defaultReplicas ?? 1], ...Object.entries(data.replicas ?? {}).map(([k, v]) => [`replicas.${k}`, v])].find(
      ([, v]) => (v as number) < PRODUCTION_MIN_REPLICAS,
    );
    if (low) {
      const where = String(low[0]).split('.');
      throw new UserError(
        `${at(nodeAt(doc, where)?.range?.[0])}: ${low[0]}: ${low[1]} is below ${PRODUCTION_MIN_REPLICAS}, the least a production-tier environment runs`,
      );
    }
  }
  return {
    name,
    tier,
    cluster: data.cluster,
    namespace: data.namespace,
    hostSuffix: data.hostSuffix ?? '',
    sync: { automated, prune: data.sync.prune ?? false, selfHeal: data.sync.selfHeal ?? false },
    images: data.images,
    replicas: data.replicas ?? {},
    defaultReplicas: data.defaultReplicas ?? 1,
    data: { pointInTimeRecovery: data.data?.pointInTimeRecovery ?? false, deletionProtection: data.data?.deletionProtection ?? false },
    mesh: data.mesh ?? DEFAULT_MESH,
  };
}

/**
 * Sets `images.<service>` in an overlay's text with the yaml Document API, so comments, order
 * and quoting of everything else survive. Returns the text unchanged when the tag is already set.
 */
export function setImageTag(text: string, service: string, tag: string): string {
  const original = parsed(text).doc;
  if (original.getIn(['images', service]) === tag) return text;
  const doc = original.clone();
  doc.setIn(['images', service], tag);
  return doc.toString();
}

/** An overlay text's `images` (service → tag), or undefined when the text does not parse or has none as a map. */
export function imagesIn(text: string): Readonly<Record<string, unknown>> | undefined {
  const { doc } = parsed(text);
  const images = doc.errors.length > 0 ? undefined : doc.get('images');
  return isMap(images) ? (images.toJSON() as Record<string, unknown>) : undefined;
}

/**
 * Whether two texts of an overlay differ in `images` only: then only that environment's chart
 * can render differently (see `renderOverlayChange`). Texts that do not parse count as different.
 */
export function onlyImagesDiffer(before: string, after: string): boolean {
  const withoutImages = (text: string) => {
    const { doc } = parsed(text);
    if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
    const { images: _images, ...rest } = doc.toJS();
    return JSON.stringify(rest);
  };
  const a = withoutImages(before);
  return a !== undefined && a === withoutImages(after);
}
