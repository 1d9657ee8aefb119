import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesize, type SynthResult } from '../lib/synth';
import { RENDER_FILE_VARIABLE, ROOT, WORK_VARIABLE } from './helpers';

/**
 * Does once for the whole run what several suites need:
 * - renders the project, so that the suites that read rendered objects (`rendered()` in
 *   helpers.ts) do not each render it again. A render that fails leaves nothing: each suite then
 *   renders itself and shows the error where it fails;
 * - makes the folder where test/git-fixture.ts keeps the run's seed repository.
 */
export default function globalSetup(): void {
  delete process.env[RENDER_FILE_VARIABLE];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-run-'));
  process.env[WORK_VARIABLE] = work;
  let result: SynthResult;
  try {
    result = synthesize(ROOT);
  } catch {
    return;
  }
  const file = path.join(work, 'render.json');
  fs.writeFileSync(file, JSON.stringify({ root: ROOT, files: [...result.files], rendered: result.rendered }));
  process.env[RENDER_FILE_VARIABLE] = file;
}
