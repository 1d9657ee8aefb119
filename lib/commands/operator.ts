import { spawnSync } from 'node:child_process';
import { UserError } from '../model/errors';

/** A command line as `bookstore bootstrap` prints it: what a person could type. */
export function commandLine(command: string, args: readonly string[]): string {
  return [command, ...args.map((a) => (/^[\w@%+=:,./<>-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ');
}

/** The words that name what a command does (`apply`, `sts get-caller-identity`): up to two, before its first flag. */
function verb(args: readonly string[]): readonly string[] {
  const flag = args.findIndex((a) => a.startsWith('-'));
  return args.slice(0, Math.min(2, flag === -1 ? args.length : flag));
}

/**
 * Runs the operator's tools (eksctl, aws, kubectl, helm) for `bookstore bootstrap`, with their own
 * credentials and configuration, in the repository checkout. On a dry run it prints each command it
 * would run (a probe and a read too) and runs none: nothing is called and no file is written.
 * A tool that fails stops the run with one line naming it, its exit code, its first line of
 * errors and how many steps were done before it.
 */
export class Operator {
  private done = 0;

  constructor(
    private readonly root: string,
    readonly log: (line: string) => void,
    readonly dryRun: boolean,
  ) {}

  /** A step that changes something. */
  run(command: string, args: readonly string[], why: string): void {
    if (this.dryRun) {
      this.log(`${commandLine(command, args)}   # ${why}`);
      return;
    }
    this.log(`bootstrap: ${commandLine(command, args)}   (${why})`);
    // Its errors are shown as they come, and the first one is kept for the line that stops the run.
    const result = spawnSync(command, args, { cwd: this.root, stdio: ['inherit', 'inherit', 'pipe'], encoding: 'utf8', env: process.env });
    if (result.stderr) process.stderr.write(result.stderr);
    this.check(command, args, result.error, result.status, result.signal, result.stderr ?? '');
    this.done++;
  }

  /** Whether a probe finds the work of a step done (it exits 0): the step is then skipped. Never on a dry run. */
  finds(command: string, args: readonly string[], step: string): boolean {
    if (this.dryRun) {
      this.log(`${commandLine(command, args)}   # probe: when it succeeds, the next step is skipped`);
      return false;
    }
    const probe = spawnSync(command, args, { cwd: this.root, stdio: 'ignore', env: process.env });
    if (probe.error) this.check(command, args, probe.error, null, null, '');
    if (probe.status !== 0) return false;
    this.log(`bootstrap: already done (${commandLine(command, args)} finds it): ${step} skipped`);
    return true;
  }

  /** A read (`--output json`): its answer, parsed. On a dry run it is printed and the answer is undefined. */
  read(command: string, args: readonly string[], why: string): any {
    if (this.dryRun) {
      this.log(`${commandLine(command, args)}   # ${why}`);
      return undefined;
    }
    const result = spawnSync(command, args, { cwd: this.root, encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024 });
    this.check(command, args, result.error, result.status, result.signal, result.stderr);
    try {
      return JSON.parse(result.stdout);
    } catch {
      throw new UserError(`${commandLine(command, verb(args))} did not answer JSON; ${this.progress()}`);
    }
  }

  private progress(): string {
    return this.done === 0 ? 'nothing was changed' : `the ${this.done} step${this.done === 1 ? '' : 's'} before it are done, nothing after it was run`;
  }

  private check(
    command: string,
    args: readonly string[],
    error: Error | undefined,
    status: number | null,
    signal: NodeJS.Signals | null,
    stderr: string,
  ): void {
    if (error) {
      const code = (error as NodeJS.ErrnoException).code ?? error.message;
      throw new UserError(`cannot run ${command} (${code}): install it and put it on PATH; ${this.progress()}`);
    }
    if (status === 0) return;
    const said = stderr
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean);
    throw new UserError(`${commandLine(command, verb(args))} exited with ${status ?? signal}${said ? ` (${said})` : ''}; ${this.progress()}`);
  }
}

/** `aws cloudformation deploy` of a rendered template: changes what differs, and nothing when nothing does. */
export function cloudFormationDeploy(
  op: Operator,
  definition: { readonly region: string },
  stack: string,
  file: string,
  overrides: readonly string[],
  extra: readonly string[],
  why: string,
): void {
  op.run(
    'aws',
    [
      'cloudformation',
      'deploy',
      '--region',
      definition.region,
      '--stack-name',
      stack,
      '--template-file',
      file,
      ...extra,
      '--no-fail-on-empty-changeset',
      ...(overrides.length ? ['--parameter-overrides', ...overrides] : []),
    ],
    why,
  );
}
