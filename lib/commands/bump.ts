import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import { git, GitError, isRejectedPush, uncommitted } from '../git';
import { environmentNamed, loadProject, type Project } from '../load';
import { setImageTag, TAG_FORMAT, TAG_PATTERN } from '../overlay';
import { renderOverlayChange } from '../synth';
import { countFlag, parseArgs } from './args';

export const USAGE = 'usage: bookstore bump <env> <service> <tag> [--no-push] [--remote origin] [--branch main] [--max-tries 10]';

export interface CommandOptions {
  /** The repository checkout the command works in. */
  readonly root: string;
  readonly log?: (line: string) => void;
  /** How to wait between push attempts (tests may shorten it). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Checks a bump's arguments against the project before anything is touched. */
export function validateBump(project: Project, envName: string, service: string, tag: string) {
  const environment = environmentNamed(project, envName);
  const definition = project.services.find((s) => s.name === service);
  if (!definition) throw new UserError(`unknown service "${service}" (known: ${project.services.map((s) => s.name).join(', ')})`);
  if (definition.image.kind !== 'ecr') throw new UserError(`${service} has no tag to bump: its image is pinned in services/${service}.ts`);
  if (!TAG_PATTERN.test(tag)) throw new UserError(`tag "${tag}" is not ${TAG_FORMAT}`);
  if (!environment.sync.automated) {
    throw new UserError(`${envName} changes by pull request, not by bump: run \`bookstore promote <from-env> ${envName} ${service}\``);
  }
  return environment;
}

/**
 * Sets the tag in the overlay, re-renders dist/ and commits. Returns the commit, or undefined when
 * the tag was already set. On a failed render the overlay is put back as it was.
 */
function applyAndCommit(root: string, envName: string, service: string, tag: string, log: (l: string) => void): string | undefined {
  const overlay = path.join(root, 'environments', `${envName}.yaml`);
  const original = fs.readFileSync(overlay, 'utf8');
  const updated = setImageTag(original, service, tag);
  if (updated === original) return undefined;
  fs.writeFileSync(overlay, updated);
  try {
    const changed = renderOverlayChange(root, path.join(root, 'dist'), envName, original, updated);
    log(`bump: rendered dist/ (${changed} file(s) changed)`);
  } catch (err) {
    fs.writeFileSync(overlay, original);
    throw err;
  }
  git(root, ['add', '--all', '--', `environments/${envName}.yaml`, 'dist']);
  try {
    git(root, ['commit', '--quiet', '-m', `deploy(${envName}): ${service} ${tag}`]);
  } catch (err) {
    throw new UserError(`git commit failed: ${(err as GitError).stderr.trim().split('\n').pop()}`);
  }
  return git(root, ['rev-parse', '--short', 'HEAD']).trim();
}

/**
 * `bookstore bump <env> <service> <tag>`: what CI runs after pushing an image. Sets the tag,
 * re-renders, commits `deploy(<env>): <service> <tag>` and pushes; when someone else pushed first,
 * it takes their commit, applies the change again on top and retries with jittered backoff.
 */
export async function bump(argv: readonly string[], options: CommandOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sleep = options.sleep ?? defaultSleep;
  const args = parseArgs(argv, { values: ['remote', 'branch', 'max-tries', 'backoff-ms'], booleans: ['no-push'] }, USAGE);
  if (args.positionals.length !== 3) throw new UserError(USAGE);
  const [envName, service, tag] = args.positionals;
  const remote = String(args.flags.get('remote') ?? 'origin');
  const branch = String(args.flags.get('branch') ?? 'main');
  const maxTries = countFlag(args, 'max-tries', 10, USAGE);
  // --backoff-ms 0 is for tests that race bumps as child processes: they cannot inject `sleep`.
  const backoff = args.flags.has('backoff-ms') ? Number(args.flags.get('backoff-ms')) : 500;
  if (!Number.isInteger(backoff) || backoff < 0) throw new UserError(`--backoff-ms takes a whole number ≥ 0; ${USAGE}`);
  const push = !args.flags.has('no-push');
  const { root } = options;

  validateBump(loadProject(root), envName, service, tag);
  const dirty = uncommitted(root, ['environments', 'dist']);
  if (dirty.length > 0) throw new UserError(`uncommitted changes in ${dirty.join(', ')}: commit or discard them first`);

  for (let attempt = 1; attempt <= maxTries; attempt++) {
    const commit = applyAndCommit(root, envName, service, tag, log);
    if (!commit) {
      log(`bump: ${envName} already runs ${service} ${tag}; nothing to do`);
      return;
    }
    log(`bump: committed ${commit} deploy(${envName}): ${service} ${tag}`);
    if (!push) return;
    try {
      git(root, ['push', '--quiet', remote, `HEAD:refs/heads/${branch}`]);
      log(`bump: pushed to ${remote}/${branch}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      return;
    } catch (err) {
      if (!isRejectedPush(err)) throw new UserError(`push to ${remote}/${branch} failed: ${(err as GitError).stderr.trim().split('\n').pop()}`);
    }
    // Someone else pushed first: take their history and apply the change again on top of it.
    git(root, ['fetch', '--quiet', remote, branch]);
    git(root, ['reset', '--quiet', '--hard', `${remote}/${branch}`]);
    if (attempt < maxTries) {
      // Full jitter: racing bumps spread out instead of colliding again on the next round.
      const delay = Math.random() * Math.min(16 * backoff, backoff * 2 ** (attempt - 1));
      log(`bump: ${remote}/${branch} moved on; retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
  }
  throw new UserError(`push to ${remote}/${branch} still rejected after ${maxTries} tries; the clone is reset to ${remote}/${branch}`);
}
