'use strict';
// Runs this repository's TypeScript on Node's own module loader: `node --require ./bin/ts.js <file>.ts`,
// and bin/bookstore.js. esbuild compiles each .ts file to CommonJS, alone, with one set of options for
// the commands, the cdk8s app and jest (test/transform.js). Every other module loads as Node loads it.
//
// The compiling is done at install time: `npm ci` and `npm install` run the `prepare` script,
// `node bin/ts.js --build`, which compiles every .ts file of the checkout but test/ in one esbuild
// pass (both cores) into node_modules/.cache/bookstore-js/, each file named by the digest of its
// source and of the compiler (compileKey). A command then reads compiled files and compiles nothing.
// A file edited since the install is compiled when a command first loads it and written there too.
// The names are digests of content, not paths, so a copy of the project elsewhere (a promote
// worktree, a test's checkout, with node_modules linked) finds its files compiled as well. The
// build also notes each file's size, modification time and inode (CHECKOUT_INDEX), so that a
// command finds an unchanged file's compiled text without hashing its source. Anything missing or
// out of date is only slower, never wrong: a file is then keyed by its content. The libraries load
// from node_modules as Node loads them (a bundle of them cost the install more than it saved the
// first command: docs/performance.md).
//
// Stack traces show the compiled lines: an error a user's file throws is reported at its line in the
// TypeScript through sourcePosition (lib/model/errors.ts). With NODE_OPTIONS=--enable-source-maps, traces
// point into the TypeScript through the inline source maps.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
// esbuild itself loads only to compile (20 ms); its version names what it compiles.
const ESBUILD_VERSION = require('esbuild/package.json').version;
/** Bump when the output for the same input changes in a way esbuild's version does not capture. */
const FORMAT = 2;

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
  // Class names survive compilation (errors are told apart by their class's name across checkouts):
  // a file compiled alone renames nothing, so esbuild's keepNames, which wraps every function and
  // class of a file, is not needed (without it, loading imports/ alone is 8 ms faster).
  // Named by the file's base name, which resolves next to the module: the same output serves every checkout.
  sourcemap: 'inline',
  sourcesContent: false,
  tsconfigRaw: emitOptions(),
};

/**
 * Where the output runs. `node`: Node's own loader, which loads ES modules through `import()`. `jest`:
 * jest's module registry, which has no `import()` without an experimental flag, so `import()`
 * becomes `require` (jest then compiles the ES modules it reaches: see test/transform.js).
 */
const RUNTIMES = { node: {}, jest: { supported: { 'dynamic-import': false } } };

/** The compiled files: in node_modules/.cache (`npm ci` empties node_modules, then builds them again), or in $BOOKSTORE_CACHE_DIR. */
const CACHE = process.env.BOOKSTORE_CACHE_DIR ? path.resolve(process.env.BOOKSTORE_CACHE_DIR) : path.join(ROOT, 'node_modules', '.cache');
const BUILD = path.join(CACHE, 'bookstore-js');

/** The digest of a compile: the source, its file's name (the source map names it), the compiler and its options. */
function compileKey(source, filename, runtime = 'node') {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([FORMAT, ESBUILD_VERSION, OPTIONS, RUNTIMES[runtime], path.basename(filename)]))
    .update('\0')
    .update(source)
    .digest('hex');
}

const esbuildOptions = (filename, runtime) => ({ ...OPTIONS, ...RUNTIMES[runtime], sourcefile: path.basename(filename) });

/** esbuild's error as a SyntaxError naming the file and the place (`at`: the place alone, for a caller that names the file itself). */
function syntaxError(err, filename) {
  // esbuild's message starts "Transform failed with N error(s):"; the next line names the place.
  const first = (err.errors ?? [])[0];
  const at = first?.location ? `${first.location.line}:${first.location.column + 1}` : undefined;
  const text = first?.text ?? String(err.message).split('\n').pop();
  return Object.assign(new SyntaxError(`${filename}${at ? `:${at}` : ''}: ${text}`), { code: 'BOOKSTORE_TS_SYNTAX', file: filename, at, text });
}

/** The JavaScript of one TypeScript file, with an inline source map. */
function compile(source, filename, runtime = 'node') {
  try {
    return require('esbuild').transformSync(source, esbuildOptions(filename, runtime)).code;
  } catch (err) {
    throw syntaxError(err, filename);
  }
}

/**
 * The text kept under `key` (a hex digest of everything the text depends on), or `produce()`'s, kept
 * for the next run: written beside its place, then renamed into it, so that concurrent commands never
 * read half a file. Where nothing can be written, the next run only does the work again.
 */
