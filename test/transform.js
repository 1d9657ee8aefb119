'use strict';
// jest's transform for .ts: the same compiler and cache key as the `bookstore` command (bin/compile.js),
// so a test runs what a user runs, and a file copied into a temporary checkout is not compiled again.
// The key depends on the content, not the path; jest instruments for coverage after this transform,
// so an instrumented run keys apart.
const { compile, compileKey } = require('../bin/compile');

module.exports = {
  process: (source, filename) => ({ code: compile(source, filename) }),
  getCacheKey: (source, filename, options) => `${compileKey(source, filename)}${options?.instrument ? ':instrumented' : ''}`,
};
