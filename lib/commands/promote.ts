import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import { git, uncommitted } from '../git';
import { environmentNamed, loadProject } from '../load';
import type { Environment } from '../model';
import { diffObjects, indexObjects, summarizeByKind, type ObjectDiff } from '../objects';
import { setImageTag } from '../overlay';
import { builtServices } from '../service';
import { readTree, renderOverlayChange } from '../synth';
import { parseArgs } from './args';
import type { CommandOptions } from './bump';
import { openPullRequest, resolveProvider } from './pull-request';
import { changedServices, environmentPicture, mermaidBlock } from '../picture';
import { pictureFacts } from '../render';

const USAGE = 'usage: bookstore promote <from-env> <to-env> [service…] [--remote origin] [--base main] [--provider github|codecommit] [--repo R] [--region R] [--api-url URL]';

interface Change { readonly service: string; readonly current: string; readonly next: string }

function code(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? '—' : `\`${text.length > 80 ? `${text.slice(0, 77)}...` : text}\``;
}

/** The pull request's Markdown: the tags, then what the render changes, per kind and per object. */
export function pullRequestBody(from: Environment, to: Environment, changes: readonly Change[], diff: ObjectDiff, picture?: string): string {
  const lines = [
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
    ...diff.added.map((o) => `- added \`${o.id}\` in \`dist/${o.folder}\``),
    ...diff.removed.map((o) => `- removed \`${o.id}\` from \`dist/${o.folder}\``),
    ...diff.changed.flatMap(({ object, fields }) => [
      `- changed \`${object.id}\` in \`dist/${object.folder}\``,
      ...fields.map((f) => `  - \`${f.path}\`: ${code(f.before)} → ${code(f.after)}`),
    ]),
    '',
    ...(picture ? [`### ${to.name} after this change (changed services highlighted)`, '', picture] : []),
    `Merging this pull request is the approval. Argo CD then shows ${to.name} as OutOfSync${to.sync.automated ? ' and syncs it' : ' until a person syncs it'}.`,
    '',
  ];
  return lines.join('\n');
}

/**
 * `bookstore promote <from> <to> [service…]`: on a new branch, copies the tags of the named services
 * (default: every one that differs) from one overlay to the other, re-renders, commits, pushes the
 * branch and opens a pull request whose body shows what will change.
 */
export async function promote(argv: readonly string[], options: CommandOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const args = parseArgs(argv, { values: ['remote', 'base', 'provider', 'repo', 'region', 'api-url'] }, USAGE);
  if (args.positionals.length < 2) throw new UserError(USAGE);
  const [fromName, toName, ...named] = args.positionals;
  const remote = String(args.flags.get('remote') ?? 'origin');
  const base = String(args.flags.get('base') ?? 'main');
  const { root } = options;

  const project = loadProject(root);
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
    log(`promote: nothing to promote: ${to.name} already runs the ${from.name} tags${named.length ? ` of ${named.join(', ')}` : ''}`);
    return;
  }
  const dirty = uncommitted(root, ['environments', 'dist']);
  if (dirty.length > 0) throw new UserError(`uncommitted changes in ${dirty.join(', ')}: commit or discard them first`);
  const provider = resolveProvider(git(root, ['remote', 'get-url', remote]).trim(), args.flags);

  const fingerprint = createHash('sha256').update(changes.map((c) => `${c.service}=${c.next}`).join(',')).digest('hex').slice(0, 8);
  const branch = `promote/${to.name}-${fingerprint}`;
  const original = git(root, ['rev-parse', '--abbrev-ref', 'HEAD']).trim();
  const dist = path.join(root, 'dist');
  const before = indexObjects(readTree(dist));

  git(root, ['checkout', '--quiet', '-b', branch]);
  let pushed = false;
  try {
    const overlay = path.join(root, 'environments', `${to.name}.yaml`);
    const overlayBefore = fs.readFileSync(overlay, 'utf8');
    let text = overlayBefore;
    for (const c of changes) text = setImageTag(text, c.service, c.next);
    fs.writeFileSync(overlay, text);
    renderOverlayChange(root, dist, to.name, overlayBefore, text);
    const diff = diffObjects(before, indexObjects(readTree(dist)));
    const title = `promote(${to.name}): ${changes.map((c) => `${c.service} ${c.next}`).join(', ')}`;
    git(root, ['add', '--all', '--', `environments/${to.name}.yaml`, 'dist']);
    git(root, ['commit', '--quiet', '-m', title]);
    for (const c of changes) log(`promote: ${c.service} ${c.current} → ${c.next}`);
    git(root, ['push', '--quiet', remote, `HEAD:refs/heads/${branch}`]);
    pushed = true;
    log(`promote: pushed ${branch} to ${remote}`);
    const picture = mermaidBlock(environmentPicture(pictureFacts(project, to.name), changedServices(diff, `${to.cluster}/${to.name}`, project.services)));
    const url = await openPullRequest(provider, { title, body: pullRequestBody(from, to, changes, diff, picture), head: branch, base });
    log(`promote: opened ${url}`);
  } catch (err) {
    if (pushed) log(`promote: branch ${branch} is on ${remote}, but no pull request was opened`);
    throw err;
  } finally {
    // Back where the user was; the branch lives on the remote (or, if the push failed, nowhere).
    git(root, ['checkout', '--quiet', '--force', original]);
    git(root, ['branch', '--quiet', '-D', branch]);
  }
}
