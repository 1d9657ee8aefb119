'use strict';
// Runs this repository's TypeScript without a build step: `node --require ./bin/ts.js <file>.ts`.
// `.ts` files compile through bin/compile.js (esbuild, cached by content); every other module loads
// as Node loads it, untouched. The libraries every command needs load first, before the hook: from
// one prebuilt file when it can be had (vendor.js), else from node_modules.
//
// A compiled file then runs through V8's code cache, kept beside it in node_modules/.cache: V8
// compiled the same ~65 files in every command (18 ms of a synth, with 10 ms more for Node's reading
// of their source maps). So stack traces show the compiled lines by default; with
// NODE_OPTIONS=--enable-source-maps every file loads as Node loads it, and traces point into the
// TypeScript through the inline source maps. A file that imports an ES module (`import()`: Octokit)
// always loads as Node loads it, which is what resolves that import.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { compileCached } = require('./code-cache');
const { loadVendor, LIBRARIES } = require('./vendor');
if (!loadVendor()) for (const name of LIBRARIES) require(name);
const { codeCacheFile, compile, compileKey, sourcePosition } = require('./compile');
// Stack traces here show compiled lines (see above): an error a user's file throws is reported at
// its line in the TypeScript through this (lib/model/errors.ts, sourceLine). With source maps on, the
// trace already shows it.
if (!process.sourceMapsEnabled) globalThis[Symbol.for('bookstore.sourcePosition')] = sourcePosition;

/** The `require` a module gets from Node: resolves from the module, loads through it. */
function requireOf(module) {
  const require = (id) => module.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Runs compiled `code` as the module `filename`, through V8's code cache (`cacheFile`: bin/code-cache.js). */
function runCached(module, code, filename, cacheFile) {
  compileCached(Module.wrap(code), filename, cacheFile).call(module.exports, module.exports, requireOf(module), module, filename, path.dirname(filename));
}

if (!require.extensions['.ts']) {
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const key = compileKey(source, filename);
    const code = compile(source, filename, 'node', key);
    const cacheFile = !process.sourceMapsEnabled && !code.includes('import(') && codeCacheFile(key);
    if (cacheFile) runCached(module, code, filename, cacheFile);
    else module._compile(code, filename);
  };
}
