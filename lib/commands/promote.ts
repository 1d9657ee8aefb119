import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../model/errors';
import { git, gitLine } from './git';
import { environmentNamed, loadProject, type Project } from '../load/project';
import type { Environment } from '../model';
import { diffTrees } from '../output/objects';
import { setImageTag } from '../load/overlay';
import { builtServices } from '../model/service';
import { readTree } from '../synth';
import { parseArgs } from './args';
import type { CommandOptions } from './bump';
import { pullRequests, resolveProvider, type PullRequests } from './pull-request';
import { BODY_LIMIT, pullRequestBody, type Change } from './promote-body';
import { changedServices, environmentPicture, mermaidBlock } from '../output/picture';
import { folderOf, pictureFacts } from '../render/project';
import { USAGES } from './usage';

export const USAGE = USAGES.promote;

/**
 * Renders a checkout with its own code, so the branch holds exactly what its sources render: in
 * this process through the checkout's own lib/synth.ts (its sources are loaded here already), which
 * renders only `environment`'s folder, the change being its tags; a base too old to have
 * `renderOverlayChange` renders everything with `node main.ts` there, which comes out the same.
 */
function renderIn(dir: string, what: string, environment: string, overlayBefore: string, overlayAfter: string): void {
  const fail = (message: string) => new UserError(`rendering ${what} failed: ${message.replace(/^synth: /, '')}`);
  let own: { renderOverlayChange?: (root: string, outdir: string, env: string, before: string, after: string) => number } | undefined;
  try {
    own = require(path.join(dir, 'lib', 'synth'));
  } catch {
    own = undefined;
  }
  if (typeof own?.renderOverlayChange === 'function') {
    try {
      own.renderOverlayChange(dir, path.join(dir, 'dist'), environment, overlayBefore, overlayAfter);
      return;
    } catch (err) {
      // The checkout's own UserError class is not ours: a user mistake is known by its name.
      if ((err as Error)?.name === 'UserError' || (err as Error)?.constructor?.name === 'UserError') throw fail((err as Error).message);
      throw err;
    }
  }
  try {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CDK8S_OUTDIR;
    execFileSync(process.execPath, ['--require', './bin/ts.js', 'main.ts'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env });
  } catch (err: any) {
    const lines = String(err.stderr ?? err.message)
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('warning:'));
    throw fail(lines[0] ?? `exit ${err.status}`);
  }
}

/** The pull-request providers promote speaks to. */
const PROVIDER_KINDS = ['github', 'codecommit'];

/** What a promote command line asks for. */
interface PromoteRequest {
  readonly fromName: string;
  readonly toName: string;
  readonly named: readonly string[];
  readonly remote: string;
  readonly base: string;
  readonly dryRun: boolean;
  readonly flags: ReadonlyMap<string, string | true>;
}

function parsePromote(argv: readonly string[]): PromoteRequest {
  const args = parseArgs(argv, { values: ['remote', 'branch', 'base', 'provider', 'repo', 'region', 'api-url'], booleans: ['dry-run'] }, USAGE);
  if (args.positionals.length < 2) throw new UserError(USAGE);
  const [fromName, toName, ...named] = args.positionals;
  // `--branch`, as bump says it: the branch the change lands on. `--base` (its older name) still works.
  const branchFlag = args.flags.get('branch');
  const baseFlag = args.flags.get('base');
  if (branchFlag !== undefined && baseFlag !== undefined && branchFlag !== baseFlag)
    throw new UserError(`--branch ${String(branchFlag)} and --base ${String(baseFlag)} name two branches; --base is the older name of --branch: give one`);
  // Checked before anything else, on a dry run too: a provider it cannot open a pull request with is never silently ignored.
  const providerFlag = args.flags.get('provider');
  if (providerFlag !== undefined && !PROVIDER_KINDS.includes(String(providerFlag))) {
    throw new UserError(`--provider: unknown provider "${String(providerFlag)}" (${PROVIDER_KINDS.join(', ')})`);
  }
  return {
    fromName,
    toName,
    named,
    remote: String(args.flags.get('remote') ?? 'origin'),
    base: String(branchFlag ?? baseFlag ?? 'main'),
    dryRun: args.flags.has('dry-run'),
    flags: args.flags,
  };
}

