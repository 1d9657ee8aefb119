import { UserError } from '../model/errors';

/** Arguments of a verb: positionals, boolean flags and flags with a value. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Map<string, string | true>;
}

/**
 * Parses `argv` against the flags a verb knows (`--name` takes a value, `name` listed in
 * `booleans` does not). An unknown flag or a missing value is a UserError naming the usage.
 */
export function parseArgs(argv: readonly string[], spec: { values?: string[]; booleans?: string[] }, usage: string): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (spec.booleans?.includes(name)) flags.set(name, true);
    else if (spec.values?.includes(name)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UserError(`--${name} needs a value; ${usage}`);
      flags.set(name, value);
    } else throw new UserError(`unknown option ${arg}; ${usage}`);
  }
  return { positionals, flags };
}

/** A positive whole number flag, or its default. */
export function countFlag(args: ParsedArgs, name: string, fallback: number, usage: string): number {
  const raw = args.flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} takes a whole number ≥ 1; ${usage}`);
  return n;
}
