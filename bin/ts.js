'use strict';
// Runs this repository's TypeScript without a build step: `node --require ./bin/ts.js <file>.ts`.
// The libraries every command needs are loaded first, as plain CommonJS, and only then is tsx's
// hook registered: tsx inspects every module loaded after it, which cost each synth about 100 ms
// (`npm run bench`, README "Performance"). Our .ts files and the imports/ classes go through tsx.
for (const name of ['constructs', 'cdk8s', 'cdk8s-plus-29', 'yaml', 'ajv']) require(name);
require('tsx/cjs');
