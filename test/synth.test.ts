import { PICTURE_FILE } from '../lib/output/picture';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesize, readTree, treeDifferences, writeFiles, writeTree } from '../lib/synth';
import { UserError } from '../lib/model/errors';
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
      // Its objects, and its picture beside them (lib/output/picture.ts).
      expect(files).toEqual([...['namespace', ...project.services.map((s) => s.name)].map((n) => `${folder}${n}.yaml`), `${folder}${PICTURE_FILE}`].sort());
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
      writeTree(
        out,
        new Map([
          ['c/e/a.yaml', 'a'],
          ['c/e/b.yaml', 'b'],
        ]),
      );
      expect(readTree(out)).toEqual(
        new Map([
          ['c/e/a.yaml', 'a'],
          ['c/e/b.yaml', 'b'],
        ]),
      );
      expect(fs.readdirSync(dir)).toEqual(['dist']);
    });

    it('leaves the old folder untouched when a write fails part-way', () => {
      const out = path.join(dir, 'dist');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'kept.yaml'), 'kept');
      // The second file needs a.yaml to be a folder: the write fails after the first file.
      expect(() =>
        writeTree(
          out,
          new Map([
            ['a.yaml', 'a'],
            ['a.yaml/b.yaml', 'b'],
          ]),
        ),
      ).toThrow();
      expect(readTree(out)).toEqual(new Map([['kept.yaml', 'kept']]));
      expect(fs.readdirSync(dir)).toEqual(['dist']);
    });

    it('keeps the mode of the folder it replaces', () => {
      const out = path.join(dir, 'dist');
      for (const mode of [0o755, 0o750]) {
        fs.mkdirSync(out, { recursive: true });
        fs.chmodSync(out, mode);
        // Another text each time: the folder is replaced, not left as it is.
        writeTree(out, new Map([['c/e/a.yaml', `a ${mode}`]]));
        expect(fs.statSync(out).mode & 0o777).toBe(mode);
      }
    });

    it("gives a new folder the usual mode (0777 less the umask), not mkdtemp's 0700", () => {
      const out = path.join(dir, 'dist');
      writeTree(out, new Map([['a.yaml', 'a']]));
      const umask = process.umask();
      expect(fs.statSync(out).mode & 0o777).toBe(0o777 & ~umask);
    });

    it('removes what a killed synth left behind, but not the folder of a synth still running', () => {
      const out = path.join(dir, 'dist');
      // A pid above the kernel's pid_max (at most 2^22) belongs to no process.
      const killed = [`.dist.new-${2 ** 22 + 1}-abc123`, `.dist.new-${2 ** 22 + 1}-abc123.old`, '.dist.new-XyZ123'];
      const running = `.dist.new-${process.ppid}-def456`;
      for (const leftover of [...killed, running]) fs.mkdirSync(path.join(dir, leftover, 'c'), { recursive: true });
      writeTree(out, new Map([['a.yaml', 'a']]));
      expect(fs.readdirSync(dir).sort()).toEqual([running, 'dist'].sort());
    });

    it("leaves a folder that already holds exactly the files as it is, yet removes a killed synth's leftovers; anything more in it is written anew", () => {
      const out = path.join(dir, 'dist');
      const files = new Map([
        ['c/e/a.yaml', 'a'],
        ['c/b.yaml', 'b'],
      ]);
      writeTree(out, files);
      const inode = (file: string) => fs.statSync(path.join(out, file)).ino;
      const before = [inode('.'), inode('c/e/a.yaml')];
      const killed = `.dist.new-${2 ** 22 + 1}-abc123`;
      fs.mkdirSync(path.join(dir, killed));
      writeTree(out, files);
      expect([inode('.'), inode('c/e/a.yaml')]).toEqual(before);
      expect(fs.readdirSync(dir)).toEqual(['dist']);
      // A stray file, an empty folder, or a changed text: the folder is replaced with exactly the files.
      for (const change of [
        () => fs.writeFileSync(path.join(out, 'stray.yaml'), 'x'),
        () => fs.mkdirSync(path.join(out, 'c', 'empty')),
        () => fs.writeFileSync(path.join(out, 'c', 'b.yaml'), 'edited'),
      ]) {
        change();
        // The folder it replaces (a file system may give a later folder the number of one removed before).
        const was = inode('.');
        writeTree(out, files);
        expect(readTree(out)).toEqual(files);
        expect(fs.readdirSync(path.join(out, 'c')).sort()).toEqual(['b.yaml', 'e']);
        expect(inode('.')).not.toBe(was);
      }
    });

    it('an I/O error is one UserError naming the folder and the errno; nothing is written', () => {
      // Tests run as root here, where a read-only folder does not stop writes: a file where a folder must be does.
      fs.writeFileSync(path.join(dir, 'blocker'), 'a file');
      const error = (() => {
        try {
          writeTree(path.join(dir, 'blocker', 'dist'), new Map([['a.yaml', 'a']]));
        } catch (err) {
          return err as Error;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(UserError);
      expect(error!.message).toMatch(/^cannot write .*blocker\/dist\/: (ENOTDIR|EEXIST): /);
      expect(error!.message).not.toContain('\n');
      expect(fs.readdirSync(dir)).toEqual(['blocker']);
    });

    (process.getuid?.() === 0 ? it.skip : it)('a read-only parent folder is one UserError (skipped as root, where chmod does not stop writes)', () => {
      const out = path.join(dir, 'dist');
      fs.mkdirSync(out);
      fs.chmodSync(dir, 0o555);
      try {
        expect(() => writeTree(out, new Map([['a.yaml', 'a']]))).toThrow(/^cannot write .*dist\/: EACCES: /);
      } finally {
        fs.chmodSync(dir, 0o755);
      }
    });

    it('writeFiles writes and removes only the files named; a failure part-way leaves everything as it was', () => {
      const out = path.join(dir, 'dist');
      writeTree(
        out,
        new Map([
          ['c/e/old.yaml', 'old'],
          ['c/e/kept.yaml', 'kept'],
          ['c/argocd/app.yaml', 'app'],
        ]),
      );
      writeFiles(
        out,
        new Map([
          ['c/e/new.yaml', 'new'],
          ['c/e/kept.yaml', 'changed'],
        ]),
        ['c/e/old.yaml'],
      );
      expect(readTree(out)).toEqual(
        new Map([
          ['c/argocd/app.yaml', 'app'],
          ['c/e/kept.yaml', 'changed'],
          ['c/e/new.yaml', 'new'],
        ]),
      );
      // The second file cannot be written (its folder would be a file): the first is not written either.
      const before = readTree(out);
      expect(() =>
        writeFiles(
          out,
          new Map([
            ['c/e/kept.yaml', 'again'],
            ['c/argocd/app.yaml/x.yaml', 'x'],
          ]),
          ['c/e/new.yaml'],
        ),
      ).toThrow(/^cannot write .*dist\/: /);
      expect(readTree(out)).toEqual(before);
      expect(fs.readdirSync(path.join(out, 'c', 'e')).sort()).toEqual(['kept.yaml', 'new.yaml']);
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
      expect(run.stdout).toMatch(
        new RegExp(`^synth: \\d+ files for ${model.clusters.length} cluster\\(s\\), ${model.environments.length} environment\\(s\\) in dist$`, 'm'),
      );
      expect(treeDifferences(readTree(path.join(ROOT, 'dist')), readTree(path.join(project, 'dist')))).toEqual([]);
    });

    it('cdk8s synth runs the same app into the same files', () => {
      const out = path.join(project, 'cdk8s-out');
      const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade', 'false', '--output', out], {
        cwd: project,
        encoding: 'utf8',
      });
      expect(run.status).toBe(0);
      expect(treeDifferences(readTree(path.join(ROOT, 'dist')), readTree(out))).toEqual([]);
    });

    it('synth into a path it cannot write prints one line and exits 1', () => {
      fs.writeFileSync(path.join(project, 'blocker'), 'a file');
      const run = spawnSync(process.execPath, ['--require', './bin/ts.js', 'main.ts'], {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, CDK8S_OUTDIR: 'blocker/dist' },
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^synth: cannot write blocker\/dist\/: (ENOTDIR|EEXIST): /)]);
    });

    it('a rendered cluster whose context lost a value stops synth naming the parameter, dist/ untouched (nothing leaves Git for Argo CD to prune)', () => {
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
        expect(run.stderr.trim()).toBe(
          'synth: clusters/eks-acg.context.json: missing /bookstore/eks-acg/certificate-arn, /bookstore/eks-acg/pod-subnets/us-east-1b (dist/eks-acg/ holds the whole cluster: restore them, e.g. `npm run context -- eks-acg`)',
        );
        expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
      } finally {
        fs.writeFileSync(contextFile, original);
      }
    });
  });
});
