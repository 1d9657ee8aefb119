/**
 * CI installs what a bump runs on only (`npm ci --omit=dev --omit=peer` in delivery/buildspec.yml:
 * 13 packages of 600, neither the devDependencies nor the peerDependencies, the AWS SDK and Octokit
 * that only the commands talking to AWS and GitHub load). So everything a bump loads must be a
 * dependency that install keeps: the packages bin/ requires, and every package a real bump loads,
 * recorded as it runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { missingPackage } from '../lib/model/errors';
import { GitFixture } from './git-fixture';
import { linkNodeModules, ROOT } from './helpers';

const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

/**
 * The installed package a module file belongs to, as package-lock.json names it below node_modules/:
 * `@scope/name` for `node_modules/@scope/name/...`, `cdk8s/node_modules/yaml` for a copy inside a package.
 */
function packageOf(file: string): string | undefined {
  const parts = file.split(`${path.sep}node_modules${path.sep}`).slice(1);
  if (parts.length === 0) return undefined;
  const rest = parts[parts.length - 1].split(path.sep);
  return [...parts.slice(0, -1).map((p) => p.split(path.sep).join('/')), rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]].join('/node_modules/');
}

/** Whether npm installs the package with --omit=dev --omit=peer: its lock entry is marked neither dev-only nor peer-only. */
const production = (name: string) => {
  const entry = lock.packages[`node_modules/${name}`];
  return entry !== undefined && entry.dev !== true && entry.peer !== true;
};

