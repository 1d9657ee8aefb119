/**
 * CI installs production dependencies only (`npm ci --omit=dev` in delivery/buildspec.yml: a third
 * of the packages, a quarter of the time). So everything a bump loads must be a production
 * dependency: the packages bin/ requires, and every package a real bump loads, recorded as it runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { GitFixture } from './git-fixture';
import { ROOT } from './helpers';

const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

/** The installed package a module file belongs to (`node_modules/@scope/name/...` → `@scope/name`), the innermost one. */
function packageOf(file: string): string | undefined {
  const parts = file.split(`${path.sep}node_modules${path.sep}`);
  if (parts.length < 2) return undefined;
  const rest = parts[parts.length - 1].split(path.sep);
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** Whether npm installs the package with --omit=dev: its lock entry is not marked dev-only. */
const production = (name: string) => {
  const entry = lock.packages[`node_modules/${name}`];
  return entry !== undefined && entry.dev !== true;
};

describe('a bump runs on production dependencies only', () => {
  it('the buildspec installs them so', () => {
    const spec = YAML.parse(fs.readFileSync(path.join(ROOT, 'delivery', 'buildspec.yml'), 'utf8'));
    const commands: string[] = [...spec.phases.pre_build.commands, ...spec.phases.build.commands];
    expect(commands).toContain('npm ci --omit=dev --no-audit --no-fund');
  });

  it('every package bin/ requires by name is a production dependency', () => {
    const names = new Set<string>();
    for (const file of fs.readdirSync(path.join(ROOT, 'bin')).filter((f) => f.endsWith('.js'))) {
      const text = fs.readFileSync(path.join(ROOT, 'bin', file), 'utf8');
      for (const m of text.matchAll(/require\('([^.'][^']*)'\)/g)) if (!m[1].startsWith('node:')) names.add(m[1].split('/').slice(0, m[1].startsWith('@') ? 2 : 1).join('/'));
    }
    // The libraries bin/vendor.js bundles load from the bundle, not from node_modules: they count too.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const name of require('../bin/vendor').LIBRARIES as string[]) names.add(name);
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect([name, production(name)]).toEqual([name, true]);
  });

  it('every package a real bump loads is a production dependency (no compile cache, as on a fresh clone)', () => {
    const fixture = new GitFixture();
    const record = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-loaded-'));
    try {
      const clone = fixture.clone();
      const hook = path.join(record, 'hook.js');
      const out = path.join(record, 'loaded.json');
      fs.writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
      const run = spawnSync(process.execPath, ['--require', hook, path.join(clone, 'bin', 'bookstore.js'), 'bump', 'development', 'clients-api', '1.0.5eed5eed', '--no-push'], {
        cwd: clone, encoding: 'utf8', env: { ...process.env, BOOKSTORE_CACHE_DIR: path.join(record, 'cache') },
      });
      expect(run.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn'))).toEqual([]);
      expect(run.status).toBe(0);
      const packages = new Set((JSON.parse(fs.readFileSync(out, 'utf8')) as string[]).map(packageOf).filter((p): p is string => p !== undefined));
      expect(packages.has('esbuild')).toBe(true);
      for (const name of packages) expect([name, production(name)]).toEqual([name, true]);
    } finally {
      fixture.remove();
      fs.rmSync(record, { recursive: true, force: true });
    }
  });
});
