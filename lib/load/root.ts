import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../model/errors';

/** The package name that marks this repository's root (with a clusters/ folder beside it). */
const PACKAGE_NAME = 'bookstore-gitops';

function isRoot(dir: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    return pkg?.name === PACKAGE_NAME && fs.statSync(path.join(dir, 'clusters')).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The checkout `start` is in: the nearest folder at or above it that holds this repository's
 * package.json and clusters/. Every command and npm script runs from there, whatever folder the
 * user is in; outside a checkout it is one line.
 */
export function findRoot(start: string = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    if (isRoot(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new UserError(
        `${start} is not inside a ${PACKAGE_NAME} checkout (no package.json named ${PACKAGE_NAME} with clusters/ beside it here or above): cd into the repository`,
      );
    }
    dir = parent;
  }
}
