import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment } from '../model';
import { UserError } from '../model/errors';
import type { ServiceDefinition } from '../model/service';
import { NAME } from './modules';
import { parseOverlay } from './overlay';

/**
 * Which overlays a load reads. Absent: every one. `around`: the named environments and the others
 * on their clusters, which is all that rendering those environments' folders reads (a bump: see
 * `renderOverlayChange`); a fleet's bump then does not parse the overlays of 19 other clusters, nor
 * load their cluster files. An overlay whose top-level `cluster:` line names another cluster is left unread.
 */
export interface LoadScope {
  readonly around: readonly string[];
}

/** An overlay's top-level `cluster:` line, as written by hand or by `bookstore`: read without parsing the file. */
const CLUSTER_LINE = /^cluster:[ \t]*(["']?)([a-z0-9]([-a-z0-9]*[a-z0-9])?)\1[ \t]*(#.*)?$/m;

/** The overlays of environments/, parsed and checked against the services and the cluster files. */
export function loadEnvironments(root: string, services: readonly ServiceDefinition[], clusters: readonly string[], scope?: LoadScope): Environment[] {
  const dir = path.join(root, 'environments');
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  // An overlay with another extension would be left out without a word: its environment would silently not exist.
  const misnamed = entries.find((f) => /\.(yml|json)$/.test(f));
  if (misnamed) throw new UserError(`environments/${misnamed}: overlays end in .yaml; rename it to ${misnamed.replace(/\.(yml|json)$/, '.yaml')}`);
  const files = entries.filter((f) => f.endsWith('.yaml')).sort();
  const parsed = new Map<string, Environment>();
  const parse = (file: string): Environment => {
    let environment = parsed.get(file);
    if (!environment) {
      const name = file.slice(0, -'.yaml'.length);
      const relative = `environments/${file}`;
      if (!NAME.test(name)) throw new UserError(`${relative}: "${name}" is not a DNS-1123 name`);
      environment = parseOverlay(relative, fs.readFileSync(path.join(dir, file), 'utf8'), name, services);
      parsed.set(file, environment);
    }
    return environment;
  };
  let chosen = files;
  // A name that has no overlay loads everything, so that the error about it lists every environment.
  if (scope && scope.around.every((name) => files.includes(`${name}.yaml`))) {
    const around = new Set(scope.around.map((name) => parse(`${name}.yaml`).cluster));
    chosen = files.filter((file) => {
      if (parsed.has(file)) return true;
      const line = CLUSTER_LINE.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
      return !line || around.has(line[2]);
    });
  }
  const environments = chosen.map(parse);
  const seen = new Map<string, string>();
  for (const environment of environments) {
    if (!clusters.includes(environment.cluster)) {
      throw new UserError(`environments/${environment.name}.yaml: cluster "${environment.cluster}" has no file in clusters/ (known: ${clusters.join(', ')})`);
    }
    const key = `${environment.cluster}/${environment.namespace}`;
    const other = seen.get(key);
    if (other)
      throw new UserError(`environments/${environment.name}.yaml: namespace "${environment.namespace}" on ${environment.cluster} is already used by ${other}`);
    seen.set(key, environment.name);
  }
  return environments;
}
