import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';

// bin/ts.js is plain JavaScript shared by the CLI and jest (test/transform.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cached, compile, compileKey } = require('../bin/ts') as {
  cached: (key: string, produce: () => string) => string;
  compile: (source: string, filename: string) => string;
  compileKey: (source: string, filename: string) => string;
};

describe('the TypeScript compiler shared by the CLI and jest (bin/ts.js)', () => {
  const file = path.join(ROOT, 'services', 'resource-api.ts');
  const source = fs.readFileSync(file, 'utf8');

  it('names a compiled file by content, so a copy of the project in another folder finds its files compiled', () => {
    const elsewhere = path.join('/tmp', 'some-clone', 'services', 'resource-api.ts');
    expect(compileKey(source, elsewhere)).toBe(compileKey(source, file));
    expect(compile(source, elsewhere)).toBe(compile(source, file));
  });

  it('compiles again when the content or the file name (which its source map names) differs', () => {
    expect(compileKey(`${source}\n// edited\n`, file)).not.toBe(compileKey(source, file));
    expect(compileKey(source, path.join(path.dirname(file), 'renamed.ts'))).not.toBe(compileKey(source, file));
  });

  it('gives commands that store the same new text at once the whole of it (written whole, then renamed)', async () => {
    // Six processes, as six CI jobs or a bump beside a synth, meet the same file not yet compiled.
    const text = compile(`${source}\n// ${randomUUID()}\n`, file);
    const key = createHash('sha256').update(text).digest('hex');
    const script = `const { cached } = require(${JSON.stringify(path.join(ROOT, 'bin', 'ts'))});
      const text = require('fs').readFileSync(0, 'utf8');
      process.stdout.write(require('crypto').createHash('sha256').update(cached(${JSON.stringify(key)}, () => text)).digest('hex'))`;
    const digests = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = execFile(process.execPath, ['-e', script], (err, stdout) => (err ? reject(err) : resolve(stdout)));
            child.stdin!.end(text);
          }),
      ),
    );
    expect(digests).toEqual(Array(6).fill(key));
    expect(cached(key, () => 'not this')).toBe(text);
  });

  it('produces a cached text once, then reads it back', () => {
    const key = createHash('sha256').update(randomUUID()).digest('hex');
    let produced = 0;
    const produce = () => `module.exports = ${++produced};`;
    expect(cached(key, produce)).toBe('module.exports = 1;');
    expect(cached(key, produce)).toBe('module.exports = 1;');
    expect(produced).toBe(1);
  });

  it('reports a syntax error with the file and the place', () => {
    let error: any;
    try {
      compile('export const x = {{;\n', '/somewhere/broken.ts');
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'BOOKSTORE_TS_SYNTAX', file: '/somewhere/broken.ts', at: '1:19' });
    expect(error.message).toMatch(/^\/somewhere\/broken\.ts:1:19: /);
  });
});
