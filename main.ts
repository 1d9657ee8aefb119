/**
 * The cdk8s app: renders every cluster's objects into dist/ (or $CDK8S_OUTDIR when run by
 * `cdk8s synth`). Offline, deterministic and atomic: on any error dist/ is left as it was.
 */
import * as path from 'node:path';
import { runCommand } from './lib/errors';
import { updateReadme } from './lib/readme';
import { synthesize, writeTree } from './lib/synth';
import { meshReport } from './lib/mesh/report';

runCommand('synth', () => {
  const root = __dirname;
  const outdir = path.resolve(root, process.env.CDK8S_OUTDIR ?? 'dist');
  const timings: Record<string, number> = { 'module loading': performance.now() };
  const { project, files } = synthesize(root, timings);
  const writeStart = performance.now();
  writeTree(outdir, files);
  // The README's picture of an environment is the rendered one (README, "Bookstore GitOps").
  if (outdir === path.join(root, 'dist')) updateReadme(root, files);
  timings['write'] = performance.now() - writeStart;
  // BOOKSTORE_TIMINGS=1 (used by `npm run bench`): where the time of one synth goes, in ms.
  if (process.env.BOOKSTORE_TIMINGS) console.error(`timings: ${JSON.stringify(timings)}`);
  for (const line of meshReport(project)) console.warn(line);
  console.log(`synth: ${files.size} files for ${project.clusters.length} cluster(s), ${project.environments.length} environment(s) in ${path.relative(process.cwd(), outdir) || '.'}`);
});
