'use strict';
// The libraries every command loads (constructs, cdk8s, cdk8s-plus-29, yaml), prebuilt by esbuild.
//
// Loaded from node_modules they are some 200 modules: Node resolves, reads and compiles each one,
// and cdk8s-plus-29's generated Kubernetes classes come with 2.7 MB of comments to scan. Bundled
// they load in about half the time, and with the code V8 made for them kept beside the bundle
// (loadBundle) the construct tree and YAML emit that run on them start faster too (README,
// "Performance"). The bundle is built once per installed tree and kept in node_modules/.cache,
// which `npm ci` clears; its key is node_modules/.package-lock.json, npm's record of exactly what
// is installed, so any change of a version builds it again.
//
// Each library's exports are then put in Node's module cache under the file `require` resolves the
// library to, so that every `require('cdk8s')` (ours, the imported CRD classes', a service file's)
// gets the same objects the bundled cdk8s-plus-29 extends. Only the four entry points are served:
// nothing here requires a file inside them. When anything is amiss (no lockfile, a cache that cannot
// be written, a failed build) the libraries load from node_modules as usual.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { cacheDir, codeCacheSuffix, compileCached } = require('./code-cache');

const ROOT = path.resolve(__dirname, '..');
/** Bump when the bundle for the same installed tree changes in a way the key does not capture. */
const FORMAT = 1;
const LIBRARIES = ['constructs', 'cdk8s', 'cdk8s-plus-29', 'yaml'];

/** The bundle's key: what is installed, the bundler, the Node version it targets and what it bundles. */
function vendorKey() {
  const installed = fs.readFileSync(path.join(ROOT, 'node_modules', '.package-lock.json'));
  const esbuild = require('esbuild/package.json').version;
  return crypto.createHash('sha256')
    .update(JSON.stringify([FORMAT, esbuild, process.versions.node.split('.')[0], LIBRARIES]))
    .update('\0')
    .update(installed)
    .digest('hex')
    .slice(0, 32);
}

