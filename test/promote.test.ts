import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { bump } from '../lib/commands/bump';
import { diff } from '../lib/commands/diff';
import { status } from '../lib/commands/status';
import { git } from '../lib/commands/git';
import { loadProject } from '../lib/load/project';
import { builtServices } from '../lib/model/service';
import { main, VERB_NAMES } from '../lib/cli';
import { UserError, userErrorLine } from '../lib/model/errors';
import { GitFixture } from './git-fixture';
import { ROOT } from './helpers';
import { serviceNode } from '../lib/output/picture';
import { meshProviderOf } from '../lib/render/mesh';
import { readTree, synthesize, treeDifferences } from '../lib/synth';

// A promote renders and pushes; on a busy machine that can take a while (a limit, not a timing assertion).
jest.setTimeout(180000);

const BIN = path.join(__dirname, '..', 'bin', 'bookstore.js');

/** A stand-in for a provider's API on 127.0.0.1 that records every request; `route` answers [status, body]. */
class FakeApi {
  readonly requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: any }> = [];
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: body ? JSON.parse(body) : undefined };
      this.requests.push(request);
      const [status, reply] = this.route(request);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });

  constructor(private route: (req: { method: string; url: string; headers: http.IncomingHttpHeaders; body: any }) => [number, unknown]) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The requests that create a pull request. */
  creates(): Array<{ body: any }> {
    return this.requests.filter(
      (r) => (r.method === 'POST' && r.url.endsWith('/pulls')) || r.headers['x-amz-target'] === 'CodeCommit_20150413.CreatePullRequest',
    );
  }
}

/** A GitHub API with the repository readable and writable, `open` pull requests listed, and `create` answering the POST. */
function github(open: unknown[] = [], create: [number, unknown] = [201, { number: 7, html_url: 'https://github.com/example-org/bookstore-gitops/pull/7' }]) {
  return new FakeApi((req) => {
    if (req.method === 'GET' && /^\/repos\/[^/]+\/[^/]+$/.test(req.url)) return [200, { full_name: 'x', permissions: { push: true } }];
    if (req.method === 'GET' && req.url.includes('/pulls')) return [200, open];
    if (req.method === 'POST' && req.url.endsWith('/pulls')) return create;
    return [404, { message: 'Not Found' }];
  });
}

/** A CodeCommit API (AWS JSON protocol) with the repository present and no open pull request. */
function codecommit(getRepository: [number, unknown] = [200, { repositoryMetadata: { repositoryName: 'bookstore-gitops' } }]) {
  return new FakeApi((req) => {
    switch (req.headers['x-amz-target']) {
      case 'CodeCommit_20150413.GetRepository':
        return getRepository;
      case 'CodeCommit_20150413.ListPullRequests':
        return [200, { pullRequestIds: [] }];
      case 'CodeCommit_20150413.CreatePullRequest':
        return [200, { pullRequest: { pullRequestId: '42', title: 't' } }];
      default:
        return [400, { __type: 'InvalidOperationException', message: 'unexpected' }];
    }
  });
}

const AWS_ENV = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a verb in this process, as the command line does (lib/cli `main`, with `env` set meanwhile):
 * what it printed, and for a user mistake the one line and exit code the command prints. Anything
 * else is a bug and fails the test with its stack. Starting the command as a process costs about a
 * second each time; `runProcess` does that where the process itself is what a test is about.
 */
