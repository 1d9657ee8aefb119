import { execFile, execFileSync } from 'node:child_process';

/** A git command that failed: its arguments and what git said. */
export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly status: number | null,
  ) {
    super(`git ${args.join(' ')} failed: ${stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${status}`}`);
    this.name = 'GitError';
  }
}

const options = (cwd: string, env: Record<string, string>) => ({
  cwd,
  encoding: 'utf8' as const,
  env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...env },
  maxBuffer: 64 * 1024 * 1024,
});

/**
 * A git failure as one line: the first line git marked `fatal:` or `error:` (the cause; the lines
 * after it are advice such as "Please make sure you have the correct access rights"), else the last
 * line it wrote to stderr; for anything else, its message.
 */
export function gitLine(err: unknown): string {
  if (!(err instanceof GitError)) return String(err);
  const lines = err.stderr
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(fatal|error): /.test(l)) ?? lines.pop() ?? err.message;
}

/** Runs git (the CLI itself: the well-kept implementation of the protocol) in a folder and returns its stdout. */
export function git(cwd: string, args: readonly string[], env: Record<string, string> = {}): string {
  try {
    return execFileSync('git', args, { ...options(cwd, env), stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err: any) {
    throw new GitError(args, String(err.stderr ?? err.message), err.status ?? null);
  }
}

/** `git` without blocking: bumps run side by side in one process (the race test) and interleave at each call. */
export function gitAsync(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, options(cwd, env), (err, stdout, stderr) => {
      if (err) reject(new GitError(args, String(stderr || err.message), typeof err.code === 'number' ? err.code : null));
      else resolve(stdout);
    });
    child.stdin?.end();
  });
}

/** Files with uncommitted changes below the given paths (empty when clean); git runs beside the caller's work. */
export async function uncommitted(cwd: string, paths: readonly string[]): Promise<string[]> {
  return (await gitAsync(cwd, ['status', '--porcelain', '--', ...paths]))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
}

/** Whether a failed push was refused because the remote moved on (someone else pushed first). */
export function isRejectedPush(err: unknown): boolean {
  return err instanceof GitError && /\[rejected\]|non-fast-forward|fetch first|failed to update ref|cannot lock ref|incorrect old value/i.test(err.stderr);
}
