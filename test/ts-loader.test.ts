import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ROOT } from './helpers';

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

  it('reads a file the build noted, unchanged since, through the index without keying its source', () => {
    expect(spawnSync(process.execPath, [TS, '--build'], { cwd: dir, env: env() }).status).toBe(0);
    const folder = path.join(dir, 'cache', 'bookstore-checkouts');
    const file = path.join(folder, fs.readdirSync(folder)[0]);
    const noted = JSON.parse(fs.readFileSync(file, 'utf8'));
    // The index names another compiled text for lib/helper.ts: only a read through the index finds it.
    const marker = `marker-${randomUUID()}`;
    fs.writeFileSync(path.join(BUILD, `${marker}.js`), `exports.where = ${JSON.stringify({ filename: marker })};\n`);
    try {
      fs.writeFileSync(file, JSON.stringify({ ...noted, [helper]: { ...noted[helper], key: marker } }));
      expect(JSON.parse(run().stdout).where).toEqual({ filename: marker });
      // Once the file's stamp differs, it is keyed by its content again.
      fs.utimesSync(helper, new Date(), new Date(Date.now() + 10000));
      expect(JSON.parse(run().stdout).where).toEqual({ dirname: path.dirname(helper), filename: helper });
    } finally {
      fs.rmSync(path.join(BUILD, `${marker}.js`));
      expect(spawnSync(process.execPath, [TS, '--build'], { cwd: dir, env: env() }).status).toBe(0);
    }
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

  it('installs, and commands run, when the index cannot be written', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-ts-blocked-'));
    try {
      // A file where the index's folder would go: every write there fails.
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
