import type { ErrorObject } from 'ajv';
import validators = require('../imports/validators');

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
 * (compiled into imports/validators.js by `npm run import`). Returns the problems found.
 */
export function validateObject(object: any): SchemaFinding[] {
  const id = `${object?.kind}/${object?.metadata?.name}`;
  const validate = validators[`${object?.apiVersion}/${object?.kind}`];
  if (!validate) return [{ object: id, message: `no schema for ${object?.apiVersion} ${object?.kind}` }];
  if (validate(object)) return [];
  // allErrors reports every branch of a oneOf; keep the informative ones.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  return [...new Set(errors.map(describe))].map((message) => ({ object: id, message }));
}
