import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../model/errors';
import { git, gitLine } from './git';
import { environmentNamed, loadProject } from '../load/project';
import type { Environment } from '../model';
import { diffTrees, summarizeByKind, type FieldChange, type ObjectDiff } from '../output/objects';
import { setImageTag } from '../load/overlay';
import { builtServices } from '../model/service';
import { readTree } from '../synth';
import { parseArgs } from './args';
import type { CommandOptions } from './bump';
import { pullRequests, resolveProvider, type Provider, type PullRequests } from './pull-request';
import { changedServices, environmentPicture, mermaidBlock } from '../output/picture';
import { folderOf, pictureFacts } from '../render/project';
import { USAGES } from './usage';

export const USAGE = USAGES.promote;

export interface Change { readonly service: string; readonly current: string; readonly next: string }

/** Longest value shown whole in the body; a longer one shows the part that changed. */
const LONGEST_VALUE = 72;
/** Objects listed one by one in the open; more go into a collapsed `<details>` section. */
const OPEN_LIST = 12;
/** What each provider accepts as a description (GitHub: 65,536 characters; CodeCommit: 10,240). */
export const BODY_LIMIT: Record<Provider['kind'], number> = { github: 65000, codecommit: 10000 };

const text = (value: unknown) => (value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * A field's before and after, each in backticks. A long value is never cut where it changes (an
 * image's tag is at its end): the common start and end are elided, the changed part stays.
 */
export function showChange(before: unknown, after: unknown): string {
  const [b, a] = [text(before), text(after)];
  const show = (v: string | undefined) => (v === undefined ? '(none)' : `\`${v.replace(/`/g, "'")}\``);
  if (b === undefined || a === undefined || Math.max(b.length, a.length) <= LONGEST_VALUE) {
    const cut = (v: string | undefined) => (v !== undefined && v.length > LONGEST_VALUE ? `${v.slice(0, LONGEST_VALUE - 1)}…` : v);
    return `${show(cut(b))} → ${show(cut(a))}`;
  }
  let start = 0;
  while (start < Math.min(b.length, a.length) && b[start] === a[start]) start++;
  let end = 0;
  while (end < Math.min(b.length, a.length) - start && b[b.length - 1 - end] === a[a.length - 1 - end]) end++;
  // Some context before the change: from the nearest separator (an image's repository name), else 24 characters.
  const context = 24;
  const separator = Math.max(b.lastIndexOf('/', start - 1), b.lastIndexOf(' ', start - 1), b.lastIndexOf(',', start - 1));
  const from = separator >= start - 2 * context ? separator + 1 : Math.max(0, start - context);
  const part = (v: string) => {
    const stop = Math.min(v.length, Math.max(v.length - end + context, from + LONGEST_VALUE));
    return `${from > 0 ? '…' : ''}${v.slice(from, stop)}${stop < v.length ? '…' : ''}`;
  };
  return `${show(part(b))} → ${show(part(a))}`;
}

const fieldLine = (f: FieldChange) => `  - \`${f.path}\`: ${showChange(f.before, f.after)}`;

/**
 * The pull request's Markdown: the tags, then the rendered changes per kind, then each object and
 * its changed fields (collapsed in `<details>` when long; both providers render it), then the
 * picture of the target environment when it fits in half of `limit`, all within `limit`.
 */
export function pullRequestBody(from: Environment, to: Environment, changes: readonly Change[], diff: ObjectDiff, limit = BODY_LIMIT.github, picture?: string): string {
  const head = [
    `Promotes ${changes.length} service(s) from **${from.name}** to **${to.name}**.`,
    '',
    `| service | ${to.name} now | new tag (from ${from.name}) |`,
    '|---|---|---|',
    ...changes.map((c) => `| ${c.service} | \`${c.current}\` | \`${c.next}\` |`),
    '',
    '### Rendered changes',
    '',
    '| kind | added | changed | removed |',
    '|---|---|---|---|',
    ...summarizeByKind(diff).map((r) => `| ${r.kind} | ${r.added} | ${r.changed} | ${r.removed} |`),
    '',
  ];
  const pictureLines = picture ? ['', `### ${to.name} after this change (changed services highlighted)`, '', picture.trimEnd()] : [];
  const tail = [...(pictureLines.join('\n').length <= limit / 2 ? pictureLines : []), '', `Merging this pull request is the approval. Argo CD then shows ${to.name} as OutOfSync${to.sync.automated ? ' and syncs it' : ' until a person syncs it'}.`, ''];
  const objects = [
    ...diff.added.map((o) => [`- added \`${o.id}\` in \`dist/${o.folder}\``]),
    ...diff.removed.map((o) => [`- removed \`${o.id}\` from \`dist/${o.folder}\``]),
    ...diff.changed.map(({ object, fields }) => [`- changed \`${object.id}\` in \`dist/${object.folder}\``, ...fields.map(fieldLine)]),
  ];
  const collapsed = objects.length > OPEN_LIST;
  const open = collapsed ? [`<details><summary>All ${objects.length} objects and their changed fields</summary>`, ''] : [];
  const close = collapsed ? ['', '</details>'] : [];
  // Within the provider's limit: as many whole objects as fit, then how to see the rest.
  const budget = limit - [...head, ...open, ...close, ...tail].join('\n').length - 200;
  const listed: string[] = [];
  let used = 0;
  let shown = 0;
  for (const lines of objects) {
    const size = lines.join('\n').length + 1;
    if (used + size > budget) break;
    listed.push(...lines);
    used += size;
    shown++;
  }
  if (shown < objects.length) listed.push(`- … and ${objects.length - shown} more object(s): \`bookstore diff\` on the branch lists every one`);
  return [...head, ...open, ...listed, ...close, ...tail].join('\n');
}

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
    const lines = String(err.stderr ?? err.message).split('\n').filter((l) => l.trim() && !l.startsWith('warning:'));
    throw fail(lines[0] ?? `exit ${err.status}`);
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
/** The pull-request providers promote speaks to. */
const PROVIDER_KINDS = ['github', 'codecommit'];

