import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes a file atomically: a temporary file beside it, then rename. Readers never see half a file. */
export function writeFileAtomic(file: string, text: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}
