import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesize, type SynthResult } from '../lib/synth';
import { RENDER_FILE_VARIABLE, ROOT } from './helpers';

/**
 * Renders the project once for the whole run, so that the suites that read rendered objects
 * (`rendered()` in helpers.ts) do not each render it again. A render that fails leaves nothing:
 * each suite then renders itself and shows the error where it fails.
 */
export default function globalSetup(): void {
  delete process.env[RENDER_FILE_VARIABLE];
  let result: SynthResult;
  try {
    result = synthesize(ROOT);
  } catch {
    return;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-render-')), 'render.json');
  fs.writeFileSync(file, JSON.stringify({ root: ROOT, files: [...result.files], rendered: result.rendered }));
  process.env[RENDER_FILE_VARIABLE] = file;
}