export async function promote(argv: readonly string[], options: CommandOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const args = parseArgs(argv, { values: ['remote', 'branch', 'base', 'provider', 'repo', 'region', 'api-url'], booleans: ['dry-run'] }, USAGE);
  if (args.positionals.length < 2) throw new UserError(USAGE);
  const [fromName, toName, ...named] = args.positionals;
  const remote = String(args.flags.get('remote') ?? 'origin');
  // `--branch`, as bump says it: the branch the change lands on. `--base` (its older name) still works.
  const branchFlag = args.flags.get('branch');
  const baseFlag = args.flags.get('base');
  if (branchFlag !== undefined && baseFlag !== undefined && branchFlag !== baseFlag) throw new UserError(`--branch ${String(branchFlag)} and --base ${String(baseFlag)} name two branches; --base is the older name of --branch: give one`);
  const base = String(branchFlag ?? baseFlag ?? 'main');
  const dryRun = args.flags.has('dry-run');
  const { root } = options;
  // Checked before anything else, on a dry run too: a provider it cannot open a pull request with is never silently ignored.
  const providerFlag = args.flags.get('provider');
  if (providerFlag !== undefined && !PROVIDER_KINDS.includes(String(providerFlag))) {
    throw new UserError(`--provider: unknown provider "${String(providerFlag)}" (${PROVIDER_KINDS.join(', ')})`);
  }

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
  const baseCommit = git(root, ['rev-parse', `refs/remotes/${remote}/${base}^{commit}`]).trim();

  const worktree = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-promote-'));
  let api: PullRequests | undefined;
  try {
    git(root, ['worktree', 'add', '--quiet', '--detach', worktree, baseCommit]);
    // The sources' imports resolve through the checkout's node_modules.
    const modules = path.join(root, 'node_modules');
    if (fs.existsSync(modules)) fs.symlinkSync(fs.realpathSync(modules), path.join(worktree, 'node_modules'));

    const project = loadProject(worktree);
    const from = environmentNamed(project, fromName);
    const to = environmentNamed(project, toName);
    if (from.name === to.name) throw new UserError('promote needs two different environments');
    const built = builtServices(project.services);
    for (const name of named) {
      if (!built.includes(name)) throw new UserError(`"${name}" is not a service with an image tag (known: ${built.join(', ')})`);
    }
    const changes: Change[] = (named.length > 0 ? named : built)
      .map((service) => ({ service, current: to.images[service], next: from.images[service] }))
      .filter((c) => c.current !== c.next);
    if (changes.length === 0) {
      log(`promote: nothing to promote: on ${remote}/${base}, ${to.name} already runs the ${from.name} tags${named.length ? ` of ${named.join(', ')}` : ''}`);
      return;
    }

    // Credentials and the API first: nothing is pushed that could not become a pull request.
    const provider = dryRun ? undefined : resolveProvider(remoteUrl, args.flags);
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
    const fingerprint = createHash('sha256').update(`${to.name}:${changes.map((c) => `${c.service}=${c.next}`).join(',')}`).digest('hex').slice(0, 8);
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
    const commit = git(worktree, ['rev-parse', 'HEAD']).trim();

    // The same change always gets the same branch: reuse it when it already holds this render, replace it otherwise.
    const existing = git(root, ['ls-remote', '--heads', remote, `refs/heads/${branch}`]).trim().split(/\s+/)[0] || undefined;
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
    } else {
      try {
        git(worktree, ['push', '--quiet', ...(existing ? [`--force-with-lease=refs/heads/${branch}:${existing}`] : []), remote, `HEAD:refs/heads/${branch}`]);
      } catch (err) {
        throw new UserError(`push of ${branch} to ${remote} failed: ${gitLine(err)}`);
      }
      log(existing ? `promote: replaced ${branch} on ${remote} (it held an older render)` : `promote: pushed ${branch} to ${remote}`);
    }
    try {
      const open = await api.findOpen(branch, base);
      if (open) {
        log(`promote: a pull request for this change is already open: ${open}`);
        return;
      }
      log(`promote: opened ${await api.open({ title, body, head: branch, base })}`);
    } catch (err) {
      log(`promote: branch ${branch} is on ${remote}, but no pull request was opened; run the same command again`);
      throw err;
    }
  } finally {
    api?.close();
    try {
      git(root, ['worktree', 'remove', '--force', worktree]);
    } catch {
      // Never created, or already gone: remove what is left, and nothing of it may stay registered.
      fs.rmSync(worktree, { recursive: true, force: true });
      git(root, ['worktree', 'prune']);
    }
  }
}
