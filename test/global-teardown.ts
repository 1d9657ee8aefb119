import * as fs from 'node:fs';
import { WORK_VARIABLE } from './helpers';

/** Removes what test/global-setup.ts left: the render and the seed repository. */
export default function globalTeardown(): void {
  const work = process.env[WORK_VARIABLE];
  if (work) fs.rmSync(work, { recursive: true, force: true });
}