function cached(key, produce) {
  const file = path.join(BUILD, `${key}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // not built yet
  }
  const text = produce();
  try {
    writeWhole(file, text);
  } catch {
    // see above
  }
  return text;
}

function writeWhole(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/** The compiled text of `filename` as the commands run it: built at install time, or compiled now. */
const compiled = (source, filename) => cached(compileKey(source, filename), () => compile(source, filename));

/**
 * What the build compiled in this checkout: each file's key, with the size, modification time and
 * inode it had then. A file that still has all three is read compiled without reading and hashing
 * its source first (30 ms of a synth's 87 files); any other file is keyed by its content.
 */
// Named by the checkout and the compiler: another Node major or esbuild finds none, and keys by content.
const CHECKOUT_INDEX = path.join(
  CACHE,
  'bookstore-checkouts',
  `${crypto
    .createHash('sha256')
    .update(JSON.stringify([ROOT, FORMAT, ESBUILD_VERSION, OPTIONS]))
    .digest('hex')
    .slice(0, 16)}.json`,
);
const stamp = (stat) => `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
let checkoutIndex;

/** The compiled text of the file `filename`, as the `.ts` hook loads it. */
function compiledFile(filename) {
  if (checkoutIndex === undefined) {
    try {
      checkoutIndex = JSON.parse(fs.readFileSync(CHECKOUT_INDEX, 'utf8'));
    } catch {
      checkoutIndex = {};
    }
  }
  const entry = checkoutIndex[filename];
  if (entry && entry.stamp === stamp(fs.statSync(filename))) {
    try {
      return fs.readFileSync(path.join(BUILD, `${entry.key}.js`), 'utf8');
    } catch {
      // removed since: compile it again below
    }
  }
  return compiled(fs.readFileSync(filename, 'utf8'), filename);
}

/**
 * Where a position of `filename`'s compiled code (1-based line and column, as a stack trace gives
 * them) is in its TypeScript, through the inline source map; undefined when it cannot say.
 */
function sourcePosition(filename, line, column) {
  try {
    const code = compiled(fs.readFileSync(filename, 'utf8'), filename);
    const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
    if (!inline) return undefined;
    const map = new (require('node:module').SourceMap)(JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')));
    const entry = map.findEntry(line - 1, column - 1);
    return entry && typeof entry.originalLine === 'number' ? { line: entry.originalLine + 1, column: entry.originalColumn + 1 } : undefined;
  } catch {
    return undefined;
  }
}

/** The .ts files of the checkout the commands run (everything but test/, node_modules and dot folders). */
function sourceFiles() {
  const files = [];
  for (const entry of fs.readdirSync(ROOT, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || ['node_modules', 'test', 'dist', 'coverage'].includes(entry.name)) continue;
    const names = entry.isDirectory()
      ? fs.readdirSync(path.join(ROOT, entry.name), { recursive: true }).map((name) => path.join(entry.name, name))
      : [entry.name];
    files.push(...names.filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts')).map((name) => path.join(ROOT, name)));
  }
  return files;
}

/**
 * `node bin/ts.js --build` (the `prepare` script): compiles every source file into the build folder,
 * all at once, and notes them in the checkout index. A file that does not compile is left out, not
 * an install that fails: the command that loads it reports the error with its file and line.
 */
async function build() {
  const esbuild = require('esbuild');
  const index = {};
  await Promise.all(
    sourceFiles().map(async (file) => {
      // Stat first: a file changed while it compiles gets a stamp that no longer matches.
      const before = stamp(fs.statSync(file));
      const source = fs.readFileSync(file, 'utf8');
      const key = compileKey(source, file);
      try {
        if (!fs.existsSync(path.join(BUILD, `${key}.js`)))
          writeWhole(path.join(BUILD, `${key}.js`), (await esbuild.transform(source, esbuildOptions(file, 'node'))).code);
        index[file] = { stamp: before, key };
      } catch {
        // see above
      }
    }),
  );
  try {
    writeWhole(CHECKOUT_INDEX, JSON.stringify(index));
  } catch {
    // without it, every file is keyed by its content
  }
}

module.exports = { build, cached, compile, compileKey, sourcePosition };

if (require.main === module) {
  if (process.argv[2] !== '--build') throw new Error('usage: node bin/ts.js --build');
  build().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else if (!require.extensions['.ts']) {
  require.extensions['.ts'] = (module, filename) => module._compile(compiledFile(filename), filename);
  // Stack traces show compiled lines (see above): lib/model/errors.ts maps a user's line through this.
  // With source maps on, the trace already shows it.
  if (!process.sourceMapsEnabled) globalThis[Symbol.for('bookstore.sourcePosition')] = sourcePosition;
}
