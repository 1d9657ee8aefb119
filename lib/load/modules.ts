import * as fs from 'node:fs';
import * as path from 'node:path';
import { sourceLine, UserError } from '../model/errors';

/** A DNS-1123 label: what a service, cluster, environment or table may be named. */
export const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The TypeScript modules of a folder (one thing each), sorted by name. A JavaScript file there is a
 * mistake (a compiled copy, or a file written in the wrong language) that would otherwise be ignored.
 */
export function modulesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const entries = fs.readdirSync(dir);
  const script = entries.find((f) => /\.(js|mjs|cjs)$/.test(f));
  if (script) throw new UserError(`${path.basename(dir)}/${script}: the files of ${path.basename(dir)}/ are TypeScript (.ts); rename or remove it`);
  return entries.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts')).sort();
}

/** The default export of a user's TypeScript file; anything that stops it loading is a UserError naming the file (and line). */
export function loadDefault<T>(file: string): T {
  const relative = path.relative(path.resolve(file, '..', '..'), file);
  let mod: { default?: T };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(path.resolve(file));
  } catch (err) {
    if (err instanceof UserError) throw err;
    const syntax = err as { code?: string; file?: string; at?: string; text?: string };
    if (syntax.code === 'BOOKSTORE_TS_SYNTAX' && syntax.file === fs.realpathSync(file))
      throw new UserError(`${relative}${syntax.at ? `:${syntax.at}` : ''}: ${syntax.text}`);
    // Anything else that stops the file loading (a missing import, an error thrown while it runs, a
    // syntax error in a file it imports) is the user's to fix too: the file and the error's first line.
    const first = String((err as Error).message)
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean);
    const line = sourceLine(err, fs.realpathSync(file));
    throw new UserError(`${relative}${line ? `:${line}` : ''}: cannot be loaded: ${first ?? String(err)}`);
  }
  if (!mod?.default) throw new UserError(`${relative}: has no default export`);
  return mod.default as T;
}
