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
      if (err instanceof UserError) {
        console.error(userErrorLine(name, err));
      } else {
        console.error(`${name}: internal error (a bug, please report it):`);
        console.error(err);
        // bin/ts.js runs compiled code through V8's code cache unless source maps are on.
        if (!process.sourceMapsEnabled) console.error(`(lines of the TypeScript: run again with NODE_OPTIONS=--enable-source-maps)`);
      }
      process.exitCode = 1;
    });
}