/** The bundle's folder, built first when it is not there yet; undefined when it cannot be had. */
function bundleDir() {
  try {
    const dir = path.join(cacheDir('bookstore-vendor'), vendorKey());
    // esbuild runs plugins only in its asynchronous API: the build is a process of its own, once per installed tree.
    if (!fs.existsSync(dir)) execFileSync(process.execPath, [__filename, dir], { stdio: 'ignore' });
    return fs.existsSync(path.join(dir, 'libraries.js')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Loads one file of the bundle as Node loads a CommonJS module, but through V8's code cache kept
 * beside it (bin/code-cache.js): the functions YAML emit, cdk8s's toJson and the constructs ran in
 * an earlier process are not compiled again.
 */
function loadBundle(file) {
  if (require.cache[file]) return require.cache[file].exports;
  const run = compileCached(Module.wrap(fs.readFileSync(file, 'utf8')), file, `${file}.${codeCacheSuffix()}.code`);
  const module = cachedModule(file);
  // The bundle's own files (`./yaml.js`) load the same way; anything else (Node's modules) as usual.
  const localRequire = (id) => (id.startsWith('./') ? loadBundle(path.join(path.dirname(file), id)) : module.require(id));
  try {
    run.call(module.exports, module.exports, localRequire, module, file, path.dirname(file));
  } catch (err) {
    delete require.cache[file];
    throw err;
  }
  module.loaded = true;
  return module.exports;
}

/** A module of `file` in Node's module cache, as Node's loader would put it there: every `require` of the file gets it. */
function cachedModule(file) {
  const module = new Module(file, null);
  module.filename = file;
  module.paths = Module._nodeModulePaths(path.dirname(file));
  require.cache[file] = module;
  return module;
}

/**
 * Loads the libraries from the bundle and serves them to every later `require` of their names.
 * Returns whether it did; when it did not, nothing was changed and the libraries load as usual.
 */
function loadVendor() {
  const dir = bundleDir();
  if (!dir) return false;
  const entries = LIBRARIES.map((name) => [name, require.resolve(name, { paths: [ROOT] })]);
  // A library already loaded from node_modules stays the one everybody gets.
  if (entries.some(([, resolved]) => require.cache[resolved])) return false;
  let libraries;
  try {
    libraries = loadBundle(path.join(dir, 'libraries.js'));
  } catch {
    return false;
  }
  for (const [name, resolved] of entries) {
    const module = cachedModule(resolved);
    module.exports = libraries[name];
    module.loaded = true;
  }
  return true;
}

/**
 * yaml goes into files of its own, one per copy installed (cdk8s has its own), built without
 * keepNames: that option also wraps every closure a hot loop makes in a call that names it, and
 * YAML emit took 40 % longer. Everything else keeps its names (errors name construct classes).
 * Returns the file of the copy `require('yaml')` from `dir` reaches, relative to the bundle folder.
 */
function yamlFileFor(dir) {
  const main = require.resolve('yaml', { paths: [dir] });
  // Both sides real paths: node_modules may be a link (a promote worktree's, a test project's).
  const home = path.relative(fs.realpathSync(path.join(ROOT, 'node_modules')), main.slice(0, main.lastIndexOf(`${path.sep}yaml${path.sep}`)));
  return `./yaml${home ? `.${home.split(path.sep).filter((p) => p !== 'node_modules').join('.')}` : ''}.js`;
}

/** Bundles `contents` (an entry's code, resolved from `resolveDir`) to text; yaml stays outside unless `isYaml`. */
async function bundle(contents, resolveDir, isYaml, yamlFiles) {
  const { outputFiles } = await require('esbuild').build({
    stdin: { contents, resolveDir, loader: 'js', sourcefile: 'vendor-entry.js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    // Class names survive (esbuild would otherwise name a class `_Chart` for `Chart`); see yamlFileFor.
    keepNames: !isYaml,
    plugins: isYaml ? [] : [{
      name: 'yaml-apart',
      setup(build) {
        build.onResolve({ filter: /^yaml$/ }, (args) => {
          const file = yamlFileFor(args.resolveDir);
          yamlFiles.set(file, args.resolveDir);
          return { path: file, external: true };
        });
      },
    }],
    write: false,
    logLevel: 'silent',
  });
  return outputFiles[0].text;
}

/**
 * yaml's entry. Without keepNames esbuild names a class that refers to itself `_Document` for
 * `Document`; the classes yaml exports get their own names back (nothing reads the inner ones').
 */
const YAML_ENTRY = `const yaml = require('yaml');
for (const [name, value] of Object.entries(yaml)) {
  if (typeof value === 'function' && value.name === \`_\${name}\`) Object.defineProperty(value, 'name', { value: name });
}
module.exports = yaml;
`;

/**
 * Builds the bundle into the folder `dir`: `libraries.js` (each library's exports under its name)
 * and a `yaml*.js` for each copy of yaml it reaches. The folder is made beside its place and
 * renamed into it, so a command sees a whole bundle or none. Returns whether this build is the
 * one in place.
 */
async function build(dir) {
  const yamlFiles = new Map([[yamlFileFor(ROOT), ROOT]]);
  const entry = `module.exports = {${LIBRARIES.map((name) => `${JSON.stringify(name)}: require(${JSON.stringify(name)})`).join(', ')}};\n`;
  const libraries = await bundle(entry, ROOT, false, yamlFiles);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.new-`);
  try {
    fs.writeFileSync(path.join(staging, 'libraries.js'), libraries);
    for (const [file, from] of yamlFiles) fs.writeFileSync(path.join(staging, file), await bundle(YAML_ENTRY, from, true));
    fs.renameSync(staging, dir);
    return true;
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    // Another command put the same bundle in place first: theirs serves (and its builder warms it).
    if (!fs.existsSync(path.join(dir, 'libraries.js'))) throw err;
    return false;
  }
}

/**
 * Runs what every render runs (constructs, a cdk8s-plus workload and its Service, toJson, YAML out
 * and in) on the bundle just built, so that the code cache saved when this process exits holds
 * those functions whichever command happens to run first.
 */
function warm(dir) {
  const { cdk8s, 'cdk8s-plus-29': plus, yaml } = loadBundle(path.join(dir, 'libraries.js'));
  const app = new cdk8s.App();
  const chart = new cdk8s.Chart(app, 'warm', { labels: { 'app.kubernetes.io/part-of': 'warm' } });
  const deployment = new plus.Deployment(chart, 'web', {
    replicas: 2,
    containers: [{ image: 'public.ecr.aws/nginx/nginx:1.27', portNumber: 8080, envVariables: { MODE: plus.EnvValue.fromValue('warm') } }],
  });
  deployment.exposeViaService({ ports: [{ port: 80, targetPort: 8080 }] });
  const text = cdk8s.Yaml.stringify(...chart.node.findAll().filter((c) => cdk8s.ApiObject.isApiObject(c)).map((o) => o.toJson()));
  yaml.parseAllDocuments(text).map((doc) => doc.toJS());
  yaml.stringify(yaml.parseDocument('images:\n  web: 1.0.abcdef12\n').toJS());
}

module.exports = { loadVendor, LIBRARIES };

// `node bin/vendor.js <folder>`: builds the bundle into that folder (see bundleDir) and warms its code cache.
if (require.main === module) {
  build(process.argv[2]).then((placed) => placed && warm(process.argv[2])).catch((err) => {
    console.error(`vendor bundle: ${err.message}`);
    process.exit(1);
  });
}
