'use strict';
// V8's code cache for what every command runs: the libraries' bundle (bin/vendor.js), the compiled
// TypeScript (bin/ts.js), the schema and overlay validators (lib/check/validate.ts). V8 compiles a
// function the first time it runs; the code it made is taken when the process exits (after the
// run, so that it holds the functions that ran) and kept in a file beside what it was made from,
// under node_modules/.cache, which `npm ci` clears. The next process starts from it. V8 checks
// that the data fits (the source, its version and flags) and refuses it otherwise: the code then
// compiles as usual and the file is made anew. A cache that cannot be read or written only costs
// the next run the work.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

/** The scripts this process compiled without usable cached code, by the file their code goes to. */
const uncached = new Map();

/**
 * Writes `data` to `file` whole: beside it first, then renamed into place, so that concurrent
 * commands never read half of it. Throws what the file system says.
 */
function writeWhole(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

function saveAll() {
  for (const [file, script] of uncached) {
    try {
      writeWhole(file, script.createCachedData());
    } catch {
      // see above
    }
  }
}

/**
 * Compiles `source` (a function expression, such as Node's module wrapper around a file's code) as
 * the file `filename`, starting from the code kept in `cacheFile`, and returns the function.
 */
function compileCached(source, filename, cacheFile) {
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // not made yet
  }
  const script = new vm.Script(source, { filename, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    if (uncached.size === 0) process.once('exit', saveAll);
    uncached.set(cacheFile, script);
  }
  return script.runInThisContext();
}

const ROOT = path.resolve(__dirname, '..');

/**
 * The folder of one of this repository's caches (`bookstore-ts`, `bookstore-vendor`,
 * `bookstore-validators`): in node_modules/.cache, or in $BOOKSTORE_CACHE_DIR when it is set (a CI
 * that keeps a cache between runs; the tests give a command a cache of its own).
 */
function cacheDir(name) {
  const root = process.env.BOOKSTORE_CACHE_DIR ? path.resolve(process.env.BOOKSTORE_CACHE_DIR) : path.join(ROOT, 'node_modules', '.cache');
  return path.join(root, name);
}

/** The name a cache file takes after what it was made from: V8's code differs per Node version and processor. */
const codeCacheSuffix = () => `${process.version}-${process.arch}`;

module.exports = { cacheDir, compileCached, codeCacheSuffix, writeWhole };
