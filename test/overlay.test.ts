import { builtServices } from '../lib/model/service';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../lib/model/errors';
import { loadServices } from '../lib/load/project';
import { parseOverlay } from '../lib/load/overlay';
import { ROOT, linkProject, snapshotDir, synthInProcess } from './helpers';

const services = loadServices(ROOT);
const development = fs.readFileSync(path.join(ROOT, 'environments', 'development.yaml'), 'utf8');
const FILE = 'environments/development.yaml';

function errorOf(text: string): string {
  try {
    parseOverlay(FILE, text, 'development', services);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('the overlay was accepted');
}

/** The line (1-based) of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('environment overlay validation', () => {
  it('accepts the committed overlays', () => {
    const env = parseOverlay(FILE, development, 'development', services);
    expect(env).toMatchObject({ name: 'development', cluster: 'eks-acg', namespace: 'development', hostSuffix: '-development' });
    expect(env.sync).toEqual({ automated: true, prune: true, selfHeal: true });
    expect(Object.keys(env.images).sort()).toEqual(builtServices(services).sort());
  });

  it('names an unknown service with its line', () => {
    const text = development.replace('  resource-api:', '  resources-api:');
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'resources-api')}:3: images: unknown service "resources-api" (known: ${builtServices(services).join(', ')})`,
    );
  });

  it('says where the tag of a pinned public image lives', () => {
    const text = development.replace('images:\n', 'images:\n  front-end-proxy: 1.0.abcdef1\n');
    expect(errorOf(text)).toBe(
      `${FILE}:${lineOf(text, 'front-end-proxy')}:3: images: front-end-proxy has no tag here: its image is pinned in services/front-end-proxy.ts`,
    );
  });

  it('names a missing tag', () => {
    const text = development.replace(/^ {2}renting-api: .*\n/m, '');
    expect(errorOf(text)).toBe(`${FILE}:${lineOf(text, 'images:')}:1: images: no tag for renting-api`);
  });

  it.each([['latest'], ['1.0'], ['1.0.af873c'], ['1.0.AF873C03'], ['1.0.' + 'a'.repeat(41)], ['v1.2.3']])('rejects the malformed tag %s', (tag) => {
    const text = development.replace('clients-api: 1.0.3b9e1c27', `clients-api: "${tag}"`);
    expect(errorOf(text)).toBe(`${FILE}:${lineOf(text, 'clients-api:')}:16: images.clients-api: tag is not MAJOR.MINOR.<7-40 hex digits> or semver`);
  });

  it.each([['1.0.af873c0'], ['2.13.' + 'f'.repeat(40)], ['1.4.2'], ['1.4.2-rc.1']])('accepts the tag %s', (tag) => {
    const text = development.replace('clients-api: 1.0.3b9e1c27', `clients-api: "${tag}"`);
    expect(parseOverlay(FILE, text, 'development', services).images['clients-api']).toBe(tag);
  });

  it('reports a YAML syntax error with its position', () => {
    const text = development.replace('namespace: development', 'namespace: [development');
    expect(errorOf(text)).toMatch(new RegExp(`^${FILE}:\\d+:\\d+: .+`));
    expect(errorOf(text)).not.toContain('\n');
  });

  it('reports a duplicate key with its line', () => {
    const text = development.replace('  front-end: 1.0.af873c03\n', '  front-end: 1.0.af873c03\n  front-end: 1.0.bbbbbbbb\n');
    expect(errorOf(text)).toBe(`${FILE}:${lineOf(text, 'front-end: 1.0.bbbbbbbb')}:3: Map keys must be unique`);
  });

  it('rejects an unknown field', () => {
    const text = development.replace('defaultReplicas: 1', 'defaultReplica: 1');
    expect(errorOf(text)).toBe(`${FILE}:${lineOf(text, 'defaultReplica:')}:1: unknown field "defaultReplica"`);
  });

  it('rejects replicas for an unknown service and a zero count', () => {
    expect(errorOf(development.replace('replicas: {}', 'replicas:\n  books-api: 2'))).toMatch(
      /^environments\/development\.yaml:\d+:3: replicas: unknown service "books-api"/,
    );
    expect(errorOf(development.replace('replicas: {}', 'replicas:\n  clients-api: 0'))).toMatch(
      /^environments\/development\.yaml:\d+:\d+: replicas\.clients-api: must be >= 1$/,
    );
  });

  it('knows two tiers and holds production to two replicas, pointing at the line', () => {
    const tiered = development.replace('tier: development', 'tier: production');
    expect(errorOf(tiered)).toBe(
      `${FILE}:${lineOf(tiered, 'defaultReplicas:')}:18: defaultReplicas: 1 is below 2, the least a production-tier environment runs`,
    );
    const scaled = tiered.replace('defaultReplicas: 1', 'defaultReplicas: 3').replace('replicas: {}', 'replicas:\n  renting-api: 1');
    expect(errorOf(scaled)).toBe(
      `${FILE}:${scaled.split('\n').indexOf('  renting-api: 1') + 1}:16: replicas.renting-api: 1 is below 2, the least a production-tier environment runs`,
    );
    expect(parseOverlay(FILE, scaled.replace('replicas:\n  renting-api: 1', 'replicas:\n  renting-api: 2'), 'development', services).tier).toBe('production');
    const staging = development.replace('tier: development', 'tier: staging');
    expect(errorOf(staging)).toBe(`${FILE}:${lineOf(staging, 'tier:')}:7: tier: must be one of development, production`);
  });

  it('refuses prune or self-heal without automated sync', () => {
    const text = development.replace('automated: true', 'automated: false');
    expect(errorOf(text)).toBe(`${FILE}:${lineOf(text, 'sync:')}:1: sync: prune and selfHeal apply only with automated: true`);
  });
});

describe('synth with a broken overlay', () => {
  it.each([
    [
      'an unknown service',
      (t: string) => t.replace('  resource-api:', '  resources-api:'),
      /^synth: environments\/development\.yaml:\d+:\d+: images: unknown service "resources-api"/,
    ],
    ['a YAML syntax error', (t: string) => t.replace('cluster: eks-acg', 'cluster: "eks-acg'), /^synth: environments\/development\.yaml:\d+:\d+: /],
    [
      'a cluster with no file',
      (t: string) => t.replace('cluster: eks-acg', 'cluster: eks-other'),
      /^synth: environments\/development\.yaml: .*cluster "eks-other" has no file in clusters\//,
    ],
  ])('%s: one line, exit 1, dist/ untouched', (_name, edit, expected) => {
    // The overlays are the project's own copy; the rest links to this repository (synth runs in this process).
    const project = linkProject(['environments', 'dist']);
    try {
      const overlay = path.join(project, 'environments', 'development.yaml');
      fs.writeFileSync(overlay, edit(fs.readFileSync(overlay, 'utf8')));
      const before = snapshotDir(path.join(project, 'dist'));
      const run = synthInProcess(project);
      expect(run.status).toBe(1);
      expect(run.stderr.split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(expected);
      expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
      expect(fs.readdirSync(project).filter((f) => f.startsWith('.dist'))).toEqual([]);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
