/**
 * The README a newcomer reads in ten minutes, and the pages it links: every relative link of the
 * README, CHANGELOG.md and docs/ points at a file of the repository, and every #anchor at a heading there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';

const pages = [
  'README.md',
  'CHANGELOG.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/** The text of a page outside its code blocks (a link in a shell example is no link). */
function prose(file: string): string {
  let inCode = false;
  return fs
    .readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) inCode = !inCode;
      return !inCode && !line.startsWith('```');
    })
    .join('\n');
}

const anchors = (file: string) =>
  new Set(
    prose(file)
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => anchorOf(l.replace(/^#+ /, ''))),
  );

describe('the README and docs/', () => {
  it('the README stays short enough to read in ten minutes', () => {
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(300);
  });

  it.each(pages)('%s: every relative link resolves to a file, and every anchor to a heading', (page) => {
    const links = [...prose(page).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    for (const link of links) {
      const [target, anchor] = link.split('#');
      const file = target ? path.normalize(path.join(path.dirname(page), target)) : page;
      expect([page, link, fs.existsSync(path.join(ROOT, file))]).toEqual([page, link, true]);
      if (anchor && file.endsWith('.md')) expect([page, link, anchors(file).has(anchor)]).toEqual([page, link, true]);
    }
  });

  it('links every page of docs/ from the README', () => {
    const readme = prose('README.md');
    for (const page of pages.filter((p) => p.startsWith('docs/'))) expect([page, readme.includes(`](${page})`)]).toEqual([page, true]);
  });
});
