import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ROOT } from './helpers';

// bin/ts.js is how every command runs the TypeScript: these tests run it as the commands do, in
// processes of their own, on a small program in a temporary folder.
const TS = path.join(ROOT, 'bin', 'ts.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { codeCacheFile, compileKey } = require('../bin/compile') as { codeCacheFile: (key: string) => string; compileKey: (source: string, filename: string) => string };

describe('the TypeScript loader every command runs through (bin/ts.js)', () => {
  let dir: string;
  let main: string;
  let helper: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-ts-'));
    main = path.join(dir, 'main.ts');
    helper = path.join(dir, 'lib', 'helper.ts');
    fs.mkdirSync(path.dirname(helper));
    // A fresh text each run: nothing of it is in the caches yet.
    fs.writeFileSync(helper, `// ${randomUUID()}
export const where = { dirname: __dirname, filename: __filename };
export function fail(): never {
  const reason: string = 'on purpose';
  throw new Error(reason);
}
`);
    fs.writeFileSync(main, `// ${randomUUID()}
import * as path from 'node:path';
import { where } from './lib/helper';
const self = { isMain: require.main === module, resolved: require.resolve('./lib/helper'), cached: Object.keys(require.cache).includes(path.join(__dirname, 'lib', 'helper.ts')) };
console.log(JSON.stringify({ where, self }));
if (process.argv[2] === 'fail') require('./lib/helper').fail();
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[] = [], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, ['--require', TS, main, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  const cacheOf = (file: string) => codeCacheFile(compileKey(fs.readFileSync(file, 'utf8'), file));

  it('gives a module what Node gives it: its own require (relative, resolve, main, cache), __dirname and __filename', () => {
    const result = run();
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      where: { dirname: path.dirname(helper), filename: helper },
      self: { isMain: true, resolved: helper, cached: true },
    });
  });

  it('keeps the code V8 made for each file beside its compiled text: used as it is, made anew when refused', () => {
    run();
    const files = [main, helper].map(cacheOf);
    for (const file of files) expect(fs.statSync(file).size).toBeGreaterThan(100);
    const inodes = files.map((file) => fs.statSync(file).ino);
    expect(run().status).toBe(0);
    expect(files.map((file) => fs.statSync(file).ino)).toEqual(inodes);
    fs.writeFileSync(files[1], Buffer.alloc(512, 7));
    expect(run().status).toBe(0);
    expect(fs.readFileSync(files[1]).subarray(0, 64).equals(Buffer.alloc(64, 7))).toBe(false);
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

  it('loads a file that imports an ES module as Node loads it, which resolves the import', () => {
    const esm = path.join(dir, 'esm.ts');
    fs.writeFileSync(esm, `// ${randomUUID()}\nimport('node:os').then((os) => console.log(typeof os.cpus));\n`);
    expect(execFileSync(process.execPath, ['--require', TS, esm], { cwd: dir, encoding: 'utf8' }).trim()).toBe('function');
    expect(fs.existsSync(cacheOf(esm))).toBe(false);
  });
});
