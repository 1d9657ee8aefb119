import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bump } from '../lib/commands/bump';
import { UserError } from '../lib/model/errors';
import { git, gitLine } from '../lib/commands/git';
import { readTree, renderOverlayChange, synthesize, treeDifferences, writeTree } from '../lib/synth';
import { GitFixture } from './git-fixture';
import { linkProject, ROOT, snapshotDir, synthInProcess } from './helpers';
import { loadProject } from '../lib/load/project';
import { setImageTag } from '../lib/load/overlay';

const noSleep = async () => undefined;
/** The project the expectations derive from: this repository, or an extended copy of it (test/extensions.test.ts). */
const model = loadProject(ROOT);

describe('bookstore bump', () => {
  let fixture: GitFixture;
  beforeAll(() => {
    fixture = new GitFixture();
  });
  afterAll(() => fixture.remove());

  it('sets the tag keeping comments and order, re-renders, commits and pushes', async () => {
    const clone = fixture.clone();
    const overlay = path.join(clone, 'environments', 'development.yaml');
    const before = fs.readFileSync(overlay, 'utf8');
    const lines: string[] = [];
    await bump(['development', 'clients-api', '1.0.0123abcd'], { root: clone, log: (l) => lines.push(l), sleep: noSleep });
    const after = fs.readFileSync(overlay, 'utf8');
    expect(after).toBe(before.replace('clients-api: 1.0.3b9e1c27', 'clients-api: 1.0.0123abcd'));
    expect(fixture.history().slice(-1)).toEqual(['deploy(development): clients-api 1.0.0123abcd']);
    // What landed is consistent: the remote's dist/ is what its sources render.
    const check = fixture.clone();
    expect(treeDifferences(synthesize(check).files, readTree(path.join(check, 'dist')))).toEqual([]);
    const deployment = fs.readFileSync(path.join(check, 'dist', 'eks-acg', 'development', 'clients-api.yaml'), 'utf8');
    expect(deployment).toContain('bookstore.clients-api:1.0.0123abcd');
    expect(
      git(check, ['show', '--stat', '--format=', 'HEAD'])
        .split('\n')
        .filter(Boolean)
        .map((l) => l.trim().split(' ')[0]),
    ).toEqual(['dist/eks-acg/development/clients-api.yaml', 'environments/development.yaml', expect.stringMatching(/^2$/)]);
    expect(lines).toEqual([
      'bump: rendered dist/ (1 file(s) changed)',
      `bump: committed ${git(clone, ['rev-parse', '--short', 'HEAD']).trim()} deploy(development): clients-api 1.0.0123abcd`,
      'bump: pushed to origin/main',
    ]);
  });

  it('parses each overlay text once: the load, the edit and the before/after comparison share one parse', async () => {
    const clone = fixture.clone();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('yaml') as typeof import('yaml'), 'parseDocument');
    try {
      // A tag no earlier test wrote: the edited overlay is a text this process has not seen.
      const tag = `1.0.${Date.now().toString(16).padStart(8, '0').slice(-8)}`;
      await bump(['development', 'clients-api', tag, '--no-push'], { root: clone, log: () => undefined, sleep: noSleep });
      const texts = spy.mock.calls.map(([text]) => String(text));
      const edited = texts.filter((t) => t.includes(`clients-api: ${tag}`));
      expect(edited).toHaveLength(1);
      expect(texts.filter((t, i) => texts.indexOf(t) !== i)).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('is a no-op when the tag is already set', async () => {
    const clone = fixture.clone();
    const refs = fixture.refs();
    const lines: string[] = [];
    await bump(['development', 'front-end', '1.0.af873c03'], { root: clone, log: (l) => lines.push(l) });
    expect(lines).toEqual(['bump: development already runs front-end 1.0.af873c03; nothing to do']);
    expect(fixture.refs()).toBe(refs);
  });

  it.each([['main'], ['detached HEAD'], ['a branch whose name has a ]']])('names the commit it made, on %s', async (where) => {
    const clone = fixture.clone();
    if (where === 'detached HEAD') git(clone, ['checkout', '--quiet', '--detach']);
    if (where.startsWith('a branch')) git(clone, ['checkout', '--quiet', '-b', 'odd]name']);
    const lines: string[] = [];
    await bump(['development', 'resource-api', '1.1.ccccdddd', '--no-push'], { root: clone, log: (l) => lines.push(l) });
    expect(lines).toContain(`bump: committed ${git(clone, ['rev-parse', '--short', 'HEAD']).trim()} deploy(development): resource-api 1.1.ccccdddd`);
  });

  it('--no-push commits only', async () => {
    const clone = fixture.clone();
    const refs = fixture.refs();
    await bump(['development', 'resource-api', '1.1.aaaabbbb', '--no-push'], { root: clone, log: () => undefined });
    expect(git(clone, ['log', '-1', '--format=%s'])).toBe('deploy(development): resource-api 1.1.aaaabbbb\n');
    expect(fixture.refs()).toBe(refs);
  });

  it('re-applies its change on top when someone pushed first', async () => {
    const first = fixture.clone();
    const second = fixture.clone();
    await bump(['development', 'inventory-api', '1.0.11111111'], { root: first, log: () => undefined });
    const lines: string[] = [];
    await bump(['development', 'renting-api', '1.0.22222222'], { root: second, log: (l) => lines.push(l), sleep: noSleep });
    expect(lines).toContain('bump: pushed to origin/main (attempt 2)');
    // Only another service's tag moved: its render of renting-api's file still holds, nothing is rendered again.
    expect(lines).toContain('bump: only other tags moved on origin/main; the render of 1 file(s) still holds');
    expect(fixture.history().slice(-2)).toEqual(['deploy(development): inventory-api 1.0.11111111', 'deploy(development): renting-api 1.0.22222222']);
    const overlay = git(fixture.remote, ['show', 'main:environments/development.yaml']);
    expect(overlay).toContain('inventory-api: 1.0.11111111');
    expect(overlay).toContain('renting-api: 1.0.22222222');
    const check = fixture.clone();
    expect(treeDifferences(synthesize(check).files, readTree(path.join(check, 'dist')))).toEqual([]);
  });

  it('renders again on retry when more than tags moved (a replica count, here)', async () => {
    const first = fixture.clone();
    const second = fixture.clone();
    const overlay = path.join(first, 'environments', 'development.yaml');
    fs.writeFileSync(overlay, fs.readFileSync(overlay, 'utf8').replace(/^defaultReplicas: \d+$/m, 'defaultReplicas: 2'));
    writeTree(path.join(first, 'dist'), synthesize(first).files);
    git(first, ['commit', '--quiet', '-am', 'development: two replicas']);
    git(first, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
    const lines: string[] = [];
    await bump(['development', 'clients-api', '1.0.33333333'], { root: second, log: (l) => lines.push(l), sleep: noSleep });
    expect(lines).toContain('bump: pushed to origin/main (attempt 2)');
    expect(lines.filter((l) => l.includes('still holds'))).toEqual([]);
    const check = fixture.clone();
    expect(fs.readFileSync(path.join(check, 'dist', 'eks-acg', 'development', 'clients-api.yaml'), 'utf8')).toMatch(/^ {2}replicas: 2$/m);
    expect(treeDifferences(synthesize(check).files, readTree(path.join(check, 'dist')))).toEqual([]);
  });

  describe('bad arguments leave the clone and the remote unchanged', () => {
    let clone: string;
    beforeAll(() => {
      clone = fixture.clone();
    });

    it.each([
      [['staging', 'clients-api', '1.0.abcdef12'], `unknown environment "staging" (known: ${model.environments.map((e) => e.name).join(', ')})`],
      [['development', 'books-api', '1.0.abcdef12'], `unknown service "books-api" (known: ${model.services.map((s) => s.name).join(', ')})`],
      [['development', 'front-end-proxy', '1.0.abcdef12'], 'front-end-proxy has no tag to bump: its image is pinned in services/front-end-proxy.ts'],
      [['development', 'clients-api', 'latest'], 'tag "latest" is not MAJOR.MINOR.<7-40 hex digits> or semver'],
      [['development', 'clients-api', '1.0.xyz1234'], 'tag "1.0.xyz1234" is not MAJOR.MINOR.<7-40 hex digits> or semver'],
      [
        ['production', 'clients-api', '1.0.abcdef12'],
        'production changes by pull request, not by bump: run `bookstore promote <from-env> production clients-api`',
      ],
      [
        ['development', 'clients-api'],
        'usage: bookstore bump <env> <service> <tag> [--no-push] [--remote origin] [--branch main] [--max-tries 10] [--backoff-ms 500]',
      ],
      [['development', 'clients-api', '1.0.abcdef12', '--force'], expect.stringMatching(/^unknown option --force; usage: bookstore bump/)],
      [['development', 'clients-api', '1.0.abcdef12', '--max-tries', '0'], expect.stringMatching(/^--max-tries takes a whole number/)],
      [['development', 'clients-api', '1.0.abcdef12', '--backoff-ms', '-1'], expect.stringMatching(/^--backoff-ms takes a whole number ≥ 0/)],
    ])('%j', async (argv, message) => {
      const before = fixture.state(clone);
      const refs = fixture.refs();
      const error = await bump(argv as string[], { root: clone, log: () => undefined }).catch((e) => e);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toEqual(message);
      expect(fixture.state(clone)).toEqual(before);
      expect(fixture.refs()).toBe(refs);
    });

    it('refuses to run over uncommitted changes to an overlay', async () => {
      const overlay = path.join(clone, 'environments', 'development.yaml');
      fs.appendFileSync(overlay, '# local edit\n');
      try {
        const before = fixture.state(clone);
        const error = await bump(['development', 'clients-api', '1.0.abcdef12'], { root: clone, log: () => undefined }).catch((e) => e);
        expect(error.message).toBe(
          'uncommitted changes in environments/development.yaml: a bump renders and commits what is committed; commit or discard them first',
        );
        expect(fixture.state(clone)).toEqual(before);
      } finally {
        git(clone, ['checkout', '--', 'environments/development.yaml']);
      }
    });
  });

  it.each([
    [
      'an edited service file',
      (clone: string) => fs.appendFileSync(path.join(clone, 'services', 'clients-api.ts'), '// local edit\n'),
      'services/clients-api.ts',
    ],
    ['a new file not committed', (clone: string) => fs.writeFileSync(path.join(clone, 'lib', 'scratch.ts'), 'export {};\n'), 'lib/scratch.ts'],
    ['an edited add-on', (clone: string) => fs.appendFileSync(path.join(clone, 'platform', 'external-dns.ts'), '// local edit\n'), 'platform/external-dns.ts'],
  ])('renders only what is committed: refuses %s, nothing changed', async (_what, edit, file) => {
    const clone = fixture.clone();
    edit(clone);
    const before = fixture.state(clone);
    const refs = fixture.refs();
    const error = await bump(['development', 'clients-api', '1.0.abcdef12'], { root: clone, log: () => undefined }).catch((e) => e);
    expect(error.message).toBe(`uncommitted changes in ${file}: a bump renders and commits what is committed; commit or discard them first`);
    expect(fixture.state(clone)).toEqual(before);
    expect(fixture.refs()).toBe(refs);
  });

  it('from a branch with commits of its own: refuses to push them, names one, changes nothing', async () => {
    const clone = fixture.clone();
    git(clone, ['checkout', '--quiet', '-b', 'feature']);
    fs.appendFileSync(path.join(clone, 'services', 'clients-api.ts'), '// unreviewed\n');
    git(clone, ['commit', '--quiet', '-am', 'unreviewed change']);
    const subject = git(clone, ['log', '-1', '--format=%h %s']).trim();
    const before = fixture.state(clone);
    const refs = fixture.refs();
    const error = await bump(['development', 'clients-api', '1.0.abcdef12'], { root: clone, log: () => undefined }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      `HEAD has 1 commit(s) that are not on origin/main (${subject}): a bump would push them unreviewed; run it on a checkout of origin/main`,
    );
    expect(fixture.state(clone)).toEqual(before);
    expect(fixture.refs()).toBe(refs);
  });

  it("a push that fails for another reason than a race: one whole line with git's cause, no commit left, overlay and dist/ as they were", async () => {
    const clone = fixture.clone();
    const before = fixture.state(clone);
    const head = git(clone, ['rev-parse', 'HEAD']).trim();
    git(clone, ['remote', 'set-url', 'origin', path.join(fixture.dir, 'no-such-remote.git')]);
    git(clone, ['update-ref', '-d', 'refs/remotes/origin/main']);
    const error = await bump(['development', 'clients-api', '1.0.abcdef12'], { root: clone, log: () => undefined }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(/^fetch of origin\/main failed: fatal: '.*no-such-remote\.git' does not appear to be a git repository; nothing was changed$/);
    expect(git(clone, ['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(fixture.state(clone)).toEqual(before);
  });

  it('a push refused by the remote (not a race): the cause in one line, the local commit undone', async () => {
    const clone = fixture.clone();
    const before = fixture.state(clone);
    const head = git(clone, ['rev-parse', 'HEAD']).trim();
    const hook = path.join(fixture.remote, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, '#!/bin/sh\necho "pushes are closed for maintenance" >&2\nexit 1\n', { mode: 0o755 });
    try {
      const error = await bump(['development', 'clients-api', '1.0.abcdef12'], { root: clone, log: () => undefined }).catch((e) => e);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(/^push to origin\/main failed: .+; nothing was changed \(the checkout is back at [0-9a-f]{12}\)$/);
      expect(error.message).not.toMatch(/failed: and the repository exists/);
      expect(git(clone, ['rev-parse', 'HEAD']).trim()).toBe(head);
      expect(fixture.state(clone)).toEqual(before);
    } finally {
      fs.rmSync(hook);
    }
  });

  it('without a git identity: the commit fails in one line and the overlay and dist/ are put back', async () => {
    const clone = fixture.clone();
    git(clone, ['config', '--unset', 'user.name']);
    git(clone, ['config', '--unset', 'user.email']);
    git(clone, ['config', 'user.useConfigOnly', 'true']);
    const before = fixture.state(clone);
    const saved = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };
    process.env.GIT_CONFIG_GLOBAL = '/dev/null';
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    try {
      const error = await bump(['development', 'clients-api', '1.0.abcdef12'], { root: clone, log: () => undefined }).catch((e) => e);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(/^git commit failed: .+; nothing was changed \(the checkout is back at [0-9a-f]{12}\)$/);
      expect(fixture.state(clone)).toEqual(before);
    } finally {
      for (const [key, value] of Object.entries(saved))
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
    }
  });

  it('outside a git checkout: one line naming the folder and what git said, nothing written', async () => {
    const project = linkProject(['environments', 'dist']);
    try {
      const before = snapshotDir(project, ['node_modules']);
      const error = await bump(['development', 'clients-api', '1.0.abcdef12'], { root: project, log: () => undefined }).catch((e) => e);
      expect(error).toBeInstanceOf(UserError);
      // What git itself says there: "not a git repository", or that it stopped at a file system's
      // boundary when the temporary folder is a mount of its own (a tmpfs).
      const said = (() => {
        try {
          git(project, ['status', '--porcelain']);
        } catch (err) {
          return gitLine(err);
        }
        throw new Error(`${project} is inside a git checkout`);
      })();
      expect(error.message).toBe(`git status failed in ${project}: ${said}`);
      expect(snapshotDir(project, ['node_modules'])).toEqual(before);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  it('runs from the command line as `npx bookstore bump`: one line and exit 1 on a bad tag', () => {
    const clone = fixture.clone();
    const run = spawnSync('npx', ['bookstore', 'bump', 'development', 'clients-api', 'v1'], { cwd: clone, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn'))).toEqual([
      'bookstore: tag "v1" is not MAJOR.MINOR.<7-40 hex digits> or semver',
    ]);
  });
});

describe('bump renders only the environment it changes', () => {
  let fixture: GitFixture;
  beforeAll(() => {
    // Every environment made bumpable, so that a sequence of bumps alternates between them.
    fixture = new GitFixture((seed) => {
      for (const file of fs.readdirSync(path.join(seed, 'environments'))) {
        const overlay = path.join(seed, 'environments', file);
        fs.writeFileSync(overlay, fs.readFileSync(overlay, 'utf8').replace('  automated: false', '  automated: true'));
      }
      writeTree(path.join(seed, 'dist'), synthesize(seed).files);
    });
  });
  afterAll(() => fixture.remove());

  /** Sets `service`'s tag in `envName`'s overlay of `clone` and re-renders as a bump does; returns the count it reports. */
  function retag(clone: string, envName: string, service: string, tag: string): number {
    const overlay = path.join(clone, 'environments', `${envName}.yaml`);
    const before = fs.readFileSync(overlay, 'utf8');
    const after = setImageTag(before, service, tag);
    fs.writeFileSync(overlay, after);
    return renderOverlayChange(clone, path.join(clone, 'dist'), envName, before, after);
  }

  it('after a sequence of bumps in every environment, dist/ is byte-identical to a full synth', async () => {
    const clone = fixture.clone();
    const project = synthesize(clone).project;
    const bumpable = project.services.filter((s) => s.image.kind === 'ecr').map((s) => s.name);
    expect(project.environments.filter((e) => e.sync.automated).length).toBeGreaterThanOrEqual(2);
    let n = 0;
    for (const environment of project.environments) {
      for (const service of bumpable.slice(0, 3)) {
        const tag = `3.0.${String(++n).padStart(8, 'c')}`;
        const lines: string[] = [];
        await bump([environment.name, service, tag, '--no-push'], { root: clone, log: (l) => lines.push(l) });
        expect(lines[0]).toBe('bump: rendered dist/ (1 file(s) changed)');
        // The commit touches the overlay and that service's file in that environment's folder, nothing else.
        expect(git(clone, ['show', '--name-only', '--format=', 'HEAD']).split('\n').filter(Boolean).sort()).toEqual([
          `dist/${environment.cluster}/${environment.name}/${service}.yaml`,
          `environments/${environment.name}.yaml`,
        ]);
      }
    }
    expect(treeDifferences(synthesize(clone).files, readTree(path.join(clone, 'dist')))).toEqual([]);
  });

  it("reads only the overlays on its environment's cluster, and still renders what a full synth renders there", () => {
    // A second cluster, a copy of the first under another name, with copies of its environments.
    const dir = linkProject(['clusters', 'environments']);
    try {
      const project = loadProject(dir);
      const [cluster] = project.clusters;
      const other = `${cluster.name}-second`;
      const definition = fs.readFileSync(path.join(dir, 'clusters', `${cluster.name}.ts`), 'utf8');
      fs.writeFileSync(path.join(dir, 'clusters', `${other}.ts`), definition.split(`'${cluster.name}'`).join(`'${other}'`));
      fs.copyFileSync(path.join(dir, 'clusters', `${cluster.name}.context.json`), path.join(dir, 'clusters', `${other}.context.json`));
      for (const environment of project.environments.filter((e) => e.cluster === cluster.name)) {
        const text = fs.readFileSync(path.join(dir, 'environments', `${environment.name}.yaml`), 'utf8');
        // Its own public hosts: two environments may not publish the same one.
        const copy = text.replace(`cluster: ${cluster.name}`, `cluster: ${other}`).replace(/^hostSuffix: .*$/m, `hostSuffix: -second-${environment.name}`);
        fs.writeFileSync(path.join(dir, 'environments', `${environment.name}-second.yaml`), copy);
      }
      const full = synthesize(dir);
      expect(full.project.clusters.map((c) => c.name).sort()).toEqual([...project.clusters.map((c) => c.name), other].sort());
      writeTree(path.join(dir, 'dist'), full.files);
      const [first] = project.environments;
      const service = project.services.find((s) => s.image.kind === 'ecr')!.name;
      // A mistake in an overlay of the other cluster stops a full synth; the bump never reads that overlay.
      const broken = path.join(dir, 'environments', `${first.name}-second.yaml`);
      const intact = fs.readFileSync(broken, 'utf8');
      fs.writeFileSync(broken, intact.replace('images:', 'images: [unclosed'));
      expect(() => synthesize(dir)).toThrow(`environments/${first.name}-second.yaml`);
      expect(retag(dir, first.name, service, '4.0.abcdef11')).toBe(1);
      fs.writeFileSync(broken, intact);
      expect(treeDifferences(synthesize(dir).files, readTree(path.join(dir, 'dist')))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not load the cluster files of other clusters: one that cannot load stops a full synth, not a bump', () => {
    const dir = linkProject(['clusters', 'environments', 'dist']);
    try {
      const project = loadProject(dir);
      const [cluster] = project.clusters;
      const other = `${cluster.name}-broken`;
      const environment = project.environments.find((e) => e.cluster === cluster.name)!;
      const service = project.services.find((s) => s.image.kind === 'ecr')!.name;
      fs.writeFileSync(path.join(dir, 'clusters', `${other}.ts`), "throw new Error('this cluster file is broken');\n");
      const node = (script: string) => spawnSync(process.execPath, ['--require', path.join(dir, 'bin', 'ts.js'), '-e', script], { cwd: dir, encoding: 'utf8' });
      expect(synthInProcess(dir)).toEqual({ status: 1, stderr: `synth: clusters/${other}.ts:1: cannot be loaded: this cluster file is broken` });
      const retagged = node(`
        const fs = require('fs'), path = require('path');
        const { setImageTag } = require('./lib/load/overlay.ts');
        const { renderOverlayChange } = require('./lib/synth.ts');
        const overlay = path.join('environments', ${JSON.stringify(`${environment.name}.yaml`)});
        const before = fs.readFileSync(overlay, 'utf8');
        const after = setImageTag(before, ${JSON.stringify(service)}, '4.0.abcdef18');
        fs.writeFileSync(overlay, after);
        console.log(renderOverlayChange('.', 'dist', ${JSON.stringify(environment.name)}, before, after));`);
      expect(retagged.stderr).toBe('');
      expect(retagged.stdout.trim()).toBe('1');
      expect(fs.readFileSync(path.join(dir, 'dist', cluster.name, environment.name, `${service}.yaml`), 'utf8')).toContain(':4.0.abcdef18');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a change of one tag writes that service's file only: the other files of the folder are not written again", () => {
    const clone = fixture.clone();
    const { project } = synthesize(clone);
    for (const environment of project.environments) {
      const folder = path.join(clone, 'dist', environment.cluster, environment.name);
      const service = project.services.find((s) => s.image.kind === 'ecr')!.name;
      const inodes = () => new Map(fs.readdirSync(folder).map((name) => [name, fs.statSync(path.join(folder, name)).ino]));
      const before = inodes();
      expect(retag(clone, environment.name, service, '4.0.abcdef12')).toBe(1);
      const after = inodes();
      // A written file is renamed into place (a new inode); every other file is the one that was there.
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      expect([...after].filter(([name, ino]) => before.get(name) !== ino).map(([name]) => name)).toEqual([`${service}.yaml`]);
    }
    expect(treeDifferences(synthesize(clone).files, readTree(path.join(clone, 'dist')))).toEqual([]);
  });

  it('puts back a file of the folder missing on disk and drops what does not belong there, as a full synth would', () => {
    const clone = fixture.clone();
    const { project } = synthesize(clone);
    const [environment] = project.environments;
    const folder = path.join(clone, 'dist', environment.cluster, environment.name);
    const [service, other] = project.services.filter((s) => s.image.kind === 'ecr').map((s) => s.name);
    fs.rmSync(path.join(folder, `${other}.yaml`));
    fs.writeFileSync(path.join(folder, 'stray.yaml'), 'kind: ConfigMap\n');
    // What a write killed part-way leaves: a staged file of a process that no longer runs.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(folder, `.${service}.yaml.new-${dead}-0`), 'half');
    expect(retag(clone, environment.name, service, '4.0.abcdef13')).toBe(4);
    expect(treeDifferences(synthesize(clone).files, readTree(path.join(clone, 'dist')))).toEqual([]);
    expect(fs.readdirSync(folder).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('writes the file of a service the overlay had no tag for before, and copes with an overlay before that does not parse', () => {
    const clone = fixture.clone();
    const { project } = synthesize(clone);
    const [environment] = project.environments;
    const [service] = project.services.filter((s) => s.image.kind === 'ecr').map((s) => s.name);
    const overlay = path.join(clone, 'environments', `${environment.name}.yaml`);
    const current = fs.readFileSync(overlay, 'utf8');
    const before = current.replace(new RegExp(`^ +${service}: .*\\n`, 'm'), '');
    expect(before).not.toBe(current);
    const after = setImageTag(current, service, '4.0.abcdef14');
    fs.writeFileSync(overlay, after);
    expect(renderOverlayChange(clone, path.join(clone, 'dist'), environment.name, before, after)).toBe(1);
    expect(treeDifferences(synthesize(clone).files, readTree(path.join(clone, 'dist')))).toEqual([]);
    // Nothing to tell which tags moved: every file of the folder is emitted and compared, and only the changed one written.
    const again = setImageTag(after, service, '4.0.abcdef17');
    fs.writeFileSync(overlay, again);
    expect(renderOverlayChange(clone, path.join(clone, 'dist'), environment.name, 'images: [unclosed', again)).toBe(1);
    expect(treeDifferences(synthesize(clone).files, readTree(path.join(clone, 'dist')))).toEqual([]);
  });

  /**
   * Adds `variables` (TypeScript of an object, given the service's `environment`) to the env of
   * services/<service>.ts in `clone`, keeping what the file sets, and renders dist/ anew. Call it
   * before anything loads the clone's services: a module loads once per path.
   */
  function addEnv(clone: string, service: string, variables: string): void {
    const file = path.join(clone, 'services', `${service}.ts`);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('export default defineService(');
    fs.writeFileSync(
      file,
      `${text.replace('export default defineService(', 'const definition = defineService(')}
export default defineService({
  ...definition,
  env: (context) => ({ ...definition.env?.(context), ...((environment: typeof context.environment) => (${variables}))(context.environment) }),
});
`,
    );
    writeTree(path.join(clone, 'dist'), synthesize(clone).files);
  }

  it("refuses a service file that reads another service's tag, naming the file: a tag feeds its own service's file only", () => {
    const { project } = synthesize(fixture.clone());
    const clone = fixture.clone();
    const [environment] = project.environments;
    const [service, reader] = project.services.filter((s) => s.image.kind === 'ecr').map((s) => s.name);
    expect(() => addEnv(clone, reader, `{ PEER_VERSION: environment.images['${service}'] }`)).toThrow(
      `services/${reader}.ts: reads the tag of ${service} (environments/${environment.name}.yaml, images); a service sees its own tag only`,
    );
  });

  it('refuses a tag whose render breaks a posture rule, naming it, and writes nothing', () => {
    const { project } = synthesize(fixture.clone());
    const clone = fixture.clone();
    const [environment] = project.environments;
    const [service] = project.services.filter((s) => s.image.kind === 'ecr').map((s) => s.name);
    // A value that looks like an AWS access key id, only once the tag is 4.0.abcdef16.
    addEnv(clone, service, `environment.images['${service}'] === '4.0.abcdef16' ? { KEY: 'AKIA' + 'Q'.repeat(16) } : {}`);
    const dist = readTree(path.join(clone, 'dist'));
    expect(() => retag(clone, environment.name, service, '4.0.abcdef16')).toThrow(
      new RegExp(`^1 policy finding\\(s\\), first: dist/${environment.cluster}/${environment.name}/${service}\\.yaml: Deployment/${service}: no-secrets: `),
    );
    expect(readTree(path.join(clone, 'dist'))).toEqual(dist);
  });

  it('an overlay change beyond images renders everything', () => {
    const clone = fixture.clone();
    const overlay = path.join(clone, 'environments', 'development.yaml');
    const before = fs.readFileSync(overlay, 'utf8');
    // The namespace feeds the AppProject's destinations and the Application in argocd/ too.
    const after = before.replace('namespace: development', 'namespace: dev');
    fs.writeFileSync(overlay, after);
    const changed = renderOverlayChange(clone, path.join(clone, 'dist'), 'development', before, after);
    const differences = treeDifferences(synthesize(clone).files, readTree(path.join(clone, 'dist')));
    expect(differences).toEqual([]);
    expect(changed).toBeGreaterThan(0);
    expect(
      git(clone, ['status', '--porcelain', '--', 'dist'])
        .split('\n')
        .some((l) => l.includes('/argocd/')),
    ).toBe(true);
  });
});
