import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './helpers';

// bin/vendor.js runs in the commands' own Node processes (jest has a module registry of its own),
// so these tests look at it from processes started as the commands start, with caches of their
// own ($BOOKSTORE_CACHE_DIR): what other suites' commands do meanwhile cannot touch them.
const TS = path.join(ROOT, 'bin', 'ts.js');
const CACHE_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-cache-'));
const CACHE = path.join(CACHE_ROOT, 'bookstore-vendor');
const OPTIONS = { cwd: ROOT, encoding: 'utf8' as const, env: { ...process.env, BOOKSTORE_CACHE_DIR: CACHE_ROOT } };
afterAll(() => fs.rmSync(CACHE_ROOT, { recursive: true, force: true }));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LIBRARIES } = require('../bin/vendor') as { LIBRARIES: readonly string[] };

/** Runs `script` in a new Node process (after bin/ts.js when `withTs`) and returns what it printed as JSON. */
function inNode(script: string, withTs: boolean): any {
  const args = [...(withTs ? ['--require', TS] : []), '-e', script];
  return JSON.parse(execFileSync(process.execPath, args, OPTIONS));
}

/** Prints each library's exports: their names, and for functions and classes the name they carry. */
const SHAPE = `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(LIBRARIES)}.map((name) => {
  const exported = require(name);
  return [name, Object.keys(exported).sort().map((key) => [key, typeof exported[key], typeof exported[key] === 'function' ? exported[key].name : null])];
}))))`;

describe('the libraries every command loads, prebuilt by esbuild (bin/vendor.js)', () => {
  it('serves every require of a library the bundle\'s own exports, which the bundled libraries extend', () => {
    const facts = inNode(`
      const cache = ${JSON.stringify(CACHE)};
      const bundled = Object.keys(require.cache).filter((file) => file.startsWith(cache));
      const cdk8s = require('cdk8s');
      const plus = require('cdk8s-plus-29');
      const { Construct } = require('constructs');
      const app = new cdk8s.App();
      const chart = new cdk8s.Chart(app, 'chart');
      const deployment = new plus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27', portNumber: 8080 }] });
      console.log(JSON.stringify({
        bundled: bundled.map((file) => require('path').relative(cache, file)),
        fromBundle: ${JSON.stringify(LIBRARIES)}.every((name) => require(bundled.find((file) => file.endsWith('libraries.js')))[name] === require(name)),
        apiObject: deployment.apiObject instanceof cdk8s.ApiObject,
        construct: deployment instanceof Construct,
        kinds: app.synthYaml().match(/^kind: .*$/gm),
        libraryFiles: Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/](cdk8s|cdk8s-plus-29|constructs|yaml)[\\\\/]/.test(file)).length,
      }));`, true);
    // One folder, keyed by what is installed: the libraries, and yaml apart (one file per copy installed).
    const [key] = facts.bundled[0].split('/');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(facts.bundled).toEqual(expect.arrayContaining([`${key}/libraries.js`, `${key}/yaml.js`]));
    // yaml.js is the project's copy; yaml.<package>.js the copy a package has of its own (cdk8s's: yaml.cdk8s.js).
    expect(facts.bundled.every((file: string) => new RegExp(`^${key}/(libraries|yaml(\\.[a-z0-9@-]+)*)\\.js$`).test(file))).toBe(true);
    expect(facts).toMatchObject({ fromBundle: true, apiObject: true, construct: true, kinds: ['kind: Deployment'] });
    // The four entry points are the only modules of the libraries in the cache: nothing loaded a second copy.
    expect(facts.libraryFiles).toBe(LIBRARIES.length);
  });

  it('keeps every export and every function\'s and class\'s name as the libraries in node_modules have them', () => {
    expect(inNode(SHAPE, true)).toEqual(inNode(SHAPE, false));
  });

  it('is built by commands that start together with no bundle yet, each of them getting a whole one', async () => {
    fs.rmSync(CACHE, { recursive: true, force: true });
    const script = `const cdk8s = require('cdk8s'); new cdk8s.App().synth(); console.log(Object.keys(require.cache).filter((f) => f.includes('bookstore-vendor')).length)`;
    const outputs = await Promise.all(Array.from({ length: 4 }, () => new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--require', TS, '-e', script], OPTIONS, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
    })));
    expect(Number(outputs[0])).toBeGreaterThanOrEqual(2);
    expect(outputs).toEqual(Array(4).fill(outputs[0]));
    // One bundle, and no folder of a writer left beside it.
    expect(fs.readdirSync(CACHE)).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);
  });

  it('keeps the code V8 made for each of its files beside it: warmed when built, used as it is, made anew when refused', () => {
    const script = `const cdk8s = require('cdk8s'); new cdk8s.App().synth();
      console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('bookstore-vendor'))))`;
    const files: string[] = JSON.parse(execFileSync(process.execPath, ['--require', TS, '-e', script], OPTIONS));
    const codeFiles = files.map((file) => `${file}.${process.version}-${process.arch}.code`);
    // Made by the build itself, which ran a render on the bundle: not left to whichever command came first.
    for (const file of codeFiles) expect(fs.statSync(file).size).toBeGreaterThan(10000);
    const inodes = codeFiles.map((file) => fs.statSync(file).ino);
    execFileSync(process.execPath, ['--require', TS, '-e', script], OPTIONS);
    expect(codeFiles.map((file) => fs.statSync(file).ino)).toEqual(inodes);
    // Data V8 cannot use only costs a compile: the command works, and the data is made anew.
    const [damaged] = codeFiles;
    fs.writeFileSync(damaged, Buffer.alloc(4096, 7));
    expect(JSON.parse(execFileSync(process.execPath, ['--require', TS, '-e', script], OPTIONS))).toEqual(files);
    expect(fs.readFileSync(damaged).subarray(0, 64).equals(Buffer.alloc(64, 7))).toBe(false);
  });

  it('leaves the libraries to load from node_modules when there is no record of what is installed', () => {
    // A project whose node_modules holds the same packages, but not npm's .package-lock.json.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-plain-'));
    try {
      fs.cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
      fs.mkdirSync(path.join(dir, 'node_modules'));
      for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
        if (entry.startsWith('.')) continue;
        fs.symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(dir, 'node_modules', entry));
      }
      const script = `const cdk8s = require('cdk8s'); new cdk8s.App().synth();
        console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('bookstore-vendor')).length))`;
      const loaded = execFileSync(process.execPath, ['--require', path.join(dir, 'bin', 'ts.js'), '-e', script], { cwd: dir, encoding: 'utf8' });
      expect(JSON.parse(loaded)).toBe(0);
      expect(fs.existsSync(path.join(dir, 'node_modules', '.cache', 'bookstore-vendor'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
