import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesize, readTree, treeDifferences, writeTree } from '../lib/synth';
import { ROOT, copyProject, rendered, snapshotDir } from './helpers';

describe('synth', () => {
  it('is deterministic: two renders are byte-identical', () => {
    const again = synthesize(ROOT).files;
    expect(treeDifferences(rendered().files, again)).toEqual([]);
    expect([...again.keys()]).toEqual([...rendered().files.keys()]);
  });

  it('renders each environment into dist/<cluster>/<env>/, one file per service', () => {
    const { project } = rendered();
    for (const environment of project.environments) {
      const folder = `${environment.cluster}/${environment.name}/`;
      const files = [...rendered().files.keys()].filter((f) => f.startsWith(folder)).sort();
      expect(files).toEqual(['namespace', ...project.services.map((s) => s.name)].map((n) => `${folder}${n}.yaml`).sort());
    }
  });

  describe('writing dist/', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-write-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('replaces the folder with exactly the rendered files', () => {
      const out = path.join(dir, 'dist');
      fs.mkdirSync(path.join(out, 'stale'), { recursive: true });
      fs.writeFileSync(path.join(out, 'stale', 'old.yaml'), 'old');
      writeTree(out, new Map([['c/e/a.yaml', 'a'], ['c/e/b.yaml', 'b']]));
      expect(readTree(out)).toEqual(new Map([['c/e/a.yaml', 'a'], ['c/e/b.yaml', 'b']]));
      expect(fs.readdirSync(dir)).toEqual(['dist']);
    });

    it('leaves the old folder untouched when a write fails part-way', () => {
      const out = path.join(dir, 'dist');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'kept.yaml'), 'kept');
      // The second file needs a.yaml to be a folder: the write fails after the first file.
      expect(() => writeTree(out, new Map([['a.yaml', 'a'], ['a.yaml/b.yaml', 'b']]))).toThrow();
      expect(readTree(out)).toEqual(new Map([['kept.yaml', 'kept']]));
      expect(fs.readdirSync(dir)).toEqual(['dist']);
    });
  });

  describe('end to end', () => {
    let project: string;
    beforeAll(() => {
      project = copyProject();
    });
    afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

    it('npm run synth renders the committed dist/ into a fresh copy', () => {
      const run = spawnSync('npm', ['run', '-s', 'synth'], { cwd: project, encoding: 'utf8' });
      expect(run.status).toBe(0);
      const { project: model } = rendered();
      expect(run.stdout).toMatch(new RegExp(`^synth: \\d+ files for ${model.clusters.length} cluster\\(s\\), ${model.environments.length} environment\\(s\\) in dist$`, 'm'));
      expect(treeDifferences(readTree(path.join(ROOT, 'dist')), readTree(path.join(project, 'dist')))).toEqual([]);
    });

    it('cdk8s synth runs the same app into the same files', () => {
      const out = path.join(project, 'cdk8s-out');
      const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade', 'false', '--output', out],
        { cwd: project, encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(treeDifferences(readTree(path.join(ROOT, 'dist')), readTree(out))).toEqual([]);
    });

    it('a cluster context with a missing value stops synth naming the parameter, dist/ untouched', () => {
      const contextFile = path.join(project, 'clusters', 'eks-acg.context.json');
      const original = fs.readFileSync(contextFile, 'utf8');
      const context = JSON.parse(original);
      delete context['certificate-arn'];
      delete context['pod-subnets/us-east-1b'];
      fs.writeFileSync(contextFile, JSON.stringify(context));
      const before = snapshotDir(path.join(project, 'dist'));
      try {
        const run = spawnSync(process.execPath, ['--require', './bin/ts.js', 'main.ts'], { cwd: project, encoding: 'utf8' });
        expect(run.status).toBe(1);
        expect(run.stderr.trim()).toBe('synth: clusters/eks-acg.context.json: missing /bookstore/eks-acg/certificate-arn, /bookstore/eks-acg/pod-subnets/us-east-1b');
        expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
      } finally {
        fs.writeFileSync(contextFile, original);
      }
    });
  });
});
