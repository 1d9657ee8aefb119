import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { linkNodeModules, ROOT } from './helpers';

// bin/ts.js is how every command runs the TypeScript: these tests run it as the commands do, in
// processes of their own, on a small project in a temporary folder (bin/ts.js and tsconfig.json
// copied, node_modules linked) whose compiled files go to a folder of its own ($BOOKSTORE_CACHE_DIR).

describe('the TypeScript loader every command runs through (bin/ts.js)', () => {
  let dir: string;
  let TS: string;
  let BUILD: string;
  let main: string;
  let helper: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-ts-'));
    TS = path.join(dir, 'bin', 'ts.js');
    BUILD = path.join(dir, 'cache', 'bookstore-js');
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(path.join(ROOT, 'bin', 'ts.js'), TS);
    fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    main = path.join(dir, 'main.ts');
    helper = path.join(dir, 'lib', 'helper.ts');
    fs.mkdirSync(path.dirname(helper));
    // Not a source of the commands: the build leaves test/ out.
    fs.mkdirSync(path.join(dir, 'test'));
    fs.writeFileSync(path.join(dir, 'test', 'left-out.ts'), 'export const x: number = 1;\n');
    // A fresh text each run: nothing of it is in the caches yet.
    fs.writeFileSync(
      helper,
      `// ${randomUUID()}
export const where = { dirname: __dirname, filename: __filename };
export function fail(): never {
  const reason: string = 'on purpose';
  throw new Error(reason);
}
`,
    );
    fs.writeFileSync(
      main,
      `// ${randomUUID()}
import * as path from 'node:path';
import { where } from './lib/helper';
const self = { isMain: require.main === module, resolved: require.resolve('./lib/helper'), cached: Object.keys(require.cache).includes(path.join(__dirname, 'lib', 'helper.ts')) };
// Whether this process loaded esbuild's compiler (its package.json, read for the version, aside).
const compiled = Object.keys(require.cache).some((file) => file.includes(\`\${path.sep}esbuild\${path.sep}\`) && !file.endsWith('package.json'));
console.log(JSON.stringify({ where, self, compiled }));
if (process.argv[2] === 'fail') require('./lib/helper').fail();
`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const env = (more: NodeJS.ProcessEnv = {}) => ({ ...process.env, BOOKSTORE_CACHE_DIR: path.join(dir, 'cache'), ...more });
  const run = (args: string[] = [], more: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, ['--require', TS, main, ...args], { cwd: dir, encoding: 'utf8', env: env(more) });
  const built = () => (fs.existsSync(BUILD) ? fs.readdirSync(BUILD).sort() : []);

  it('gives a module what Node gives it: its own require (relative, resolve, main, cache), __dirname and __filename', () => {
    const result = run();
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({
      where: { dirname: path.dirname(helper), filename: helper },
      self: { isMain: true, resolved: helper, cached: true },
    });
  });

  it('runs what the install compiled (`node bin/ts.js --build`, the prepare script) and compiles only a file edited since, once', () => {
    fs.rmSync(BUILD, { recursive: true, force: true });
    const build = spawnSync(process.execPath, [TS, '--build'], { cwd: dir, encoding: 'utf8', env: env() });
    expect([build.status, build.stderr]).toEqual([0, '']);
    // main.ts and lib/helper.ts; test/ is left out.
    expect(built()).toHaveLength(2);
    expect(JSON.parse(run().stdout).compiled).toBe(false);
    expect(built()).toHaveLength(2);

    fs.appendFileSync(helper, '// edited\n');
    expect(JSON.parse(run().stdout).compiled).toBe(true);
    expect(built()).toHaveLength(3);
    expect(JSON.parse(run().stdout).compiled).toBe(false);
    // A build over what is built already compiles nothing more.
    expect(spawnSync(process.execPath, [TS, '--build'], { cwd: dir, env: env() }).status).toBe(0);
    expect(built()).toHaveLength(3);

    // The build noted each file with its key: a touched file (another mtime, the same text) is found by its content, compiled already.
    const [index] = fs.readdirSync(path.join(dir, 'cache', 'bookstore-checkouts'));
    const noted = JSON.parse(fs.readFileSync(path.join(dir, 'cache', 'bookstore-checkouts', index), 'utf8'));
    expect(Object.keys(noted).sort()).toEqual([helper, main].sort());
    expect(built()).toContain(`${noted[helper].key}.js`);
    fs.utimesSync(helper, new Date(), new Date(Date.now() + 5000));
    expect(JSON.parse(run().stdout)).toMatchObject({ compiled: false, where: { filename: helper } });
    expect(built()).toHaveLength(3);
  });

  it('installs when a file does not compile, and the command that loads it names the file and the place', () => {
    const broken = path.join(dir, 'lib', 'broken.ts');
    fs.writeFileSync(broken, 'export const x = {{;\n');
    try {
      expect(spawnSync(process.execPath, [TS, '--build'], { cwd: dir, env: env() }).status).toBe(0);
      const result = spawnSync(process.execPath, ['--require', TS, broken], { cwd: dir, encoding: 'utf8', env: env() });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`${broken}:1:19: `);
    } finally {
      fs.rmSync(broken);
    }
  });

  it('maps a stack trace to the TypeScript lines with NODE_OPTIONS=--enable-source-maps', () => {
    const mapped = run(['fail'], { NODE_OPTIONS: '--enable-source-maps' });
    expect(mapped.status).toBe(1);
    // `throw new Error(reason)` is line 5 of helper.ts, column 9.
    expect(mapped.stderr).toContain(`${helper}:5:9`);
    const plain = run(['fail']);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toContain(helper);
  });

  it('loads the libraries from the bundle the install made, the same libraries as without it', () => {
    // A small cdk8s app on cdk8s-plus-29, and which of the libraries' files Node read to run it.
    const app = path.join(dir, 'app.ts');
    fs.writeFileSync(
      app,
      `// ${randomUUID()}
import * as path from 'node:path';
import { App, Chart, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-29';
import * as YAML from 'yaml';
const chart = new Chart(new App(), 'app');
new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.29', portNumber: 8080 }] });
const read = (name: string) => Object.keys(require.cache).filter((file) => file.includes([, 'node_modules', name, ''].join(path.sep))).length;
const bundle = Object.keys(require.cache).filter((file) => file.includes('bookstore-libraries'));
console.log(JSON.stringify({ yaml: Yaml.stringify(...chart.toJson()), parsed: YAML.parse('a: 1'), read: { cdk8s: read('cdk8s'), plus: read('cdk8s-plus-29') }, bundle }));
`,
    );
    const libraries = path.join(dir, 'cache', 'bookstore-libraries');
    const runApp = (extra: NodeJS.ProcessEnv = {}) => {
      const result = spawnSync(process.execPath, ['--require', TS, app], { cwd: dir, encoding: 'utf8', env: { ...env(), ...extra } });
      expect([result.status, result.stderr]).toEqual([0, '']);
      return JSON.parse(result.stdout);
    };
    expect(spawnSync(process.execPath, [TS, '--build'], { cwd: dir, env: env() }).status).toBe(0);
    expect(fs.readdirSync(libraries)).toHaveLength(1);
    const bundled = runApp();
    // One file for all four libraries; of theirs, Node only resolved each one's main file.
    expect(bundled.bundle).toEqual([path.join(libraries, fs.readdirSync(libraries)[0])]);
    expect(bundled.read).toEqual({ cdk8s: 1, plus: 1 });
    // BOOKSTORE_LIBRARY_BUNDLE=0 (the bench's comparison): the bundle there is not used, and a build makes none.
    expect(runApp({ BOOKSTORE_LIBRARY_BUNDLE: '0' }).bundle).toEqual([]);

    fs.rmSync(libraries, { recursive: true });
    expect(spawnSync(process.execPath, [TS, '--build'], { cwd: dir, env: { ...env(), BOOKSTORE_LIBRARY_BUNDLE: '0' } }).status).toBe(0);
    expect(fs.existsSync(libraries)).toBe(false);
    const plain = runApp();
    expect(plain.bundle).toEqual([]);
    expect(plain.read.plus).toBeGreaterThan(10);
    expect(bundled.yaml).toContain('kind: Deployment');
    expect({ ...bundled, read: undefined, bundle: undefined }).toEqual({ ...plain, read: undefined, bundle: undefined });
  });

  it('leaves the bundle unused once an install changed a bundled library, until the next build', () => {
    // A checkout of its own whose node_modules links every package but yaml, whose package.json is a copy.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-ts-versions-'));
    try {
      fs.mkdirSync(path.join(other, 'bin'));
      fs.copyFileSync(TS, path.join(other, 'bin', 'ts.js'));
      fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(other, 'tsconfig.json'));
      const modules = path.join(other, 'node_modules');
      linkNodeModules(modules, ['yaml']);
      fs.mkdirSync(path.join(modules, 'yaml'));
      for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules', 'yaml')).filter((e) => e !== 'package.json'))
        fs.symlinkSync(path.join(ROOT, 'node_modules', 'yaml', entry), path.join(modules, 'yaml', entry));
      const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'yaml', 'package.json'), 'utf8'));
      const writeVersion = (version: string) => fs.writeFileSync(path.join(modules, 'yaml', 'package.json'), JSON.stringify({ ...manifest, version }));
      writeVersion(manifest.version);
      const app = path.join(other, 'app.ts');
      fs.writeFileSync(app, "import 'cdk8s-plus-29';\nconsole.log(Object.keys(require.cache).some((file) => file.includes('bookstore-libraries')));\n");
      const cache = { ...process.env, BOOKSTORE_CACHE_DIR: path.join(other, 'cache') };
      const bundled = () =>
        spawnSync(process.execPath, ['--require', path.join(other, 'bin', 'ts.js'), app], { cwd: other, encoding: 'utf8', env: cache }).stdout.trim();
      const build = () => expect(spawnSync(process.execPath, [path.join(other, 'bin', 'ts.js'), '--build'], { cwd: other, env: cache }).status).toBe(0);

      build();
      expect(bundled()).toBe('true');
      writeVersion(`${manifest.version}-changed`);
      expect(bundled()).toBe('false');
      build();
      expect(bundled()).toBe('true');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('installs, and commands run, when the bundle or the index cannot be written', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-ts-blocked-'));
    try {
      // A file where each folder would go: every write there fails.
      fs.writeFileSync(path.join(cache, 'bookstore-libraries'), '');
      fs.writeFileSync(path.join(cache, 'bookstore-checkouts'), '');
      const blocked = { ...process.env, BOOKSTORE_CACHE_DIR: cache };
      const build = spawnSync(process.execPath, [TS, '--build'], { cwd: dir, encoding: 'utf8', env: blocked });
      expect([build.status, build.stderr]).toEqual([0, '']);
      const result = spawnSync(process.execPath, ['--require', TS, main], { cwd: dir, encoding: 'utf8', env: blocked });
      expect([result.status, result.stderr]).toEqual([0, '']);
      expect(JSON.parse(result.stdout).compiled).toBe(false);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('loads a file that imports an ES module as Node loads it, which resolves the import', () => {
    const esm = path.join(dir, 'esm.ts');
    fs.writeFileSync(esm, `// ${randomUUID()}\nimport('node:os').then((os) => console.log(typeof os.cpus));\n`);
    expect(execFileSync(process.execPath, ['--require', TS, esm], { cwd: dir, encoding: 'utf8', env: env() }).trim()).toBe('function');
  });
});
