import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kubernetesIndexFile, kubernetesVersions, VALIDATORS } from '../lib/check/validate';
import { ROOT } from './helpers';

// lib/check/validate.ts keeps the code V8 made for each validator (node_modules/.cache/bookstore-validators)
// when its process exits; these tests run validations in processes of their own to see that, with
// caches of their own ($BOOKSTORE_CACHE_DIR): other suites' commands cannot touch them meanwhile.
const CACHE_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-cache-'));
const CODE_CACHE = path.join(CACHE_ROOT, 'bookstore-validators');
afterAll(() => fs.rmSync(CACHE_ROOT, { recursive: true, force: true }));

/** Validates `object` in a new process, as a command does, and returns the findings it printed. */
function validateInProcess(object: unknown, version: string): unknown {
  const script = `const { validateObject } = require(${JSON.stringify(path.join(ROOT, 'lib', 'check', 'validate.ts'))});
    console.log(JSON.stringify(validateObject(${JSON.stringify(object)}, ${JSON.stringify(version)})))`;
  const env = { ...process.env, BOOKSTORE_CACHE_DIR: CACHE_ROOT };
  return JSON.parse(execFileSync(process.execPath, ['--require', path.join(ROOT, 'bin', 'ts.js'), '-e', script], { cwd: ROOT, encoding: 'utf8', env }));
}

describe('the code V8 made for the schema validators, kept between processes', () => {
  const version = kubernetesVersions().at(-1)!;
  const index = JSON.parse(fs.readFileSync(path.join(VALIDATORS, kubernetesIndexFile(version)), 'utf8'));
  // A Deployment with a field its schema does not have, and one without the selector it needs.
  const object = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, template: {}, surprise: true } };
  const cacheFile = path.join(CODE_CACHE, `${index['apps/v1/Deployment']}-${process.version}-${process.arch}.bin`);

  it('is written when a process validates without it, used by the next, and made anew when V8 refuses it', () => {
    const findings = validateInProcess(object, version);
    expect(findings).toEqual(expect.arrayContaining([{ object: 'Deployment/web', message: '/spec: unknown field "surprise"' }]));
    const made = fs.readFileSync(cacheFile);
    const inode = fs.statSync(cacheFile).ino;
    expect(made.length).toBeGreaterThan(1000);

    // The next process takes it as it is, with the same findings, and does not write it again (a
    // write renames a new file into place).
    expect(validateInProcess(object, version)).toEqual(findings);
    expect(fs.statSync(cacheFile).ino).toBe(inode);

    // Data V8 cannot use (another build's, or damaged) only costs a compile: same findings, and a cache made anew.
    fs.writeFileSync(cacheFile, Buffer.alloc(made.length, 7));
    expect(validateInProcess(object, version)).toEqual(findings);
    expect(fs.readFileSync(cacheFile).subarray(0, 64).equals(Buffer.alloc(64, 7))).toBe(false);
  });
});
