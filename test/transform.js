'use strict';
// jest's transform for .ts: the same compiler, options and key as the `bookstore` command (bin/ts.js),
// so a test runs what a user runs. The key depends on the content, not the path; jest instruments
// for coverage after this transform, so an instrumented run keys apart. One difference: `import()`
// becomes `require`, because jest's registry has no `import()` (bin/ts.js, RUNTIMES).
//
// It also turns the ES modules `import()` reaches (Octokit and its dependencies, jest.config.js)
// into CommonJS, so that tests call the real Octokit in-process.
const crypto = require('node:crypto');
const path = require('node:path');
// bin/ts.js also hooks Node's own require of .ts files: jest's files compile here instead.
const hooked = require.extensions['.ts'];
const { compile, compileKey } = require('../bin/ts');
if (!hooked) delete require.extensions['.ts'];

const ESBUILD_VERSION = require('esbuild/package.json').version;

function moduleToCommonJs(source, filename) {
  return require('esbuild').transformSync(source, {
    loader: 'js',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    platform: 'node',
    sourcefile: path.basename(filename),
  }).code;
}

module.exports = {
  process: (source, filename) => ({ code: filename.endsWith('.ts') ? compile(source, filename, 'jest') : moduleToCommonJs(source, filename) }),
  getCacheKey: (source, filename, options) => {
    const key = filename.endsWith('.ts')
      ? compileKey(source, filename, 'jest')
      : crypto.createHash('sha256').update(`esm-to-cjs ${ESBUILD_VERSION} ${filename}\0`).update(source).digest('hex');
    return `${key}${options?.instrument ? ':instrumented' : ''}`;
  },
};
