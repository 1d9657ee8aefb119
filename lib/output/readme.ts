/**
 * The README shows rendered pictures without a hand-kept copy: a block between
 * `<!-- picture: <cluster>/<env> -->` and `<!-- /picture -->` is replaced by synth with the diagram
 * of dist/<cluster>/<env>/README.md, and the drift gate checks it like every rendered file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './files';
import { PICTURE_FILE } from './picture';

const BLOCK = /(<!-- picture: ([a-z0-9-]+\/[a-z0-9-]+) -->\n)[\s\S]*?(<!-- \/picture -->)/g;
const DIAGRAM = /```mermaid\n[\s\S]*?```\n/;

/** The README text with every picture block filled from the rendered files (path below dist/ → text). */
export function embedPictures(readme: string, files: ReadonlyMap<string, string>): string {
  return readme.replace(BLOCK, (block, open: string, folder: string, close: string) => {
    const picture = files.get(`${folder}/${PICTURE_FILE}`);
    const diagram = picture && DIAGRAM.exec(picture)?.[0];
    return diagram ? `${open}${diagram}${close}` : block;
  });
}

/** Fills the picture blocks of the repository's README.md from the rendered files; writes only when they changed. */
export function updateReadme(root: string, files: ReadonlyMap<string, string>): void {
  const file = path.join(root, 'README.md');
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  const updated = embedPictures(text, files);
  if (updated !== text) writeFileAtomic(file, updated);
}
