import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A mistake in the user's input (an overlay, a cluster's context, a command's arguments).
 * Commands print its message as one line and exit 1; anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** The one line a command prints for a UserError: the command's name, then the message. */
export function userErrorLine(name: string, err: UserError): string {
  return `${name}: ${err.message}`;
}

/** Runs a command's main function: one line and exit 1 for a UserError, the stack for a bug. */
export function runCommand(name: string, main: () => Promise<void> | void): void {
  // Output piped into a reader that stops early (`bookstore status | head`): stop quietly, as cat does.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      const missing = missingPackage(err);
      if (err instanceof UserError) {
        console.error(userErrorLine(name, err));
      } else if (missing) {
        console.error(`${name}: ${missing}`);
      } else {
        console.error(`${name}: internal error (a bug, please report it):`);
        console.error(err);
        // bin/ts.js runs the compiled JavaScript: its traces show those lines unless source maps are on.
        if (!process.sourceMapsEnabled) console.error(`(lines of the TypeScript: run again with NODE_OPTIONS=--enable-source-maps)`);
      }
      process.exitCode = 1;
    });
}

/**
 * What to do when a command needs a package that is not installed, as one line; undefined when
 * `err` is anything else. The usual case: CI installs with `npm ci --omit=peer`, which leaves out
 * the AWS SDK and Octokit, and a command that talks to AWS or GitHub runs there.
 */
export function missingPackage(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  const request = /Cannot find (?:module|package) '([^']+)'/.exec(String((err as Error).message))?.[1];
  // A file of the checkout that is missing is a bug, not an install.
  if (!request || request.startsWith('.') || path.isAbsolute(request)) return undefined;
  const name = request
    .split('/')
    .slice(0, request.startsWith('@') ? 2 : 1)
    .join('/');
  let manifest: { dependencies?: object; peerDependencies?: object } = {};
  try {
    manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'));
  } catch {
    // no manifest to name it in: the advice below still holds
  }
  if (name in (manifest.peerDependencies ?? {}))
    return `needs ${name}, which this install left out (\`npm ci --omit=peer\`, as CI's bump installs, skips the AWS SDK and Octokit): run \`npm ci\``;
  if (name in (manifest.dependencies ?? {})) return `needs ${name}, which is not installed: run \`npm ci\``;
  return `needs ${name}, which is not a dependency of this repository (package.json): add it with \`npm install ${name}\``;
}

type SourcePosition = (file: string, line: number, column: number) => { line: number; column: number } | undefined;

/**
 * The line of `file` (an absolute path) where `err` was thrown, in the TypeScript: from the first
 * frame of its stack in that file, mapped through bin/ts.js's compile where the trace shows compiled
 * lines (it registers the mapping; under jest or with source maps on, the trace is already mapped).
 * A frame is matched by the file's folder and name: a script V8 restored from its code cache may
 * carry the path of the checkout that first compiled the same text.
 */
export function sourceLine(err: unknown, file: string): number | undefined {
  const stack = err instanceof Error ? String(err.stack ?? '') : '';
  const tail = file
    .split(/[\\/]/)
    .slice(-2)
    .join('/')
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`[\\\\/]${tail}:(\\d+):(\\d+)`).exec(stack);
  if (!frame) return undefined;
  const [line, column] = [Number(frame[1]), Number(frame[2])];
  const map = (globalThis as Record<symbol, unknown>)[Symbol.for('bookstore.sourcePosition')] as SourcePosition | undefined;
  return map ? (map(file, line, column)?.line ?? undefined) : line;
}

/**
 * Runs a function a user's file declares (a service's `env`, `configFiles`, `awsAccess`): an error
 * it throws is the user's to fix, reported as one line naming the file, the line and the field.
 */
export function callUserCode<T>(file: { readonly path: string; readonly name: string }, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError) throw err;
    const line = sourceLine(err, file.path);
    const message = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err);
    throw new UserError(`${file.name}${line ? `:${line}` : ''}: ${what} threw ${message}`);
  }
}