async function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const lines: string[] = [];
  const stdout = () => lines.map((l) => `${l}\n`).join('');
  try {
    await main(args, cwd, (l) => lines.push(l));
    return { status: 0, stdout: stdout(), stderr: '' };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { status: 1, stdout: stdout(), stderr: `${userErrorLine('bookstore', err)}\n` };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Runs the installed command as a user would, without blocking this process (the fake API answers from it). */
function runProcess(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as any).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('promote, status and diff', () => {
  let fixture: GitFixture;
  // The clone the tests promote and look from: promote and status never change a user's checkout
  // (the tests check that each time), so one serves them all; the tests that change files have their own.
  let checkout: string;
  beforeAll(async () => {
    fixture = new GitFixture();
    const clone = fixture.clone();
    await bump(['development', 'clients-api', '1.0.0aaaaaaa'], { root: clone, log: () => undefined });
    await bump(['development', 'renting-api', '1.0.0bbbbbbb'], { root: clone, log: () => undefined, sleep: async () => undefined });
    checkout = fixture.clone();
  }, 60000);
  afterAll(() => fixture.remove());

  it('status shows each tag and where production is behind development', async () => {
    const lines: string[] = [];
    await status([], { root: checkout, log: (l) => lines.push(l) });
    expect(lines[0]).toBe('cluster eks-acg: development → production');
    expect(lines[1]).toMatch(/^service\s+development\s+production$/);
    expect(lines.find((l) => l.startsWith('clients-api'))).toMatch(/^clients-api\s+1\.0\.0aaaaaaa\s+1\.0\.3b9e1c27 \(behind development\)$/);
    expect(lines.find((l) => l.startsWith('front-end'))).toMatch(/^front-end\s+1\.0\.af873c03\s+1\.0\.af873c03$/);
    expect(lines[lines.length - 1]).toBe('status: 2 service(s) behind; `bookstore promote` opens the pull request');
  });

  it('promote opens exactly one GitHub pull request with the tags and the rendered changes', async () => {
    const api = github();
    const url = await api.start();
    try {
      const clone = checkout;
      const head = git(clone, ['rev-parse', 'HEAD']);
      const result = await run(
        clone,
        ['promote', 'development', 'production', '--provider', 'github', '--repo', 'example-org/bookstore-gitops', '--api-url', url],
        { GITHUB_TOKEN: 'test-token' },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('promote: opened https://github.com/example-org/bookstore-gitops/pull/7');
      // The repository is read first (credentials and API), then open pull requests, then one is created.
      expect(api.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
        'GET /repos/example-org/bookstore-gitops',
        'GET /repos/example-org/bookstore-gitops/pulls',
        'POST /repos/example-org/bookstore-gitops/pulls',
      ]);
      const request = api.requests[2];
      expect(request.url).toBe('/repos/example-org/bookstore-gitops/pulls');
      expect(request.headers.authorization).toBe('token test-token');
      const branch = request.body.head;
      expect(branch).toMatch(/^promote\/production-[0-9a-f]{8}$/);
      expect(request.body).toMatchObject({ base: 'main', title: 'promote(production): clients-api 1.0.0aaaaaaa, renting-api 1.0.0bbbbbbb' });
      const body: string = request.body.body;
      expect(body).toContain('| clients-api | `1.0.3b9e1c27` | `1.0.0aaaaaaa` |');
      expect(body).toContain('| renting-api | `1.0.c81e4b6a` | `1.0.0bbbbbbb` |');
      expect(body).toContain('| Deployment | 0 | 2 | 0 |');
      expect(body).toContain('- changed `Deployment/production/clients-api` in `dist/eks-acg/production`');
      // The image is long: the body keeps its repository name and tag, where it changes.
      expect(body).toContain('  - `spec.template.spec.containers[0].image`: `…bookstore.clients-api:1.0.3b9e1c27` → `…bookstore.clients-api:1.0.0aaaaaaa`');
      // The target environment's picture, the promoted services highlighted.
      expect(body).toContain('```mermaid\nflowchart LR\n');
      expect(body).toContain(`  class ${serviceNode('clients-api')},${serviceNode('renting-api')} changed\n`);
      // The branch on the remote holds the change, rendered; the clone is back on main, untouched.
      const overlay = git(fixture.remote, ['show', `${branch}:environments/production.yaml`]);
      expect(overlay).toContain('clients-api: 1.0.0aaaaaaa');
      expect(git(fixture.remote, ['show', `${branch}:dist/eks-acg/production/renting-api.yaml`])).toContain('bookstore.renting-api:1.0.0bbbbbbb');
      expect(git(fixture.remote, ['show', 'main:environments/production.yaml'])).toContain('clients-api: 1.0.3b9e1c27');
      expect(git(clone, ['rev-parse', 'HEAD'])).toBe(head);
      expect(git(clone, ['status', '--porcelain'])).toBe('');
      expect(git(clone, ['branch', '--list'])).toBe('* main\n');
      // Promote renders only production's folder: the branch's dist/ is what a full synth of it renders.
      const check = fixture.clone();
      git(check, ['checkout', '--quiet', branch]);
      expect(treeDifferences(synthesize(check).files, readTree(path.join(check, 'dist')))).toEqual([]);
    } finally {
      await api.stop();
    }
  });

  it('promote opens a CodeCommit pull request through the AWS SDK, for the named service only', async () => {
    const api = codecommit();
    const url = await api.start();
    try {
      const clone = checkout;
      const result = await run(
        clone,
        [
          'promote',
          'development',
          'production',
          'renting-api',
          '--provider',
          'codecommit',
          '--repo',
          'bookstore-gitops',
          '--region',
          'us-east-1',
          '--api-url',
          url,
        ],
        AWS_ENV,
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(api.requests.map((r) => r.headers['x-amz-target'])).toEqual([
        'CodeCommit_20150413.GetRepository',
        'CodeCommit_20150413.ListPullRequests',
        'CodeCommit_20150413.CreatePullRequest',
      ]);
      expect(api.creates()[0].body).toMatchObject({
        title: 'promote(production): renting-api 1.0.0bbbbbbb',
        targets: [{ repositoryName: 'bookstore-gitops', sourceReference: expect.stringMatching(/^promote\/production-/), destinationReference: 'main' }],
      });
      expect(api.creates()[0].body.description).not.toContain('| clients-api |');
      expect(api.creates()[0].body.description).not.toContain('clients-api` in');
      expect(result.stdout).toContain(
        'promote: opened https://us-east-1.console.aws.amazon.com/codesuite/codecommit/repositories/bookstore-gitops/pull-requests/42',
      );
    } finally {
      await api.stop();
    }
  });

  it('promote with nothing to promote says so and makes no branch', async () => {
    const clone = checkout;
    const refs = fixture.refs();
    const result = await run(clone, ['promote', 'development', 'production', 'front-end', '--provider', 'github', '--repo', 'o/r']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('promote: nothing to promote: on origin/main, production already runs the development tags of front-end');
    expect(fixture.refs()).toBe(refs);
    expect(git(clone, ['branch', '--list'])).toBe('* main\n');
  });

  it.each([
    [
      ['development', 'staging'],
      `bookstore: unknown environment "staging" (known: ${loadProject(ROOT)
        .environments.map((e) => e.name)
        .join(', ')})`,
    ],
    [
      ['development', 'production', 'books-api'],
      `bookstore: "books-api" is not a service with an image tag (known: ${builtServices(loadProject(ROOT).services).join(', ')})`,
    ],
    [
      ['development', 'production'],
      expect.stringMatching(/^bookstore: cannot tell where to open the pull request from the remote URL .*: pass --provider github\|codecommit and --repo$/),
    ],
  ])('promote %j fails with one line and changes nothing', async (args, message) => {
    const clone = checkout;
    const before = fixture.state(clone);
    const refs = fixture.refs();
    const result = await run(clone, ['promote', ...(args as string[])]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([message]);
    expect(fixture.state(clone)).toEqual(before);
    expect(fixture.refs()).toBe(refs);
  });

  it('a refused pull request leaves the pushed branch and says so, the clone back on main', async () => {
    const api = github([], [422, { message: 'Validation Failed' }]);
    const url = await api.start();
    try {
      const clone = checkout;
      const result = await run(clone, ['promote', 'development', 'production', 'clients-api', '--provider', 'github', '--repo', 'o/r', '--api-url', url], {
        GITHUB_TOKEN: 't',
      });
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe('bookstore: GitHub refused the pull request (422): Validation Failed');
      expect(result.stdout).toMatch(/promote: branch promote\/production-[0-9a-f]{8} is on origin, but no pull request was opened; run the same command again/);
      expect(git(clone, ['rev-parse', '--abbrev-ref', 'HEAD']).trim()).toBe('main');
      const branch = /branch (\S+) is on origin/.exec(result.stdout)![1];
      expect(git(fixture.remote, ['show', `${branch}:environments/production.yaml`])).toContain('clients-api: 1.0.0aaaaaaa');
    } finally {
      await api.stop();
    }
  });

  it('promote from a feature branch carries only the overlay change and its render, built from origin/main', async () => {
    const api = github();
    const url = await api.start();
    try {
      const clone = fixture.clone();
      // Unrelated local work: a source change with its render, committed on a feature branch, never pushed.
      git(clone, ['checkout', '--quiet', '-b', 'feature']);
      const file = path.join(clone, 'services', 'inventory-api.ts');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("health: { httpPath: '/summary' }", "health: { httpPath: '/health' }"));
      fs.writeFileSync(path.join(clone, 'notes.txt'), 'local only\n');
      git(clone, ['add', '--all']);
      git(clone, ['commit', '--quiet', '-m', 'unrelated work']);
      fs.writeFileSync(path.join(clone, 'scratch.txt'), 'uncommitted\n');
      const before = fixture.state(clone);
      const result = await run(
        path.join(clone, 'services'),
        ['promote', 'development', 'production', 'clients-api', '--provider', 'github', '--repo', 'o/r', '--api-url', url],
        { GITHUB_TOKEN: 't' },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const branch = api.creates()[0].body.head;
      const changed = git(fixture.remote, ['diff', '--name-only', 'main', branch]).split('\n').filter(Boolean);
      const production = loadProject(clone).environments.find((e) => e.name === 'production')!;
      expect(changed).toContain('environments/production.yaml');
      expect(changed.filter((f) => f !== 'environments/production.yaml').every((f) => f.startsWith(`dist/${production.cluster}/production/`))).toBe(true);
      expect(git(fixture.remote, ['log', '--format=%s', `main..${branch}`]).trim()).toBe('promote(production): clients-api 1.0.0aaaaaaa');
      // The user's branch, index and files as they were.
      expect(fixture.state(clone)).toEqual(before);
      expect(git(clone, ['rev-parse', '--abbrev-ref', 'HEAD']).trim()).toBe('feature');
      expect(git(clone, ['worktree', 'list']).trim().split('\n')).toHaveLength(1);
    } finally {
      await api.stop();
    }
  });

  it('promote run again reuses the branch and reports the open pull request instead of opening another', async () => {
    const first = github();
    const url1 = await first.start();
    const clone = checkout;
    const args = ['promote', 'development', 'production', 'renting-api', '--provider', 'github', '--repo', 'o/r'];
    let branch: string;
    try {
      const result = await run(clone, [...args, '--api-url', url1], { GITHUB_TOKEN: 't' });
      expect(result.status).toBe(0);
      branch = first.creates()[0].body.head;
    } finally {
      await first.stop();
    }
    const refs = fixture.refs();
    const second = github([{ number: 9, html_url: 'https://github.com/o/r/pull/9', head: { ref: branch } }]);
    const url2 = await second.start();
    try {
      const result = await run(clone, [...args, '--api-url', url2], { GITHUB_TOKEN: 't' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`promote: reused ${branch} on origin: it already holds this change on main`);
      expect(result.stdout).toContain('promote: a pull request for this change is already open: https://github.com/o/r/pull/9');
      expect(second.creates()).toHaveLength(0);
      expect(fixture.refs()).toBe(refs);
    } finally {
      await second.stop();
    }
  });

  it('promote replaces a branch of the same change that holds something else', async () => {
    const api = github();
    const url = await api.start();
    try {
      const clone = checkout;
      const args = ['promote', 'development', 'production', 'clients-api', '--provider', 'github', '--repo', 'o/r', '--api-url', url];
      // A stale branch of that name (e.g. a push cut short) holding only main.
      const fingerprintBranch = (await run(clone, args, { GITHUB_TOKEN: 't' })).stdout.match(/(?:pushed|reused) (promote\/\S+)/)![1];
      git(fixture.remote, ['update-ref', `refs/heads/${fingerprintBranch}`, 'main']);
      const result = await run(clone, args, { GITHUB_TOKEN: 't' });
      expect([result.status, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toContain(`promote: replaced ${fingerprintBranch} on origin (it held an older render)`);
      expect(git(fixture.remote, ['show', `${fingerprintBranch}:environments/production.yaml`])).not.toBe(
        git(fixture.remote, ['show', 'main:environments/production.yaml']),
      );
    } finally {
      await api.stop();
    }
  });

  it.each([
    // As a process: the installed command loads Octokit, an ES module, through Node's own import().
    [
      'GitHub rejects the token (the installed command)',
      () => new FakeApi(() => [401, { message: 'Bad credentials' }]),
      ['--provider', 'github', '--repo', 'o/r'],
      { GITHUB_TOKEN: 'bad' },
      'bookstore: GitHub does not accept GITHUB_TOKEN (401 Bad credentials)',
      runProcess,
    ],
    [
      'GitHub has no such repository',
      () => new FakeApi(() => [404, { message: 'Not Found' }]),
      ['--provider', 'github', '--repo', 'o/r'],
      { GITHUB_TOKEN: 't' },
      'bookstore: GitHub has no repository o/r that GITHUB_TOKEN can see (404)',
      run,
    ],
    [
      'CodeCommit has no such repository',
      () => codecommit([400, { __type: 'RepositoryDoesNotExistException', message: 'bookstore-gitops does not exist' }]),
      ['--provider', 'codecommit', '--repo', 'bookstore-gitops', '--region', 'us-east-1'],
      AWS_ENV,
      'bookstore: CodeCommit has no repository bookstore-gitops in us-east-1',
      run,
    ],
  ])('promote checks the API before it pushes: %s', async (_what, make, flags, env, message, runner) => {
    const api = make();
    const url = await api.start();
    try {
      const clone = checkout;
      const refs = fixture.refs();
      const result = await runner(clone, ['promote', 'development', 'production', ...flags, '--api-url', url], env);
      expect(result.stderr.trim().split('\n')).toEqual([message]);
      expect(result.status).toBe(1);
      expect(fixture.refs()).toBe(refs);
      expect(api.creates()).toHaveLength(0);
    } finally {
      await api.stop();
    }
  });

  it('promote cannot reach the API: one line, nothing pushed', async () => {
    const api = github();
    const url = await api.start();
    await api.stop();
    const clone = checkout;
    const refs = fixture.refs();
    const result = await run(clone, ['promote', 'development', 'production', '--provider', 'github', '--repo', 'o/r', '--api-url', url], { GITHUB_TOKEN: 't' });
    expect(result.stderr.trim()).toBe(`bookstore: cannot reach the GitHub API at ${url}: ECONNREFUSED`);
    expect(result.status).toBe(1);
    expect(fixture.refs()).toBe(refs);
  });

  it('promote --dry-run prints the title and body and touches nothing', async () => {
    const clone = checkout;
    const before = fixture.state(clone);
    const refs = fixture.refs();
    // No provider flags, no token, no API: none is needed.
    const result = await run(clone, ['promote', 'development', 'production', '--dry-run']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('title: promote(production): clients-api 1.0.0aaaaaaa, renting-api 1.0.0bbbbbbb');
    expect(result.stdout).toContain('| clients-api | `1.0.3b9e1c27` | `1.0.0aaaaaaa` |');
    expect(result.stdout).toContain('nothing pushed, no pull request opened');
    expect(fixture.refs()).toBe(refs);
    expect(fixture.state(clone)).toEqual(before);
    expect(git(clone, ['branch', '--list'])).toBe('* main\n');
  });

  it.each(VERB_NAMES)('bookstore %s --help prints its usage and exits 0, from anywhere', async (verb) => {
    const result = await run(os.tmpdir(), [verb, '--help']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^usage: bookstore ${verb}\\b`));
  });

  it('every verb works from a sub-folder and refuses outside a checkout with one line', async () => {
    const clone = checkout;
    const inside = await run(path.join(clone, 'dist', 'eks-acg'), ['status']);
    expect(inside.stderr).toBe('');
    expect(inside.status).toBe(0);
    expect(inside.stdout).toContain('cluster eks-acg:');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'not-a-checkout-'));
    for (const args of [
      ['status'],
      ['diff'],
      ['bump', 'development', 'front-end', '1.0.0'],
      ['promote', 'development', 'production'],
      ['context', 'refresh', 'eks-acg'],
    ]) {
      const result = await run(outside, args);
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^bookstore: .* is not inside a bookstore-gitops checkout/)]);
    }
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('diff never answers falsely: outside git, without a main branch, against a ref without dist/', async () => {
    const clone = fixture.clone();
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'bookstore-nogit-'));
    fs.cpSync(clone, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}.git`) });
    await expect(diff([], { root: copy, log: () => undefined })).rejects.toThrow(/is not a git checkout/);
    fs.rmSync(copy, { recursive: true, force: true });
    git(clone, ['branch', '--quiet', '-m', 'main', 'trunk']);
    git(clone, ['remote', 'remove', 'origin']);
    await expect(diff([], { root: clone, log: () => undefined })).rejects.toThrow('no main branch to compare with');
    const empty = git(clone, ['commit-tree', git(clone, ['hash-object', '-t', 'tree', '/dev/null']).trim(), '-m', 'empty']).trim();
    await expect(diff([empty], { root: clone, log: () => undefined })).rejects.toThrow(/has no dist\/ committed/);
  });

  it('diff lists the objects a source change would change, with the fields', async () => {
    const clone = fixture.clone();
    const file = path.join(clone, 'services', 'inventory-api.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("health: { httpPath: '/summary' }", "health: { httpPath: '/health' }"));
    const lines: string[] = [];
    await diff([], { root: clone, log: (l) => lines.push(l) });
    // Under Istio the ALB checks the ingress gateway, so the readiness probe is the one object that
    // changes; where the ALB reaches the service itself, its Ingress's health check moves too.
    // By folder: the order diff walks dist/ in.
    const environments = [...loadProject(ROOT).environments].sort((a, b) => `${a.cluster}/${a.name}`.localeCompare(`${b.cluster}/${b.name}`));
    const expected = environments.flatMap((e) => [
      `dist/${e.cluster}/${e.name}`,
      `  ~ Deployment/${e.namespace}/inventory-api`,
      '      spec.template.spec.containers[0].readinessProbe.httpGet.path: "/summary" → "/health"',
      ...(meshProviderOf(e).ingressGateway
        ? []
        : [`  ~ Ingress/${e.namespace}/inventory-api`, '      metadata.annotations.alb.ingress.kubernetes.io/healthcheck-path: "/summary" → "/health"']),
    ]);
    const changed = expected.filter((l) => l.startsWith('  ~ ')).length;
    expect(lines).toEqual([...expected, expect.stringMatching(new RegExp(`^diff: 0 added, ${changed} changed, 0 removed against [0-9a-f]{12}$`))]);
  });

  it("diff --picture prints each changed environment's picture with the touched services highlighted", async () => {
    const clone = fixture.clone();
    const file = path.join(clone, 'services', 'inventory-api.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("health: { httpPath: '/summary' }", "health: { httpPath: '/health' }"));
    const lines: string[] = [];
    await diff(['--picture'], { root: clone, log: (l) => lines.push(l) });
    const pictures = lines.filter((l) => l.startsWith('```mermaid'));
    expect(pictures).toHaveLength(loadProject(ROOT).environments.length);
    for (const picture of pictures) expect(picture).toContain(`  class ${serviceNode('inventory-api')} changed\n`);
  });

  it('diff lists objects a change adds and removes', async () => {
    const clone = fixture.clone();
    // Two development replicas of clients-api bring its PodDisruptionBudget; dropping renting-api's
    // table declaration removes its Table (and the env var with it).
    const overlay = path.join(clone, 'environments', 'development.yaml');
    fs.writeFileSync(overlay, fs.readFileSync(overlay, 'utf8').replace('replicas: {}', 'replicas:\n  clients-api: 2'));
    const renting = path.join(clone, 'services', 'renting-api.ts');
    fs.writeFileSync(renting, fs.readFileSync(renting, 'utf8').replace("  table: { name: 'renting' },\n", ''));
    const lines: string[] = [];
    await diff([], { root: clone, log: (l) => lines.push(l) });
    expect(lines).toContain('  + PodDisruptionBudget/development/clients-api');
    // renting-api's table leaves every environment it runs in.
    const environments = loadProject(ROOT).environments;
    for (const e of environments) expect(lines).toContain(`  - Table/${e.namespace}/${e.name}-renting`);
    expect(lines.pop()).toMatch(new RegExp(`^diff: 1 added, \\d+ changed, ${environments.length} removed against [0-9a-f]{12}$`));
  });

  it('diff against an older ref shows what commits since changed', async () => {
    const clone = fixture.clone();
    const lines: string[] = [];
    await diff(['HEAD~2'], { root: clone, log: (l) => lines.push(l) });
    expect(lines.filter((l) => l.startsWith('  '))).toEqual([
      '  ~ Deployment/development/clients-api',
      expect.stringMatching(/^ {6}spec\.template\.spec\.containers\[0\]\.image: ".*:1\.0\.3b9e1c27" → ".*:1\.0\.0aaaaaaa"$/),
      '  ~ Deployment/development/renting-api',
      expect.stringMatching(/^ {6}spec\.template\.spec\.containers\[0\]\.image: ".*:1\.0\.c81e4b6a" → ".*:1\.0\.0bbbbbbb"$/),
    ]);
    const error = await diff(['no-such-ref'], { root: clone, log: () => undefined }).catch((e) => e);
    expect(error.message).toBe('unknown git ref "no-such-ref"');
  });
});
