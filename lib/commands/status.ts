import { UserError } from '../errors';
import { loadProject } from '../load';
import type { Environment } from '../model';
import { builtServices } from '../service';
import type { CommandOptions } from './bump';

/** Environments in promotion order: those that sync on their own (where bumps land) first, then by name. */
export function promotionOrder(environments: readonly Environment[]): Environment[] {
  return [...environments].sort((a, b) => Number(b.sync.automated) - Number(a.sync.automated) || a.name.localeCompare(b.name));
}

/** `bookstore status`: the tag of each service in each environment, marking where one is behind the one before it. */
export async function status(argv: readonly string[], options: CommandOptions): Promise<void> {
  if (argv.length > 0) throw new UserError('usage: bookstore status');
  const log = options.log ?? ((line: string) => console.log(line));
  const project = loadProject(options.root);
  const order = promotionOrder(project.environments);
  const services = builtServices(project.services);
  const rows = services.map((service) => {
    const cells = order.map((env, i) => {
      const tag = env.images[service];
      const previous = i > 0 ? order[i - 1].images[service] : undefined;
      return previous !== undefined && previous !== tag ? `${tag} (behind ${order[i - 1].name})` : tag;
    });
    return [service, ...cells];
  });
  const header = ['service', ...order.map((e) => e.name)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  log(line(header));
  for (const row of rows) log(line(row));
  const behind = rows.filter((r) => r.some((c) => c.includes('(behind'))).length;
  log(behind === 0 ? 'status: every environment runs the same tags' : `status: ${behind} service(s) behind; \`bookstore promote\` opens the pull request`);
}