/** Runs `body` on a clone of the test repository and a scratch folder of its own, both removed after. */
function inClone(body: (clone: string, scratch: string) => void): void {
  const fixture = new GitFixture();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-lean-'));
  try {
    body(fixture.clone(), scratch);
  } finally {
    fixture.remove();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

describe('a bump runs on the dependencies CI installs only', () => {
  it('the buildspec installs them so', () => {
    const spec = YAML.parse(fs.readFileSync(path.join(ROOT, 'delivery', 'buildspec.yml'), 'utf8'));
    const commands: string[] = [...spec.phases.pre_build.commands, ...spec.phases.build.commands];
    expect(commands).toContain('npm ci --omit=dev --omit=peer --no-audit --no-fund --prefer-offline');
  });

  it('leaves out of it what only the commands talking to AWS and GitHub load', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['@aws-sdk/client-codecommit', '@aws-sdk/client-ssm', '@octokit/rest']);
    for (const name of Object.keys(manifest.peerDependencies)) expect([name, production(name)]).toEqual([name, false]);
    // A full install (a developer's `npm ci`) has them: npm installs a project's own peerDependencies.
    for (const name of Object.keys(manifest.peerDependencies))
      expect([name, fs.existsSync(path.join(ROOT, 'node_modules', name, 'package.json'))]).toEqual([name, true]);
  });

  it('says of every dependency with an install script whether it runs (allowScripts: npm 11.16 warns, npm 12 blocks what it does not name)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const scripted = Object.entries<{ hasInstallScript?: boolean }>(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(scripted.length).toBeGreaterThan(0);
    expect(Object.keys(manifest.allowScripts).sort()).toEqual([...new Set(scripted)].sort());
    // esbuild's postinstall checks its binary and fetches it when the optional dependency that
    // carries it is missing; this install keeps optional dependencies, and the API this project
    // calls finds the binary itself. With npm 11.16 or later (as .ci/run's) every test here runs on an install that skipped it.
    expect(manifest.allowScripts.esbuild).toBe(false);
  });

  it('every package bin/ requires by name is a production dependency', () => {
    const names = new Set<string>();
    for (const file of fs.readdirSync(path.join(ROOT, 'bin')).filter((f) => f.endsWith('.js'))) {
      const text = fs.readFileSync(path.join(ROOT, 'bin', file), 'utf8');
      for (const m of text.matchAll(/require\('([^.'][^']*)'\)/g))
        if (!m[1].startsWith('node:'))
          names.add(
            m[1]
              .split('/')
              .slice(0, m[1].startsWith('@') ? 2 : 1)
              .join('/'),
          );
    }
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) expect([name, production(name)]).toEqual([name, true]);
  });

  it('every package a real bump loads is one CI installs (the TypeScript compiled as the install leaves it)', () => {
    inClone((clone, record) => {
      const hook = path.join(record, 'hook.js');
      const out = path.join(record, 'loaded.json');
      fs.writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
      // What the install's prepare script leaves, in a folder of this test's own.
      const env = { ...process.env, BOOKSTORE_CACHE_DIR: path.join(record, 'cache') };
      expect(spawnSync(process.execPath, [path.join(clone, 'bin', 'ts.js'), '--build'], { cwd: clone, encoding: 'utf8', env }).status).toBe(0);
      const run = spawnSync(
        process.execPath,
        ['--require', hook, path.join(clone, 'bin', 'bookstore.js'), 'bump', 'development', 'clients-api', '1.0.5eed5eed', '--no-push'],
        {
          cwd: clone,
          encoding: 'utf8',
          env,
        },
      );
      expect(run.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn'))).toEqual([]);
      expect(run.status).toBe(0);
      const loaded = JSON.parse(fs.readFileSync(out, 'utf8')) as string[];
      const packages = new Set(loaded.map(packageOf).filter((p): p is string => p !== undefined));
      expect(packages.has('cdk8s-plus-29')).toBe(true);
      for (const name of packages) expect([name, production(name)]).toEqual([name, true]);
      // The install compiled every file the bump loads: esbuild's compiler itself never loads.
      expect(loaded.filter((file) => file.includes(`${path.sep}esbuild${path.sep}`) && !file.endsWith('package.json'))).toEqual([]);
    });
  });

  it('a command that needs a package the install left out says which, and how to get it, in one line', () => {
    inClone((clone, record) => {
      // node_modules as `npm ci --omit=peer` leaves it, for what promote loads: no @aws-sdk/client-codecommit.
      fs.rmSync(path.join(clone, 'node_modules'));
      linkNodeModules(path.join(clone, 'node_modules'), ['@aws-sdk/client-codecommit']);
      const env = { ...process.env, BOOKSTORE_CACHE_DIR: path.join(record, 'cache') };
      const run = spawnSync(process.execPath, [path.join(clone, 'bin', 'bookstore.js'), 'promote', 'development', 'production', '--dry-run'], {
        cwd: clone,
        encoding: 'utf8',
        env,
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([
        "bookstore: needs @aws-sdk/client-codecommit, which this install left out (`npm ci --omit=peer`, as CI's bump installs, skips the AWS SDK and Octokit): run `npm ci`",
      ]);
    });
  });

  it('tells a package the install left out from a missing file of the checkout, and from a package no manifest names', () => {
    const notFound = (request: string, code = 'MODULE_NOT_FOUND') => Object.assign(new Error(`Cannot find module '${request}'`), { code });
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const peer = Object.keys(manifest.peerDependencies)[0];
    const dependency = Object.keys(manifest.dependencies)[0];
    expect(missingPackage(notFound(`${peer}/dist-cjs/index.js`))).toContain(`needs ${peer}, which this install left out`);
    expect(missingPackage(notFound(dependency))).toBe(`needs ${dependency}, which is not installed: run \`npm ci\``);
    // An ES module's import says "package".
    const esm = Object.assign(new Error(`Cannot find package '${peer}' imported from /x.js`), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(missingPackage(esm)).toContain(`needs ${peer}`);
    expect(missingPackage(notFound('left-pad'))).toBe(
      'needs left-pad, which is not a dependency of this repository (package.json): add it with `npm install left-pad`',
    );
    expect(missingPackage(notFound('../lib/commands/gone'))).toBeUndefined();
    expect(missingPackage(notFound('/abs/gone.ts'))).toBeUndefined();
    expect(missingPackage(new Error("Cannot find module 'cdk8s'"))).toBeUndefined();
  });
});
