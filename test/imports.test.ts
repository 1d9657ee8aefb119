/**
 * The module graph of lib/, platform/ and main.ts has no cycle: a cycle of value imports makes the
 * load order decide whether a constant exists yet (it did: "Cannot access 'CUSTOM_RESOURCE_SYNC'
 * before initialization"), and a cycle through type imports is two modules that cannot be read,
 * moved or tested one without the other. lib/ is one pipeline: lib/model (the types) imports nothing
 * else of lib/; lib/load, lib/render, lib/check, lib/output and lib/commands build on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';

/** The .ts files below a folder. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/**
 * The relative modules a file imports (import/export … from, bare import, require), resolved to
 * files of the repository: its value imports, or with `types` its type-only imports too.
 */
function imports(file: string, types = false): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const from = types ? /^(?:import|export)\s+([^;]*?)\s*from\s+'(\.[^']+)'/gm : /^(?:import|export)\s+(?!type\b)([^;]*?)\s*from\s+'(\.[^']+)'/gm;
  const specifiers = [
    ...[...text.matchAll(from)].filter((m) => types || !/^\{\s*\}$/.test(m[1])).map((m) => m[2]),
    ...[...text.matchAll(/^import\s+'(\.[^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/require\('(\.[^']+)'\)/g)].map((m) => m[1]),
  ];
  return specifiers.flatMap((s) => {
    const base = path.join(path.dirname(file), s);
    return [`${base}.ts`, path.join(base, 'index.ts'), base]
      .filter((c) => fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile())
      .slice(0, 1);
  });
}

const files = [...sources('lib'), ...sources('platform'), 'main.ts'];
const graph = new Map(files.map((f) => [f, imports(f)]));
const typeGraph = new Map(files.map((f) => [f, imports(f, true)]));

/** One cycle through the graph, if there is any (depth-first search). */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
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
  for (const file of graph.keys()) {
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
    expect(findCycle(graph)).toBeUndefined();
  });

  it('has no cycle through type imports either', () => {
    expect(typeGraph.get('lib/render/addon.ts')).toContain('lib/model/addon.ts'); // a type-only import: the walk sees them
    expect(findCycle(typeGraph)).toBeUndefined();
  });

  it('finds a cycle where there is one (the check can fail)', () => {
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
  });

  it('keeps lib/model a leaf: the types, names and errors import nothing else of lib/', () => {
    const model = files.filter((f) => f.startsWith('lib/model/'));
    expect(model).toContain('lib/model/index.ts');
    for (const file of model) {
      expect([file, typeGraph.get(file)!.filter((d) => !d.startsWith('lib/model/'))]).toEqual([file, []]);
    }
  });

  it('keeps lib/ in its pipeline folders (model, load, render, check, output, commands) with synth and cli as the composition', () => {
    const folders = new Set(sources('lib').map((f) => (f.split('/').length > 2 ? f.split('/')[1] : f)));
    expect([...folders].sort()).toEqual(['check', 'commands', 'lib/cli.ts', 'lib/synth.ts', 'load', 'model', 'output', 'render']);
  });

  it('has lib/ import nothing from bin/ (bin/ts.js hands lib/model/errors.ts its source mapping through a global instead)', () => {
    for (const file of sources('lib')) expect([file, graph.get(file)!.filter((d) => d.startsWith('bin/'))]).toEqual([file, []]);
  });
});
