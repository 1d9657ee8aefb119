import { UserError } from '../model/errors';
import { loadProject } from '../load/project';
import type { Environment } from '../model';
import { builtServices } from '../model/service';
import type { CommandOptions } from './bump';
import { USAGES } from './usage';

export const USAGE = USAGES.status;

/**
 * One cluster's environments in promotion order: those that sync on their own (where bumps land)
 * first, then development tier before production tier, then by name.
 */
function promotionOrder(environments: readonly Environment[]): Environment[] {
  const tier = (e: Environment) => (e.tier === 'production' ? 1 : 0);
  return [...environments].sort((a, b) => Number(b.sync.automated) - Number(a.sync.automated) || tier(a) - tier(b) || a.name.localeCompare(b.name));
}

/**
 * `bookstore status`: one table per cluster, the tag of each service in each of its environments in
 * promotion order, marking where one is behind the environment before it on that path.
 */
export async function status(argv: readonly string[], options: CommandOptions): Promise<void> {
  if (argv.length > 0) throw new UserError(USAGE);
  const log = options.log ?? ((line: string) => console.log(line));
  const project = loadProject(options.root);
  const services = builtServices(project.services);
  if (services.length === 0) throw new UserError('no service in services/ has an image built into ECR: nothing to show');
  // A cluster being added shows its overlays' tags too: they are what it will run once rendered.
  const environments = [...project.environments, ...project.pending.flatMap((p) => p.environments)];
  const waiting = new Set(project.pending.map((p) => p.cluster.name));
  const clusters = [...new Set(environments.map((e) => e.cluster))].sort();
  if (clusters.length === 0) throw new UserError('no environment in environments/: nothing runs anywhere yet (docs/rendering.md, "Environment overlays")');
  let behind = 0;
  for (const [index, cluster] of clusters.entries()) {
    const order = promotionOrder(environments.filter((e) => e.cluster === cluster));
    const rows = services.map((service) => {
      const cells = order.map((env, i) => {
        const tag = env.images[service];
        const previous = i > 0 ? order[i - 1].images[service] : undefined;
        return previous !== undefined && previous !== tag ? `${tag} (behind ${order[i - 1].name})` : tag;
      });
      return [service, ...cells];
    });
    behind += rows.filter((r) => r.some((c) => c.includes('(behind'))).length;
    const header = ['service', ...order.map((e) => e.name)];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    if (index > 0) log('');
    log(`cluster ${cluster}: ${order.map((e) => e.name).join(' → ')}${waiting.has(cluster) ? ' (not rendered yet: its account facts are missing)' : ''}`);
    log(line(header));
    for (const row of rows) log(line(row));
  }
  log(
    behind === 0
      ? 'status: every environment runs the same tags as the one before it'
      : `status: ${behind} service(s) behind; \`bookstore promote\` opens the pull request`,
  );
}
