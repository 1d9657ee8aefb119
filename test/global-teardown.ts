import * as fs from 'node:fs';
import { WORK_VARIABLE } from './helpers';

/** Removes what test/global-setup.ts left: the work folder, with the render, the seed repository and every temporary folder of the run. */
export default function globalTeardown(): void {
  const work = process.env[WORK_VARIABLE];
  if (work) fs.rmSync(work, { recursive: true, force: true });
}
