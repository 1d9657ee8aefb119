'use strict';
// Compiles this repository's TypeScript to CommonJS with esbuild, for the `bookstore` command, the
// cdk8s app (bin/ts.js) and jest (test/transform.js) alike: one compiler, one set of options.
//
// Compiled files are cached on disk by their content, not by their path. tsx, which we used before,
// keys its cache by path, so every fresh clone and every promote worktree compiled all ~65 source
// files again: 1.1 s more per command (docs/performance.md). Here a checkout whose files are the
// same as one compiled before costs nothing to compile, wherever it is.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { cacheDir, codeCacheSuffix, writeWhole } = require('./code-cache');
// esbuild itself loads only when a file is not in the cache (20 ms a run otherwise).
const ESBUILD_VERSION = require('esbuild/package.json').version;

const ROOT = path.resolve(__dirname, '..');
/** Bump when the output for the same input changes in a way esbuild's version does not capture. */
const FORMAT = 1;

/**
 * What esbuild needs from tsconfig.json for emit (class fields, module interop); type checking is
 * `tsc --noEmit`'s job. Read once from this repository's tsconfig.json.
 */
function emitOptions() {
  const { compilerOptions = {} } = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
  const keep = ['target', 'useDefineForClassFields', 'esModuleInterop', 'experimentalDecorators', 'verbatimModuleSyntax', 'preserveValueImports'];
  return { compilerOptions: Object.fromEntries(keep.filter((k) => k in compilerOptions).map((k) => [k, compilerOptions[k]])) };
}

const OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  target: `node${process.versions.node.split('.')[0]}`,
  platform: 'node',
  // Class names survive compilation: errors are told apart by their class's name across checkouts.
  keepNames: true,
  sourcemap: 'inline',
  sourcesContent: false,
  tsconfigRaw: emitOptions(),
};

/** Where compiled files are kept: node_modules/.cache (bin/code-cache.js), which `npm ci` clears; none when it cannot be written. */
const CACHE = (() => {
  const dir = cacheDir('bookstore-ts');
  try {
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return undefined;
  }
})();

/**
 * Where the output runs. `node`: Node's own loader, which loads ES modules through `import()`. `jest`:
 * jest's module registry, which has no `import()` without an experimental flag, so `import()`
 * becomes `require` (jest then compiles the ES modules it reaches: see test/transform.js).
 */
const RUNTIMES = { node: {}, jest: { supported: { 'dynamic-import': false } } };

/** The key of a compile: the source, its file's name (the source map names it), the compiler and its options. */
function cacheKey(source, filename, runtime = 'node') {
  return crypto.createHash('sha256')
    .update(JSON.stringify([FORMAT, ESBUILD_VERSION, OPTIONS, RUNTIMES[runtime], path.basename(filename)]))
    .update('\0')
    .update(source)
    .digest('hex');
}

/**
 * The text stored under `key` (a hex digest of everything the text depends on), or `produce()`'s,
 * stored for the next run. Written whole, then renamed into place: concurrent commands never read
 * half a file. A cache that cannot be read or written only costs the next run the work again.
 */
function cached(key, produce) {
  const file = CACHE && path.join(CACHE, key.slice(0, 2), `${key.slice(2)}.js`);
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      // not produced yet
    }
  }
  const text = produce();
  if (file) {
    try {
      writeWhole(file, text);
    } catch {
      // see above
    }
  }
  return text;
}

/**
 * The JavaScript of one TypeScript file, with an inline source map. The map names the file by its
 * base name, which resolves next to the compiled module, so the same output serves every checkout.
 */
function compile(source, filename, runtime = 'node', key = cacheKey(source, filename, runtime)) {
  return cached(key, () => {
    try {
      return require('esbuild').transformSync(source, { ...OPTIONS, ...RUNTIMES[runtime], sourcefile: path.basename(filename) }).code;
    } catch (err) {
      // esbuild's message starts "Transform failed with N error(s):"; the next line names the place.
      // The error names the file and place; `at` is the place alone, for a caller that names the file itself.
      const first = (err.errors ?? [])[0];
      const at = first?.location ? `${first.location.line}:${first.location.column + 1}` : undefined;
      const text = first?.text ?? String(err.message).split('\n').pop();
      throw Object.assign(new SyntaxError(`${filename}${at ? `:${at}` : ''}: ${text}`), { code: 'BOOKSTORE_TS_SYNTAX', file: filename, at, text });
    }
  });
}

/** Where the code V8 makes for the file compiled under `key` is kept (see bin/ts.js): beside it, per Node version and processor. */
function codeCacheFile(key) {
  return CACHE && path.join(CACHE, key.slice(0, 2), `${key.slice(2)}.${codeCacheSuffix()}.code`);
}

/**
 * Where a position of `filename`'s compiled code (1-based line and column, as a stack trace gives
 * them) is in its TypeScript, through the compile's inline source map; undefined when it cannot say.
 * Only for errors: it compiles the file again if the cache has lost it.
 */
function sourcePosition(filename, line, column) {
  try {
    const code = compile(fs.readFileSync(filename, 'utf8'), filename);
    const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
    if (!inline) return undefined;
    const map = new (require('node:module').SourceMap)(JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')));
    const entry = map.findEntry(line - 1, column - 1);
    return entry && typeof entry.originalLine === 'number' ? { line: entry.originalLine + 1, column: entry.originalColumn + 1 } : undefined;
  } catch {
    return undefined;
  }
}

// The key changes whenever compile's output for the source could: jest keys its transform cache with it.
module.exports = { cached, codeCacheFile, compile, compileKey: cacheKey, sourcePosition };