/** Fetches `<remote>/<base>` afresh: the remote's URL and the commit the promotion starts from. */
function fetchBase(root: string, remote: string, base: string): { remoteUrl: string; baseCommit: string } {
  let remoteUrl: string;
  try {
    remoteUrl = git(root, ['remote', 'get-url', remote]).trim();
  } catch (err) {
    throw new UserError(`no git remote "${remote}" in ${root} (${gitLine(err)}): pass --remote`);
  }
  try {
    git(root, ['fetch', '--quiet', '--no-tags', remote, `+refs/heads/${base}:refs/remotes/${remote}/${base}`]);
  } catch (err) {
    throw new UserError(`cannot fetch ${base} from ${remote}: ${gitLine(err)}`);
  }
  return { remoteUrl, baseCommit: git(root, ['rev-parse', `refs/remotes/${remote}/${base}^{commit}`]).trim() };
}

/** Runs `work` in a temporary detached worktree of `commit` (node_modules linked), removed afterwards whatever happens. */
async function inWorktree(root: string, commit: string, work: (dir: string) => Promise<void>): Promise<void> {
  const worktree = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-promote-'));
  try {
    git(root, ['worktree', 'add', '--quiet', '--detach', worktree, commit]);
    // The sources' imports resolve through the checkout's node_modules.
    const modules = path.join(root, 'node_modules');
    if (fs.existsSync(modules)) fs.symlinkSync(fs.realpathSync(modules), path.join(worktree, 'node_modules'));
    await work(worktree);
  } finally {
    try {
      git(root, ['worktree', 'remove', '--force', worktree]);
    } catch {
      // Never created, or already gone: remove what is left, and nothing of it may stay registered.
      fs.rmSync(worktree, { recursive: true, force: true });
      git(root, ['worktree', 'prune']);
    }
  }
}

/** The tags to copy: of the named services (default: every built one) where the two environments differ. */
function changesOf(project: Project, request: PromoteRequest): { from: Environment; to: Environment; changes: Change[] } {
  const from = environmentNamed(project, request.fromName);
  const to = environmentNamed(project, request.toName);
  if (from.name === to.name) throw new UserError('promote needs two different environments');
  const built = builtServices(project.services);
  for (const name of request.named) {
    if (!built.includes(name)) throw new UserError(`"${name}" is not a service with an image tag (known: ${built.join(', ')})`);
  }
  const changes = (request.named.length > 0 ? request.named : built)
    .map((service) => ({ service, current: to.images[service], next: from.images[service] }))
    .filter((c) => c.current !== c.next);
  return { from, to, changes };
}

/**
 * Pushes the commit as `branch`: the same change always gets the same branch, reused when it
 * already holds this render on this base, replaced otherwise.
 */
function pushBranch(root: string, worktree: string, request: PromoteRequest, branch: string, baseCommit: string, log: (line: string) => void): void {
  const { remote, base } = request;
  const commit = git(worktree, ['rev-parse', 'HEAD']).trim();
  const existing =
    git(root, ['ls-remote', '--heads', remote, `refs/heads/${branch}`])
      .trim()
      .split(/\s+/)[0] || undefined;
  let sameTree = false;
  if (existing) {
    try {
      git(root, ['fetch', '--quiet', '--no-tags', remote, `refs/heads/${branch}`]);
      // Same files, and built on this base (`merge-base --is-ancestor` fails otherwise).
      sameTree = git(root, ['rev-parse', `${existing}^{tree}`]).trim() === git(root, ['rev-parse', `${commit}^{tree}`]).trim();
      if (sameTree) git(root, ['merge-base', '--is-ancestor', baseCommit, existing]);
    } catch {
      sameTree = false;
    }
  }
  if (existing && sameTree) {
    log(`promote: reused ${branch} on ${remote}: it already holds this change on ${base}`);
    return;
  }
  try {
    git(worktree, ['push', '--quiet', ...(existing ? [`--force-with-lease=refs/heads/${branch}:${existing}`] : []), remote, `HEAD:refs/heads/${branch}`]);
  } catch (err) {
    throw new UserError(`push of ${branch} to ${remote} failed: ${gitLine(err)}`);
  }
  log(existing ? `promote: replaced ${branch} on ${remote} (it held an older render)` : `promote: pushed ${branch} to ${remote}`);
}

