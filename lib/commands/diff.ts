import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../model/errors';
import { git, GitError } from './git';
import { diffTrees } from '../output/objects';
import { changedServices, environmentPicture, mermaidBlock } from '../output/picture';
import { folderOf, pictureFacts } from '../render/project';
import { synthesize } from '../synth';
import type { CommandOptions } from './bump';
import { USAGES } from './usage';

export const USAGE = USAGES.diff;

/** The rendered files (path below dist/ → text) committed at a git ref. */
function committedDist(root: string, ref: string): Map<string, string> {
  const out = new Map<string, string>();
  const list = git(root, ['ls-tree', '-r', '--name-only', ref, '--', 'dist']).split('\n').filter(Boolean);
  if (list.length === 0) return out;
  // One checkout into a temporary folder, through a temporary index so the user's staging area is untouched.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-diff-'));
  try {
    git(root, ['--work-tree', dir, 'checkout', ref, '--', 'dist'], { GIT_INDEX_FILE: path.join(dir, '.index') });
    for (const file of list) out.set(file.slice('dist/'.length), fs.readFileSync(path.join(dir, file), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The ref to compare with, checked: the one given, or the merge base of HEAD with origin/main (or main). */
function resolveRef(root: string, given: string | undefined): string {
  try {
    git(root, ['rev-parse', '--show-toplevel']);
  } catch {
    throw new UserError(`${root} is not a git checkout: diff compares with a commit, so it needs the repository's history (clone it with git)`);
  }
  let ref = given;
  try {
    if (!ref) {
      const main = ['origin/main', 'main'].find((r) => {
        try {
          git(root, ['rev-parse', '--verify', '--quiet', r]);
          return true;
        } catch {
          return false;
        }
      });
      if (!main) throw new UserError('no main branch to compare with: name a ref, e.g. `bookstore diff HEAD~1`');
      ref = git(root, ['merge-base', 'HEAD', main]).trim();
    }
    git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch (err) {
    if (err instanceof GitError) throw new UserError(`unknown git ref "${ref}"`);
    throw err;
  }
  return ref;
}

/**
 * `bookstore diff [<ref>]`: what the working tree would change in dist/ against a ref (default: the
 * merge base with main), object by object, per environment folder, with the fields that change.
 * The ref's side is its committed dist/ (the drift gate keeps that equal to its render); the working
 * tree's side is rendered now, uncommitted source changes included.
 */
export async function diff(argv: readonly string[], options: CommandOptions): Promise<void> {
  const picture = argv.includes('--picture');
  const positional = argv.filter((a) => a !== '--picture');
  if (positional.length > 1 || positional[0]?.startsWith('-')) throw new UserError(USAGE);
  const log = options.log ?? ((line: string) => console.log(line));
  const { root } = options;
  const ref = resolveRef(root, positional[0]);
  const committed = committedDist(root, ref);
  // Without a committed dist/ every object would show as added: a false answer, so say why instead.
  if (committed.size === 0)
    throw new UserError(`${ref} has no dist/ committed, so there is nothing to compare with: name a later ref, e.g. \`bookstore diff origin/main\``);
  const { project, files } = synthesize(root);
  const result = diffTrees(committed, files);
  const entries = [
    ...result.added.map((o) => ({ folder: o.folder, line: `  + ${o.id}`, fields: [] as string[] })),
    ...result.removed.map((o) => ({ folder: o.folder, line: `  - ${o.id}`, fields: [] as string[] })),
    ...result.changed.map(({ object, fields }) => ({
      folder: object.folder,
      line: `  ~ ${object.id}`,
      fields: fields.map((f) => `      ${f.path}: ${JSON.stringify(f.before) ?? '(none)'} → ${JSON.stringify(f.after) ?? '(none)'}`),
    })),
  ];
  const short = ref.length === 40 ? ref.slice(0, 12) : ref;
  if (entries.length === 0) {
    log(`diff: no rendered object changes against ${short}`);
    return;
  }
  for (const folder of [...new Set(entries.map((e) => e.folder))].sort()) {
    log(`dist/${folder}`);
    for (const e of entries.filter((x) => x.folder === folder).sort((a, b) => a.line.slice(4).localeCompare(b.line.slice(4)))) {
      log(e.line);
      for (const f of e.fields) log(f);
    }
    // --picture: the environment as the change leaves it, the services it touches highlighted.
    const environment = project.environments.find((env) => folderOf(env) === folder);
    if (picture && environment) {
      log(mermaidBlock(environmentPicture(pictureFacts(project, environment), changedServices(result, folder, project.services))).trimEnd());
    }
  }
  log(`diff: ${result.added.length} added, ${result.changed.length} changed, ${result.removed.length} removed against ${short}`);
}
