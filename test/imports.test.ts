/**
 * The module graph of lib/, platform/ and main.ts has no cycle of value imports: a cycle makes the
 * load order decide whether a constant exists yet (it did: "Cannot access 'CUSTOM_RESOURCE_SYNC'
 * before initialization"). `import type` and `export type` are left out: they vanish at compile time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';

/** The .ts files below a folder. */
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** The relative modules a file value-imports (import/export … from, bare import, require), resolved to files of the repository. */
function valueImports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [
    ...[...text.matchAll(/^(?:import|export)\s+(?!type\b)([^;]*?)\s*from\s+'(\.[^']+)'/gm)].filter((m) => !/^\{\s*\}$/.test(m[1])).map((m) => m[2]),
    ...[...text.matchAll(/^import\s+'(\.[^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/require\('(\.[^']+)'\)/g)].map((m) => m[1]),
  ];
  return specifiers.flatMap((s) => {
    const base = path.join(path.dirname(file), s);
    return [`${base}.ts`, path.join(base, 'index.ts'), base].filter((c) => fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile()).slice(0, 1);
  });
}

const files = [...sources('lib'), ...sources('platform'), 'main.ts'];
const graph = new Map(files.map((f) => [f, valueImports(f)]));

/** One cycle through the graph, if there is any (depth-first search). */
function findCycle(): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file];
    if (state.get(file) === 'done' || !graph.has(file)) return undefined;
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file)!) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of files) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the module graph', () => {
  it('reads the imports it checks (a walk that found none would prove nothing)', () => {
    expect(graph.get('lib/render/addon.ts')).toContain('lib/render/constructs/helm-application.ts');
    expect(graph.get('main.ts')).toContain('lib/synth.ts');
  });

  it('has no cycle of value imports in lib/, platform/ and main.ts', () => {
    expect(findCycle()).toBeUndefined();
  });

  it('keeps lib/model/index.ts a leaf: the types, and the error class they throw', () => {
    expect(graph.get('lib/model/index.ts')).toEqual(['lib/model/errors.ts']);
  });

  it('has lib/ import nothing from bin/ (bin/ts.js hands lib/model/errors.ts its source mapping through a global instead)', () => {
    for (const file of sources('lib')) expect([file, graph.get(file)!.filter((d) => d.startsWith('bin/'))]).toEqual([file, []]);
  });
});