/** Opens the pull request, or names the one already open for this branch. */
async function openPullRequest(
  api: PullRequests,
  pr: { title: string; body: string; head: string; base: string },
  remote: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    const open = await api.findOpen(pr.head, pr.base);
    if (open) {
      log(`promote: a pull request for this change is already open: ${open}`);
      return;
    }
    log(`promote: opened ${await api.open(pr)}`);
  } catch (err) {
    log(`promote: branch ${pr.head} is on ${remote}, but no pull request was opened; run the same command again`);
    throw err;
  }
}

/**
 * `bookstore promote <from> <to> [service…]`: copies the tags of the named services (default: every
 * one that differs) from one overlay to the other, as they are on the freshly fetched
 * `<remote>/<base>`, in a temporary worktree: the user's branch, index and files are never touched
 * and nothing of the local HEAD is carried. Renders, commits, checks the provider's API, pushes the
 * branch `promote/<to>-<fingerprint of the change>` and opens a pull request whose body shows what
 * will change. Running it again reuses or replaces the branch and reports an open pull request
 * instead of opening a second. `--dry-run` prints the title and body and pushes nothing.
 */
export async function promote(argv: readonly string[], options: CommandOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const request = parsePromote(argv);
  const { remote, base, dryRun } = request;
  const { root } = options;
  const { remoteUrl, baseCommit } = fetchBase(root, remote, base);
  let api: PullRequests | undefined;
  try {
    await inWorktree(root, baseCommit, async (worktree) => {
      const project = loadProject(worktree);
      const { from, to, changes } = changesOf(project, request);
      if (changes.length === 0) {
        log(
          `promote: nothing to promote: on ${remote}/${base}, ${to.name} already runs the ${from.name} tags${request.named.length ? ` of ${request.named.join(', ')}` : ''}`,
        );
        return;
      }
      // Credentials and the API first: nothing is pushed that could not become a pull request.
      const provider = dryRun ? undefined : resolveProvider(remoteUrl, request.flags);
      api = provider ? await pullRequests(provider) : undefined;
      await api?.check();

      const overlay = path.join(worktree, 'environments', `${to.name}.yaml`);
      const overlayBefore = fs.readFileSync(overlay, 'utf8');
      let text = overlayBefore;
      for (const c of changes) text = setImageTag(text, c.service, c.next);
      fs.writeFileSync(overlay, text);
      const before = readTree(path.join(worktree, 'dist'));
      renderIn(worktree, `${to.name} on ${remote}/${base}`, to.name, overlayBefore, text);
      const diff = diffTrees(before, readTree(path.join(worktree, 'dist')));
      const title = `promote(${to.name}): ${changes.map((c) => `${c.service} ${c.next}`).join(', ')}`;
      const picture = mermaidBlock(environmentPicture(pictureFacts(project, to), changedServices(diff, folderOf(to), project.services)));
      const body = pullRequestBody(from, to, changes, diff, BODY_LIMIT[provider?.kind ?? 'codecommit'], picture);
      const fingerprint = createHash('sha256')
        .update(`${to.name}:${changes.map((c) => `${c.service}=${c.next}`).join(',')}`)
        .digest('hex')
        .slice(0, 8);
      const branch = `promote/${to.name}-${fingerprint}`;

      for (const c of changes) log(`promote: ${c.service} ${c.current} → ${c.next}`);
      if (dryRun || !api) {
        log(`promote: dry run from ${remote}/${base} (${baseCommit.slice(0, 12)}); nothing pushed, no pull request opened. It would open:`);
        log(`title: ${title}`);
        log(body);
        return;
      }
      git(worktree, ['add', '--all', '--', `environments/${to.name}.yaml`, 'dist']);
      try {
        git(worktree, ['commit', '--quiet', '-m', title]);
      } catch (err) {
        throw new UserError(`git commit failed: ${gitLine(err)}`);
      }
      pushBranch(root, worktree, request, branch, baseCommit, log);
      await openPullRequest(api, { title, body, head: branch, base }, remote, log);
    });
  } finally {
    api?.close();
  }
}
