#!/usr/bin/env node
// The `bookstore` command: runs the TypeScript CLI in lib/ without a build step (see ts.js).
require('./ts');
// The AWS SDK warns on every run that its 2027 releases need Node 22; the README says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { runCommand } = require('../lib/model/errors.ts');
const { main } = require('../lib/cli.ts');

runCommand('bookstore', () => main(process.argv.slice(2)));
