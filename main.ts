/**
 * The cdk8s app: renders every cluster's objects into dist/. Offline, deterministic and atomic: on
 * any error dist/ is left as it was. Run by `cdk8s synth`, it also copies the files into the
 * CLI's output folder (cdk8s.yaml points it at the scratch folder .cdk8s.out/, which the CLI
 * empties before the app runs), so that the CLI can never leave dist/ missing or partial.
 */
import * as path from 'node:path';
import { runCommand, UserError } from './lib/model/errors';
import { findRoot } from './lib/load/root';
import { updateReadme } from './lib/output/readme';
import { oneTimeChanges, pendingReport, synthesize, writeTree } from './lib/synth';
import { meshReport } from './lib/render/mesh/report';
import { capabilitiesReport } from './lib/render/capabilities';

runCommand('synth', () => {
  // It renders every cluster and environment, always: an argument (`--env x`) would be ignored, so it is refused.
  const extra = process.argv.slice(2);
  if (extra.length > 0)
    throw new UserError(`takes no arguments (got ${extra.join(' ')}): it renders every cluster and environment; \`bookstore diff\` shows one change`);
  const root = findRoot(__dirname);
  const outdir = path.join(root, 'dist');
  const timings: Record<string, number> = { 'module loading': performance.now() };
  const { project, files } = synthesize(root, timings);
  const writeStart = performance.now();
  const oneTime = oneTimeChanges(outdir, files);
  writeTree(outdir, files);
  // The README's picture of an environment is the rendered one (README, "Bookstore GitOps").
  updateReadme(root, files);
  timings['write'] = performance.now() - writeStart;
  const cliOutdir = process.env.CDK8S_OUTDIR ? path.resolve(process.env.CDK8S_OUTDIR) : undefined;
  if (cliOutdir && cliOutdir !== outdir) writeTree(cliOutdir, files);
  // BOOKSTORE_TIMINGS=1 (used by `npm run bench`): where the time of one synth goes, in ms.
  if (process.env.BOOKSTORE_TIMINGS) console.error(`timings: ${JSON.stringify(timings)}`);
  for (const line of meshReport(project)) console.warn(line);
  for (const line of capabilitiesReport(project.clusters)) console.warn(line);
  // dist/<cluster>/cluster/ is applied by a person, never by Argo CD: say so when it moved.
  for (const line of oneTime) console.warn(line);
  // A cluster being added: what of it is rendered, and which account facts it still waits for.
  for (const line of pendingReport(project)) console.warn(line);
  console.log(
    `synth: ${files.size} files for ${project.clusters.length} cluster(s), ${project.environments.length} environment(s) in ${path.relative(process.cwd(), outdir) || '.'}`,
  );
});
