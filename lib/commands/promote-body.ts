// The body of a promotion's pull request: the tags, the rendered changes, each object's changed fields, the picture.
import type { Environment } from '../model';
import { summarizeByKind, type FieldChange, type ObjectDiff } from '../output/objects';
import type { Provider } from './pull-request';

export interface Change {
  readonly service: string;
  readonly current: string;
  readonly next: string;
}

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
export function pullRequestBody(
  from: Environment,
  to: Environment,
  changes: readonly Change[],
  diff: ObjectDiff,
  limit = BODY_LIMIT.github,
  picture?: string,
): string {
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
  const tail = [
    ...(pictureLines.join('\n').length <= limit / 2 ? pictureLines : []),
    '',
    `Merging this pull request is the approval. Argo CD then shows ${to.name} as OutOfSync${to.sync.automated ? ' and syncs it' : ' until a person syncs it'}.`,
    '',
  ];
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
