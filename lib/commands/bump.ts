import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../model/errors';
import { GitError, gitAsync, gitLine, isRejectedPush, uncommitted } from './git';
import { environmentNamed, loadProject, type Project } from '../load/project';
import { onlyImagesDiffer, setImageTag, TAG_FORMAT, TAG_PATTERN } from '../load/overlay';
import { folderOf } from '../render/project';
import { renderOverlayChangeFiles } from '../synth';
import { countFlag, parseArgs } from './args';
import { USAGES } from './usage';

export const USAGE = USAGES.bump;

export interface CommandOptions {
  /** The repository checkout the command works in. */
  readonly root: string;
  readonly log?: (line: string) => void;
  /** How to wait between push attempts (tests may shorten it). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Checks a bump's arguments against the project before anything is touched. */
function validateBump(project: Project, envName: string, service: string, tag: string) {
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
 * Sets the tag in the overlay, re-renders dist/ (from `loaded`, the project as loaded before, when
 * nothing but the overlay moved since) and commits. Returns the commit, or undefined when the tag
 * was already set. On a failed render the overlay is put back as it was.
 */
async function applyAndCommit(
  root: string,
  envName: string,
  service: string,
  tag: string,
  log: (l: string) => void,
  loaded?: Project,
): Promise<string | undefined> {
  const overlay = path.join(root, 'environments', `${envName}.yaml`);
  const original = fs.readFileSync(overlay, 'utf8');
  const updated = setImageTag(original, service, tag);
  if (updated === original) return undefined;
  fs.writeFileSync(overlay, updated);
  let changed: number;
  let files: readonly string[] | undefined;
  try {
    ({ changed, files } = renderOverlayChangeFiles(root, path.join(root, 'dist'), envName, original, updated, loaded));
    log(`bump: rendered dist/ (${changed} file(s) changed)`);
  } catch (err) {
    fs.writeFileSync(overlay, original);
    throw err;
  }
  // Only what the render touched is staged, when it says: git need not look at the rest of dist/.
  const rendered = files ? files.map((file) => `dist/${file}`) : ['dist'];
  return commitDeploy(root, ['--all', '--', `environments/${envName}.yaml`, ...rendered], envName, service, tag);
}

/**
 * What a bump renders from: it must be what is committed, so that its commit matches its sources.
 * (The sources of a render: test/helpers.ts SOURCES; dist/ is what the bump writes.)
 */
export const BUMP_SOURCES = [
  'environments',
  'dist',
  'services',
  'clusters',
  'platform',
  'lib',
  'imports',
  'bin',
  'main.ts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'cdk8s.yaml',
] as const;

/**
 * The commits of HEAD that are not on `<remote>/<branch>` (its remote-tracking ref, then, if HEAD is
 * ahead of that, freshly fetched): a bump pushes HEAD, so each of them would land unreviewed.
 */
async function commitsNotOnRemote(root: string, remote: string, branch: string): Promise<string[]> {
  const ahead = async (ref: string) => (await gitAsync(root, ['log', '--format=%h %s', 'HEAD', '--not', ref, '--'])).split('\n').filter(Boolean);
  const tracking = `refs/remotes/${remote}/${branch}`;
  try {
    const found = await ahead(tracking);
    if (found.length === 0) return found;
  } catch {
    // No remote-tracking ref (a clone of a single branch, a URL as the remote): fetch below.
  }
  try {
    await gitAsync(root, ['fetch', '--quiet', '--no-tags', '--no-auto-maintenance', remote, branch]);
  } catch (err) {
    throw new UserError(`fetch of ${remote}/${branch} failed: ${gitLine(err)}; nothing was changed`);
  }
  return ahead('FETCH_HEAD');
}

/** Puts the checkout back at `start` and removes what the bump wrote (the sources were clean, so nothing else goes). */
async function restore(root: string, start: string): Promise<void> {
  await gitAsync(root, ['reset', '--quiet', '--hard', start]);
  await gitAsync(root, ['clean', '-fdq', '--', 'dist', 'environments']);
}

/** Stages `paths` (arguments of `git add`), commits `deploy(<env>): <service> <tag>` and returns the short commit. */
async function commitDeploy(root: string, paths: readonly string[], envName: string, service: string, tag: string): Promise<string> {
  await gitAsync(root, ['add', ...paths]);
  let summary: string;
  try {
    // No automatic maintenance after the commit either: CI's clone is thrown away after the bump.
    summary = await gitAsync(root, ['-c', 'maintenance.auto=false', 'commit', '-m', `deploy(${envName}): ${service} ${tag}`]);
  } catch (err) {
    throw new UserError(`git commit failed: ${gitLine(err)}`);
  }
  // git's summary starts `[<branch> <short commit>] <subject>`; asking git again costs a process.
  return COMMIT_SUMMARY.exec(summary)?.[1] ?? (await gitAsync(root, ['rev-parse', '--short', 'HEAD'])).trim();
}

/** The short commit in the first line of `git commit`'s summary (`[main 1a2b3c4] …`, `[detached HEAD 1a2b3c4] …`). */
const COMMIT_SUMMARY = /^\[[^\]\n]* ([0-9a-f]{7,})\] /m;

/** The files a bump's commit rendered (below dist/), the commit it was made on and that commit's overlay. */
interface Render {
  readonly base: string;
  readonly overlayText: string;
  readonly files: ReadonlyMap<string, string>;
}

/**
 * What HEAD's commit rendered on `base` (whose overlay read `overlayText`), or undefined when it did
 * more than change the overlay and write files of dist/.
 */
async function renderOfHead(root: string, base: string, overlay: string, overlayText: string): Promise<Render | undefined> {
  const changed = (await gitAsync(root, ['diff', '--name-only', '-z', base, 'HEAD'])).split('\0').filter(Boolean);
  const files = new Map<string, string>();
  for (const file of changed) {
    if (file === overlay) continue;
    const full = path.join(root, file);
    if (!file.startsWith('dist/') || !fs.existsSync(full)) return undefined;
    files.set(file, fs.readFileSync(full, 'utf8'));
  }
  return { base, overlayText, files };
}

/**
 * Whether a render made on `render.base` still holds on the checkout's HEAD (the fetched head the
 * retry builds on): everything that moved in between is the overlay's other tags and the files of
 * dist/<folder>/ they feed, none of them a file the render wrote. A service's tag feeds its own
 * file only, so the render would come out the same; anything else (a source, a setting, the same
 * file) means rendering again. The test that races concurrent bumps compares the result with a full synth.
 */
async function renderHolds(root: string, render: Render, overlay: string, folder: string): Promise<boolean> {
  const moved = (await gitAsync(root, ['diff', '--name-only', '-z', render.base, 'HEAD'])).split('\0').filter(Boolean);
  if (!moved.every((file) => file === overlay || (file.startsWith(`dist/${folder}/`) && !render.files.has(file)))) return false;
  // The checkout is at HEAD (reset after the fetch), so its overlay is HEAD's.
  return !moved.includes(overlay) || onlyImagesDiffer(render.overlayText, fs.readFileSync(path.join(root, overlay), 'utf8'));
}

/** Applies the tag and writes a render that still holds (see renderHolds), then commits; undefined when the tag is already set. */
async function reapplyAndCommit(root: string, render: Render, overlay: string, envName: string, service: string, tag: string): Promise<string | undefined> {
  const file = path.join(root, overlay);
  const original = fs.readFileSync(file, 'utf8');
  const updated = setImageTag(original, service, tag);
  if (updated === original) return undefined;
  fs.writeFileSync(file, updated);
  for (const [name, text] of render.files) fs.writeFileSync(path.join(root, name), text);
  return commitDeploy(root, ['--', overlay, ...render.files.keys()], envName, service, tag);
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
  // The first backoff window; a CI system with many runners bumping at once may widen it.
  const backoff = args.flags.has('backoff-ms') ? Number(args.flags.get('backoff-ms')) : 500;
  if (!Number.isInteger(backoff) || backoff < 0) throw new UserError(`--backoff-ms takes a whole number ≥ 0; ${USAGE}`);
  const push = !args.flags.has('no-push');
  const { root } = options;

  // git's status runs while the project loads; it is awaited before anything is written. (Bad
  // arguments are reported first; the status's own error, if any, is then not reported twice.)
  const status = uncommitted(root, [...BUMP_SOURCES]).catch((err: unknown) => {
    throw err instanceof GitError ? new UserError(`git status failed in ${root}: ${gitLine(err)}`) : err;
  });
  status.catch(() => undefined);
  const head = gitAsync(root, ['rev-parse', 'HEAD']);
  head.catch(() => undefined);
  // Only the overlays on the bumped environment's cluster: a bump renders nothing else.
  const project = loadProject(root, { around: [envName] });
  const environment = validateBump(project, envName, service, tag);
  const dirty = await status;
  if (dirty.length > 0)
    throw new UserError(`uncommitted changes in ${dirty.join(', ')}: a bump renders and commits what is committed; commit or discard them first`);
  const start = (await head).trim();
  if (push) {
    // A bump pushes HEAD: it must carry its own change only, on top of what the remote has.
    const unreviewed = await commitsNotOnRemote(root, remote, branch);
    if (unreviewed.length > 0) {
      throw new UserError(
        `HEAD has ${unreviewed.length} commit(s) that are not on ${remote}/${branch} (${unreviewed[0]}${unreviewed.length > 1 ? ', …' : ''}): a bump would push them unreviewed; run it on a checkout of ${remote}/${branch}`,
      );
    }
  }
  const overlay = `environments/${envName}.yaml`;
  try {
    await bumpLoop({ root, log, sleep, project, environment, envName, service, tag, remote, branch, maxTries, backoff, push, overlay });
  } catch (err) {
    // Whatever stopped it (a commit without a git identity, a push that failed), nothing is left changed.
    if (!(err instanceof UserError)) throw err;
    await restore(root, start).catch(() => undefined);
    throw new UserError(`${err.message}; nothing was changed (the checkout is back at ${start.slice(0, 12)})`);
  }
}

interface BumpRun {
  readonly root: string;
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly project: Project;
  readonly environment: ReturnType<typeof validateBump>;
  readonly envName: string;
  readonly service: string;
  readonly tag: string;
  readonly remote: string;
  readonly branch: string;
  readonly maxTries: number;
  readonly backoff: number;
  readonly push: boolean;
  readonly overlay: string;
}

/** Commit and push, again on top of the remote's head after each rejected push. */
async function bumpLoop(run: BumpRun): Promise<void> {
  const { root, log, sleep, project, environment, envName, service, tag, remote, branch, maxTries, backoff, push, overlay } = run;

  // After a rejected push, the last render is reused when only other services' tags moved meanwhile.
  let render: Render | undefined;
  for (let attempt = 1; attempt <= maxTries; attempt++) {
    const overlayText = fs.readFileSync(path.join(root, overlay), 'utf8');
    const reuse = render !== undefined && (await renderHolds(root, render, overlay, folderOf(environment)));
    // The first attempt renders from the project loaded above; after a fetch, any file may have moved.
    const commit = reuse
      ? await reapplyAndCommit(root, render!, overlay, envName, service, tag)
      : await applyAndCommit(root, envName, service, tag, log, attempt === 1 ? project : undefined);
    if (reuse && commit) log(`bump: only other tags moved on ${remote}/${branch}; the render of ${render!.files.size} file(s) still holds`);
    if (!commit) {
      log(`bump: ${envName} already runs ${service} ${tag}; nothing to do`);
      return;
    }
    log(`bump: committed ${commit} deploy(${envName}): ${service} ${tag}`);
    if (!push) return;
    try {
      await gitAsync(root, ['push', '--quiet', remote, `HEAD:refs/heads/${branch}`]);
      log(`bump: pushed to ${remote}/${branch}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      return;
    } catch (err) {
      if (!isRejectedPush(err)) throw new UserError(`push to ${remote}/${branch} failed: ${gitLine(err)}`);
    }
    // What this commit rendered, on the head it was made on, for the retry (looked up only now: most bumps land at once).
    const base = (await gitAsync(root, ['rev-parse', 'HEAD~1'])).trim();
    render = reuse ? { base, overlayText, files: render!.files } : await renderOfHead(root, base, overlay, overlayText);
    // Someone else pushed first. Wait first, then take the newest history and apply the change again
    // on top of it: a head fetched before the wait would be older than the one the retry meets.
    if (attempt < maxTries) {
      // Full jitter: racing bumps spread out instead of colliding again on the next round.
      const delay = Math.random() * Math.min(16 * backoff, backoff * 2 ** (attempt - 1));
      log(`bump: ${remote}/${branch} moved on; retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
    // No automatic maintenance after the fetch: a retry is on the clock (it spawned `git maintenance`, half the fetch's time).
    await gitAsync(root, ['fetch', '--quiet', '--no-tags', '--no-auto-maintenance', remote, branch]);
    await gitAsync(root, ['reset', '--quiet', '--hard', `${remote}/${branch}`]);
  }
  throw new UserError(`push to ${remote}/${branch} still rejected after ${maxTries} tries`);
}
