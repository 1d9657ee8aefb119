import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableName } from '../lib/model/naming';
import { changedServices, environmentPicture, INTERNET_NODE, PICTURE_FILE, serviceNode, tableNode } from '../lib/output/picture';
import { embedPictures } from '../lib/output/readme';
import { pictureFacts } from '../lib/render/project';
import { ROOT, rendered } from './helpers';

interface Parsed {
  readonly error?: string;
  readonly vertices: Array<{ id: string; text: string; type: string; classes: string[] }>;
  readonly edges: Array<{ start: string; end: string; text: string; stroke: string }>;
  readonly subgraphs: Array<{ id: string; title: string; nodes: string[] }>;
}

/** Mermaid's own reading of each diagram (test/mermaid-parse.mjs runs Mermaid under jsdom). */
function parseWithMermaid(diagrams: readonly string[]): Parsed[] {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'mermaid-parse.mjs')], { input: JSON.stringify(diagrams), encoding: 'utf8' });
  return JSON.parse(out);
}

const DIAGRAM = /```mermaid\n([\s\S]*?)```/;
const diagramOf = (markdown: string) => DIAGRAM.exec(markdown)![1];

describe('the picture of each environment', () => {
  const { project, files } = rendered();
  const environments = project.environments;
  const [changed, other] = project.services;
  // One Mermaid run for every diagram of this file (it takes seconds to start): the pictures, one
  // with a highlighted service, and a broken one.
  let parsed: Parsed[];
  let highlighted: Parsed;
  let broken: Parsed;
  beforeAll(() => {
    const results = parseWithMermaid([
      ...environments.map((e) => diagramOf(files.get(`${e.cluster}/${e.name}/${PICTURE_FILE}`)!)),
      environmentPicture(pictureFacts(project, environments[0]), new Set([changed.name])),
      'flowchart LR\n  a -->',
    ]);
    parsed = results.slice(0, environments.length);
    [highlighted, broken] = results.slice(environments.length);
  });

  it('is rendered beside the YAML of every environment and read by Mermaid without error', () => {
    expect(parsed).toHaveLength(environments.length);
    for (const result of parsed) expect(result.error).toBeUndefined();
  });

  it('has a node per service and per table, and the edges the model declares', () => {
    environments.forEach((environment, i) => {
      const { vertices, edges, subgraphs } = parsed[i];
      const facts = pictureFacts(project, environment);
      const expectedVertices = [
        INTERNET_NODE,
        ...project.services.map((s) => serviceNode(s.name)),
        ...project.services.flatMap((s) => (s.table ? [tableNode(tableName(environment, s.table.name))] : [])),
      ].sort();
      expect(vertices.map((v) => v.id).sort()).toEqual(expectedVertices);
      for (const service of project.services) {
        expect(vertices.find((v) => v.id === serviceNode(service.name))!.text).toBe(service.name);
        if (service.table) expect(vertices.find((v) => v.id === tableNode(tableName(environment, service.table!.name)))!.type).toBe('cylinder');
      }
      const expectedEdges = [
        ...project.services.filter((s) => s.host).map((s) => `${INTERNET_NODE}->${serviceNode(s.name)} https://${facts.hostOf(s.name)}`),
        ...project.services.flatMap((s) =>
          (s.backends ?? []).map(
            (b) => `${serviceNode(s.name)}->${serviceNode(b.service)} ${facts.callLabel(project.services.find((x) => x.name === b.service)!)}`,
          ),
        ),
        ...project.services.flatMap((s) => (s.table ? [`${serviceNode(s.name)}->${tableNode(tableName(environment, s.table.name))} DynamoDB`] : [])),
      ].sort();
      expect(edges.map((e) => `${e.start}->${e.end} ${e.text}`).sort()).toEqual(expectedEdges);
      // Data edges are dotted; calls are not.
      expect(edges.filter((e) => e.text === 'DynamoDB').every((e) => e.stroke === 'dotted')).toBe(true);
      // The environment box names its namespace and mesh provider and holds every service.
      expect(subgraphs).toHaveLength(1);
      expect(subgraphs[0].title).toContain(`namespace ${environment.namespace}`);
      expect(subgraphs[0].title).toContain(`mesh ${facts.environment.mesh}`);
      expect(subgraphs[0].nodes.sort()).toEqual(expectedVertices.filter((v) => v !== INTERNET_NODE));
    });
  });

  it('highlights exactly the changed services', () => {
    const result = highlighted;
    expect(result.vertices.find((v) => v.id === serviceNode(changed.name))!.classes).toEqual(['changed']);
    expect(result.vertices.find((v) => v.id === serviceNode(other.name))!.classes).toEqual([]);
  });

  it('finds the changed services from a rendered diff by their name label', () => {
    const environment = environments[0];
    const folder = `${environment.cluster}/${environment.name}`;
    const service = project.services[0];
    const object = {
      folder,
      id: `Deployment/x/${service.name}`,
      kind: 'Deployment',
      object: { metadata: { labels: { 'app.kubernetes.io/name': service.name } } },
    };
    const elsewhere = { ...object, folder: 'other/folder' };
    expect([...changedServices({ added: [], removed: [elsewhere], changed: [{ object, fields: [] }] }, folder, project.services)]).toEqual([service.name]);
  });

  it('is refused by Mermaid when broken, so the parse check can fail', () => {
    expect(broken.error).toMatch(/Parse error/);
  });

  it('is ignored by Argo CD: a directory source applies only .yaml, .yml and .json files', () => {
    const pictures = [...files.keys()].filter((f) => f.endsWith(`/${PICTURE_FILE}`));
    expect(pictures).toHaveLength(environments.length);
    for (const file of pictures) expect(/\.(ya?ml|json)$/.test(file)).toBe(false);
    // No Application widens its directory source to other files.
    const applications = [...files.entries()]
      .filter(([f]) => f.endsWith('.yaml'))
      .flatMap(([, text]) => text.split('\n---\n'))
      .filter((doc) => doc.includes('kind: Application\n'));
    for (const doc of applications) expect(doc).not.toMatch(/include:|recurse: true/);
  });

  it('is embedded in the README from the rendered file, and synth keeps it so', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/<!-- picture: [a-z0-9-]+\/[a-z0-9-]+ -->/);
    expect(embedPictures(readme, files)).toBe(readme);
    const stale = readme.replace(/(<!-- picture: [^>]+ -->\n)```mermaid\n[\s\S]*?```\n/, '$1```mermaid\nflowchart LR\n  old\n```\n');
    expect(stale).not.toBe(readme);
    expect(embedPictures(stale, files)).toBe(readme);
  });
});
