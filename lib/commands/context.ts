import * as fs from 'node:fs';
import * as path from 'node:path';
import { paginateGetParametersByPath, SSMClient, type Parameter } from '@aws-sdk/client-ssm';
import { parameterSpecs, readContext } from '../load/context';
import { UserError } from '../model/errors';
import type { ClusterDefinition } from '../model';
import { writeFileAtomic } from '../output/files';
import { loadClusterDefinitions } from '../load/project';
import { USAGES } from './usage';

export interface ContextOptions {
  /** The repository checkout. */
  readonly root: string;
  /** Where each fact line goes. */
  readonly log?: (line: string) => void;
}

export const USAGE = USAGES.context;

/** Turns an SDK failure into the one line a user can act on. */
function explain(err: any, prefix: string, endpoint: string | undefined): UserError {
  const name = err?.name ?? '';
  // The SDK may wrap a socket error; its code is then only in the message.
  const code = err?.code ?? err?.cause?.code ?? /\b(E[A-Z]{4,})\b/.exec(String(err?.message))?.[1] ?? '';
  if (name === 'CredentialsProviderError' || (/credential/i.test(String(err?.message)) && !err?.$metadata?.httpStatusCode)) {
    return new UserError('no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run where a role is available');
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || err?.$metadata?.httpStatusCode === 403) {
    return new UserError(`access denied reading ${prefix} from SSM: ${err.message}`);
  }
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException') {
    return new UserError(`SSM kept throttling the requests (${err?.$metadata?.attempts ?? 'several'} attempts); try again in a minute`);
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code) || name === 'TimeoutError') {
    return new UserError(`cannot reach SSM${endpoint ? ` at ${endpoint}` : ''}: ${code || name}`);
  }
  return new UserError(`SSM refused the request: ${name || 'error'}: ${err?.message ?? err}`);
}

/** Every parameter under the cluster's SSM prefix (GetParametersByPath, recursive, every page). */
async function parametersUnder(cluster: ClusterDefinition, endpoint: string | undefined): Promise<Parameter[]> {
  const prefix = cluster.ssmPrefix;
  const client = new SSMClient({ region: cluster.region, ...(endpoint ? { endpoint } : {}) });
  const found: Parameter[] = [];
  try {
    for await (const page of paginateGetParametersByPath({ client }, { Path: prefix.replace(/\/$/, ''), Recursive: true })) {
      found.push(...(page.Parameters ?? []));
    }
  } catch (err) {
    throw explain(err, prefix, endpoint ?? process.env.AWS_ENDPOINT_URL_SSM ?? process.env.AWS_ENDPOINT_URL);
  } finally {
    client.destroy();
  }
  return found;
}

/**
 * `bookstore context refresh <cluster>`: reads the cluster's parameters under its SSM prefix
 * (GetParametersByPath, recursive, every page) and rewrites clusters/<cluster>.context.json
 * atomically with sorted keys. Any failure leaves the cache as it was.
 */
export async function contextRefresh(argv: readonly string[], options: ContextOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const args = [...argv];
  let endpoint: string | undefined;
  const flag = args.indexOf('--endpoint-url');
  if (flag >= 0) {
    endpoint = args[flag + 1];
    if (!endpoint) throw new UserError(USAGE);
    args.splice(flag, 2);
  }
  if (args.length !== 1 || args[0].startsWith('-')) throw new UserError(USAGE);
  const name = args[0];
  const definitions = loadClusterDefinitions(options.root);
  const cluster = definitions.find((c) => c.name === name);
  if (!cluster) throw new UserError(`unknown cluster "${name}" (known: ${definitions.map((c) => c.name).join(', ')})`);

  const prefix = cluster.ssmPrefix;
  const found = await parametersUnder(cluster, endpoint);
  const known = new Set(parameterSpecs(cluster).map((s) => s.name));
  const values: Record<string, string> = {};
  for (const parameter of found) {
    const key = (parameter.Name ?? '').slice(prefix.length);
    if (known.has(key)) values[key] = parameter.Value ?? '';
    else log(`ignored: ${parameter.Name} (synth does not use it)`);
  }
  const contextFile = `clusters/${cluster.name}.context.json`;
  const { missing } = readContext(cluster, values, `SSM ${prefix}`);
  // Nothing at all is a wrong prefix or region rather than a cluster on its way.
  if (Object.keys(values).length === 0)
    throw new UserError(`SSM ${prefix} in ${cluster.region}: none of the cluster's parameters is there (missing ${missing.map((m) => prefix + m).join(', ')})`);

  const sorted = Object.fromEntries(
    Object.keys(values)
      .sort()
      .map((k) => [k, values[k]]),
  );
  for (const [key, value] of Object.entries(sorted)) log(`${key} = ${value}`);
  // A cluster being added has the account's facts before it exists and its own after: synth renders what they allow.
  for (const name of missing) log(`missing: ${prefix}${name}`);
  const target = path.join(options.root, contextFile);
  const text = `${JSON.stringify(sorted, null, 2)}\n`;
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (before === text) {
    log(`context: ${contextFile} is up to date (${Object.keys(sorted).length} parameters${missing.length ? `, ${missing.length} missing` : ''})`);
    return;
  }
  writeFileAtomic(target, text);
  const rest = missing.length ? `, ${missing.length} missing: synth renders what the others allow and names the rest` : '';
  log(`context: wrote ${contextFile} (${Object.keys(sorted).length} parameters${rest}); run \`npm run synth\` and commit both`);
}
