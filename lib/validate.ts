import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';

const VALIDATORS = path.resolve(__dirname, '..', 'imports', 'validators');

/** File (without .js) of the compiled validator of an apiVersion/kind, e.g. `apps_v1_Deployment`. */
export function validatorFileName(key: string): string {
  return key.replace(/[^A-Za-z0-9.-]/g, '_');
}

const loaded = new Map<string, ValidateFunction | undefined>();
function validatorFor(apiVersion: unknown, kind: unknown): ValidateFunction | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!loaded.has(key)) {
    const file = path.join(VALIDATORS, `${validatorFileName(key)}.js`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded.set(key, fs.existsSync(file) ? require(file) : undefined);
  }
  return loaded.get(key);
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

/**
 * Validates one object against the Kubernetes 1.29 schema of its kind or its CRD's schema
 * (compiled into imports/validators/ by `npm run import`). Returns the problems found.
 */
export function validateObject(object: any): SchemaFinding[] {
  const id = `${object?.kind}/${object?.metadata?.name}`;
  const validate = validatorFor(object?.apiVersion, object?.kind);
  if (!validate) return [{ object: id, message: `no schema for ${object?.apiVersion} ${object?.kind}` }];
  if (validate(object)) return [];
  // allErrors reports every branch of a oneOf; keep the informative ones.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  return [...new Set(errors.map(describe))].map((message) => ({ object: id, message }));
}
