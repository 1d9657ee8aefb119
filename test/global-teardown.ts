import * as fs from 'node:fs';
import * as path from 'node:path';
import { RENDER_FILE_VARIABLE } from './helpers';

/** Removes the render test/global-setup.ts left. */
export default function globalTeardown(): void {
  const file = process.env[RENDER_FILE_VARIABLE];
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
