import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../model/errors';
import { SERVICE_FILES, type ServiceDefinition } from '../model/service';
import { loadDefault, modulesIn, NAME } from './modules';
import { checkService, checkServices } from './service-check';

/** A table's name becomes the Kubernetes object's name too, so it must be a DNS-1123 name; one owner per table. */
function checkTable(service: ServiceDefinition, services: readonly ServiceDefinition[]): void {
  const { table } = service;
  if (!table) return;
  const where = `services/${service.name}.ts: table`;
  // synth runs the service files without type checking: catch the old string form here.
  if (typeof table !== 'object' || typeof table.name !== 'string') throw new UserError(`${where} must be { name: '<table>' } (a bare string is the old form)`);
  if (!NAME.test(table.name) || table.name.length > 50)
    throw new UserError(`${where} "${table.name}" is not a lower-case DNS-1123 name of at most 50 characters`);
  // Named at the later file (by name order), which is the one that took a table already taken.
  const owner = services.slice(0, services.indexOf(service)).find((other) => other.table?.name === table.name);
  if (owner) throw new UserError(`${where} "${table.name}" is already owned by ${owner.name}`);
  if (table.billing && table.billing !== 'on-demand') {
    const { read, write } = table.billing.provisioned;
    if (![read, write].every((n) => Number.isInteger(n) && n >= 1)) {
      throw new UserError(`${where}: provisioned capacity must be whole numbers of at least 1 (read ${read}, write ${write})`);
    }
  }
}

/** The service files of services/, checked one by one and together (backends, tables). */
export function loadServices(root: string): ServiceDefinition[] {
  const services = modulesIn(path.join(root, 'services')).map((file) => {
    const service = loadDefault<unknown>(path.join(root, 'services', file));
    const name = (service as { name?: unknown })?.name;
    if (typeof name === 'string' && `${name}.ts` !== file)
      throw new UserError(`services/${file}: name: declares service "${name}"; the file must be named ${name}.ts`);
    if (typeof name === 'string' && !NAME.test(name)) throw new UserError(`services/${file}: name: "${name}" is not a DNS-1123 name`);
    const checked = checkService(file, service);
    SERVICE_FILES.set(checked, fs.realpathSync(path.join(root, 'services', file)));
    return checked;
  });
  checkServices(services);
  for (const service of services) checkTable(service, services);
  return services;
}
