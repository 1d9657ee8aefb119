import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';

// bin/compile.js is plain JavaScript shared by the CLI and jest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compile, compileKey } = require('../bin/compile') as {
  compile: (source: string, filename: string) => string;
  compileKey: (source: string, filename: string) => string;
};

describe('the TypeScript compiler shared by the CLI and jest (bin/compile.js)', () => {
  const file = path.join(ROOT, 'services', 'resource-api.ts');
  const source = fs.readFileSync(file, 'utf8');

  it('keys its cache by content, so a copy of the project in another folder is not compiled again', () => {
    const elsewhere = path.join('/tmp', 'some-clone', 'services', 'resource-api.ts');
    expect(compileKey(source, elsewhere)).toBe(compileKey(source, file));
    expect(compile(source, elsewhere)).toBe(compile(source, file));
  });

  it('compiles again when the content or the file name (which its source map names) differs', () => {
    expect(compileKey(`${source}\n// edited\n`, file)).not.toBe(compileKey(source, file));
    expect(compileKey(source, path.join(path.dirname(file), 'renamed.ts'))).not.toBe(compileKey(source, file));
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
