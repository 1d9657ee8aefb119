/**
 * The picture of one environment: a Mermaid flowchart generated from the same model that renders
 * its objects (services, who calls whom and how, public hosts, tables, the mesh provider). Synth
 * writes it beside the environment's YAML as README.md, which GitHub renders and Argo CD's
 * directory source ignores (it reads only .yaml, .yml and .json files).
 */
import type { Cluster, Environment } from '../model';
import { tableName } from '../model/naming';
import type { ObjectDiff } from './objects';
import type { ServiceDefinition } from '../model/service';

/** What the picture shows of an environment; everything comes from the loaded project. */
export interface PictureFacts {
  readonly cluster: Cluster;
  readonly environment: Environment;
  readonly services: readonly ServiceDefinition[];
  /** Full public host of a service with an Ingress. */
  hostOf(service: string): string;
  /** What the provider does with calls to this backend, e.g. `retries 10 × 2 s, timeout 30 s`. */
  callLabel(backend: ServiceDefinition): string;
}

/** Mermaid node ids: letters, digits and underscores, prefixed by what the node is. */
function nodeId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** A label inside double quotes: Mermaid's entity for a quote, nothing else needs escaping there. */
function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

/** The Mermaid id of a service's node (tests and highlighting use the same one). */
export const serviceNode = (service: string) => nodeId('svc', service);
/** The Mermaid id of a table's node. */
export const tableNode = (table: string) => nodeId('tbl', table);
/** The node all public hosts come from. */
export const INTERNET_NODE = 'internet';

/**
 * The environment as a Mermaid flowchart: the internet reaching each public host, each service
 * calling its declared backends (labelled with what the provider enforces), each service's table.
 * `changed` services are highlighted (a promotion or a local diff).
 */
export function environmentPicture(facts: PictureFacts, changed: ReadonlySet<string> = new Set()): string {
  const { environment, services } = facts;
  const byName = new Map(services.map((s) => [s.name, s]));
  const lines = ['flowchart LR'];
  lines.push(`  ${INTERNET_NODE}((${label('Internet')}))`);
  lines.push(`  subgraph ${nodeId('env', environment.name)}[${label(`${environment.name} · namespace ${environment.namespace} · mesh ${environment.mesh}`)}]`);
  lines.push('    direction LR');
  for (const service of services) {
    lines.push(`    ${serviceNode(service.name)}[${label(service.name)}]`);
    if (service.table) {
      const table = tableName(environment, service.table.name);
      lines.push(`    ${tableNode(table)}[(${label(table)})]`);
    }
  }
  lines.push('  end');
  for (const service of services) {
    if (service.host) lines.push(`  ${INTERNET_NODE} -->|${label(`https://${facts.hostOf(service.name)}`)}| ${serviceNode(service.name)}`);
  }
  for (const service of services) {
    for (const backend of service.backends ?? []) {
      const callee = byName.get(backend.service);
      if (!callee) continue;
      lines.push(`  ${serviceNode(service.name)} -->|${label(facts.callLabel(callee))}| ${serviceNode(callee.name)}`);
    }
    if (service.table) {
      lines.push(`  ${serviceNode(service.name)} -.->|${label('DynamoDB')}| ${tableNode(tableName(environment, service.table.name))}`);
    }
  }
  const highlighted = services.filter((s) => changed.has(s.name)).map((s) => serviceNode(s.name));
  if (highlighted.length > 0) {
    lines.push('  classDef changed stroke:#d1242f,stroke-width:3px,fill:#fff8c5');
    lines.push(`  class ${highlighted.join(',')} changed`);
  }
  return `${lines.join('\n')}\n`;
}

/** A Mermaid diagram as a fenced block, the form GitHub and CodeCommit render. */
export function mermaidBlock(diagram: string): string {
  return `\`\`\`mermaid\n${diagram}\`\`\`\n`;
}

export const PICTURE_FILE = 'README.md';

/** The Markdown file synth writes as dist/<cluster>/<env>/README.md. */
export function pictureMarkdown(facts: PictureFacts): string {
  const { cluster, environment } = facts;
  return [
    '<!-- Rendered by `npm run synth` from the sources of this repository. Do not edit: change the sources and re-render. -->',
    `# ${environment.name} on ${cluster.name}`,
    '',
    `Services of the ${environment.name} environment, who calls whom through the ${environment.mesh} mesh provider, the public hosts`,
    'and the DynamoDB table each service owns. Dotted lines are data; labels on calls say what the provider enforces.',
    '',
    mermaidBlock(environmentPicture(facts)),
  ].join('\n');
}

/** The services a rendered change touches in one dist/ folder: the `app.kubernetes.io/name` of each object added, changed or removed. */
export function changedServices(diff: ObjectDiff, folder: string, services: readonly ServiceDefinition[]): Set<string> {
  const names = new Set(services.map((s) => s.name));
  const touched = [...diff.added, ...diff.removed, ...diff.changed.map((c) => c.object)]
    .filter((o) => o.folder === folder)
    .map((o) => o.object?.metadata?.labels?.['app.kubernetes.io/name'])
    .filter((name): name is string => typeof name === 'string' && names.has(name));
  return new Set(touched);
}
