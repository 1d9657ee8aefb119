import * as path from 'node:path';
import { readTree, treeDifferences } from '../lib/synth';
import { ROOT, rendered } from './helpers';

describe('drift gate', () => {
  it('committed dist/ is exactly what synth renders from the committed sources', () => {
    const differences = treeDifferences(rendered().files, readTree(path.join(ROOT, 'dist')));
    if (differences.length > 0) {
      throw new Error(`dist/ is out of date; run \`npm run synth\` and commit the result:\n  ${differences.join('\n  ')}`);
    }
  });

  it('names each file that differs, is missing or was not rendered', () => {
    const expected = new Map([
      ['a.yaml', 'x'],
      ['b.yaml', 'y'],
      ['c.yaml', 'z'],
    ]);
    const actual = new Map([
      ['a.yaml', 'x'],
      ['b.yaml', 'changed'],
      ['d.yaml', 'stale'],
    ]);
    expect(treeDifferences(expected, actual)).toEqual(['differs: b.yaml', 'missing: c.yaml', 'not rendered: d.yaml']);
  });
});
