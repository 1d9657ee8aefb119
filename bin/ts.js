'use strict';
// Runs this repository's TypeScript without a build step: `node --require ./bin/ts.js <file>.ts`.
// `.ts` files compile through bin/compile.js (esbuild, cached by content); every other module loads
// as Node loads it, untouched. The libraries every command needs load first, before the hook: from
// one prebuilt file when it can be had (vendor.js), else from node_modules.
const fs = require('node:fs');
const { loadVendor, LIBRARIES } = require('./vendor');
if (!loadVendor()) for (const name of LIBRARIES) require(name);
const { compile } = require('./compile');

if (!require.extensions['.ts']) {
  // Stack traces point into the .ts sources through the inline source maps.
  process.setSourceMapsEnabled(true);
  require.extensions['.ts'] = (module, filename) => {
    module._compile(compile(fs.readFileSync(filename, 'utf8'), filename), filename);
  };
}
