import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { runInThisContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { UserError } from '../model/errors';

/** The compiled validators and their indexes, written by `npm run import` (scripts/import.ts). */
export const VALIDATORS = path.resolve(__dirname, '..', '..', 'imports', 'validators');
/** Index of the CRD kinds: `<apiVersion>/<kind>` -> validator file; valid on every Kubernetes version. */
export const CRD_INDEX = 'crds.json';
const KUBERNETES_INDEX = /^kubernetes-(\d+\.\d+)\.json$/;
/** Index of the eksctl ClusterConfig: checked against eksctl's own schema of this version. */
export const EKSCTL_INDEX = 'eksctl.json';
/** The eksctl the cluster files are written for: its schema (a git blob of its repository) is the one compiled. */
export const EKSCTL = {
  repository: 'https://github.com/eksctl-io/eksctl',
  version: 'v0.230.0',
  // pkg/apis/eksctl.io/v1alpha5/assets/schema.json at tag v0.230.0 (commit 5e725db6f7432312a16e66b2a5608e3de5e1d37b).
  schemaBlob: 'fc0539d8caf159c80759b8a761620e3b6a5cebd4',
} as const;

/** Index of the built-in kinds one Kubernetes minor version (`1.35`) serves. */
export function kubernetesIndexFile(version: string): string {
  return `kubernetes-${version}.json`;
}

type Index = Readonly<Record<string, string>>;
const indexes = new Map<string, Index | undefined>();
function readIndex(file: string): Index | undefined {
  if (!indexes.has(file)) {
    const full = path.join(VALIDATORS, file);
    indexes.set(file, fs.existsSync(full) ? JSON.parse(fs.readFileSync(full, 'utf8')) : undefined);
  }
  return indexes.get(file);
}

let versions: readonly string[] | undefined;
/** The Kubernetes minor versions imports/validators/ has a schema for, oldest first. */
export function kubernetesVersions(): readonly string[] {
  versions ??= (fs.existsSync(VALIDATORS) ? fs.readdirSync(VALIDATORS) : [])
    .flatMap((f) => KUBERNETES_INDEX.exec(f)?.[1] ?? [])
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  return versions;
}

/** One line for a version without a generated schema; the loader prefixes the cluster file. */
export function noSchemaFor(version: string): string {
  return (
    `Kubernetes ${version} has no generated schema (imports/validators/ has ${kubernetesVersions().join(', ') || 'none'}; ` +
    '`npm run import` generates one per file in ../shared/schemas)'
  );
}

// One module per distinct validator, loaded only when an object it checks is validated: synth pays
// for the handful of kinds it renders, not for all of them. Each is a gzip-compressed CommonJS
// module (scripts/import.ts), run here with a `require` of its own place (ajv's runtime helpers).
const loaded = new Map<string, ValidateFunction>();

function load(file: string): ValidateFunction {
  let validate = loaded.get(file);
  if (!validate) {
    const filename = path.join(VALIDATORS, `${file}.js.gz`);
    validate = runModule(gunzipSync(fs.readFileSync(filename)).toString('utf8'), filename) as ValidateFunction;
    loaded.set(file, validate);
  }
  return validate;
}

type ModuleFunction = (module: unknown, exports: unknown, require: NodeJS.Require) => void;

/**
 * Runs CommonJS code that is not a file of its own (compressed, or cached elsewhere) as if it were
 * `filename`, and returns its exports. Its `require` resolves from that place: ajv's standalone
 * validators require ajv's small runtime helpers, not ajv itself.
 */
export function runModule(code: string, filename: string): unknown {
  const moduleFunction = runInThisContext(`(function (module, exports, require) {${code}\n})`, { filename }) as ModuleFunction;
  const module = { exports: {} as unknown };
  moduleFunction(module, module.exports, createRequire(filename));
  return module.exports;
}

/** Validates an eksctl ClusterConfig against eksctl's schema (EKSCTL): what eksctl would refuse, before anyone runs it. */
export function validateClusterConfig(object: any): SchemaFinding[] {
  const id = `${object?.kind}/${object?.metadata?.name}`;
  const file = readIndex(EKSCTL_INDEX)?.[`${object?.apiVersion}/${object?.kind}`];
  if (!file)
    return [
      { object: id, message: `no eksctl schema for ${object?.apiVersion} ${object?.kind} (imports/validators/${EKSCTL_INDEX}; \`npm run import\` writes it)` },
    ];
  return findings(load(file), object, id);
}

/** What one validator finds in an object; allErrors reports every branch of a oneOf, so only the informative ones. */
function findings(validate: ValidateFunction, object: unknown, id: string): SchemaFinding[] {
  if (validate(object)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  return [...new Set(errors.map(describe))].map((message) => ({ object: id, message }));
}

/** One schema violation: which object, where in it, what is wrong. */
export interface SchemaFinding {
  readonly object: string;
  readonly message: string;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') return `${where}: unknown field "${error.params.additionalProperty}"`;
  if (error.keyword === 'enum') return `${where}: must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
  return `${where}: ${error.message}`;
}

/** The API group of an apiVersion: `apps` for `apps/v1`, '' for the core `v1`. */
function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** Whether any generated Kubernetes version serves the API group (then an unknown kind is the version's, not a missing CRD). */
function isBuiltInGroup(group: string): boolean {
  return kubernetesVersions().some((v) =>
    Object.keys(readIndex(kubernetesIndexFile(v)) ?? {}).some((key) => groupOf(key.slice(0, key.lastIndexOf('/'))) === group),
  );
}

/**
 * Validates one object against the schema of its kind in the given Kubernetes minor version
 * (`1.35`: the version its cluster names) or against its CRD's schema. Returns the problems found;
 * an apiVersion/kind that version does not serve is one.
 */
export function validateObject(object: any, kubernetesVersion: string): SchemaFinding[] {
  const id = `${object?.kind}/${object?.metadata?.name}`;
  const builtIn = readIndex(kubernetesIndexFile(kubernetesVersion));
  if (!builtIn) throw new UserError(noSchemaFor(kubernetesVersion));
  const key = `${object?.apiVersion}/${object?.kind}`;
  const file = readIndex(CRD_INDEX)?.[key] ?? builtIn[key];
  if (!file) {
    const message = isBuiltInGroup(groupOf(String(object?.apiVersion)))
      ? `Kubernetes ${kubernetesVersion} does not serve ${object?.apiVersion} ${object?.kind}`
      : `no schema for ${object?.apiVersion} ${object?.kind}`;
    return [{ object: id, message }];
  }
  return findings(load(file), object, id);
}
