import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { bump } from '../lib/commands/bump';
import { diff } from '../lib/commands/diff';
import { status } from '../lib/commands/status';
import { git } from '../lib/git';
import { GitFixture } from './git-fixture';
import { serviceNode } from '../lib/picture';

const BIN = path.join(__dirname, '..', 'bin', 'bookstore.js');

/** A stand-in for a provider's API on 127.0.0.1 that records every request. */
class FakeApi {
  readonly requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: any }> = [];
  status = 201;
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      this.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: body ? JSON.parse(body) : undefined });
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.reply(req)));
    });
  });

  constructor(private reply: (req: http.IncomingMessage) => unknown) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Runs the CLI as a user would, without blocking this process (the fake API answers from it). */
function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as any).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('promote, status and diff', () => {
  let fixture: GitFixture;
  beforeAll(async () => {
    fixture = new GitFixture();
    const clone = fixture.clone();
    await bump(['development', 'clients-api', '1.0.0aaaaaaa'], { root: clone, log: () => undefined });
    await bump(['development', 'renting-api', '1.0.0bbbbbbb'], { root: clone, log: () => undefined, sleep: async () => undefined });
  }, 60000);
  afterAll(() => fixture.remove());

  it('status shows each tag and where production is behind development', async () => {
    const lines: string[] = [];
    await status([], { root: fixture.clone(), log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^service\s+development\s+production$/);
    expect(lines.find((l) => l.startsWith('clients-api'))).toMatch(/^clients-api\s+1\.0\.0aaaaaaa\s+1\.0\.3b9e1c27 \(behind development\)$/);
    expect(lines.find((l) => l.startsWith('front-end'))).toMatch(/^front-end\s+1\.0\.af873c03\s+1\.0\.af873c03$/);
    expect(lines[lines.length - 1]).toBe('status: 2 service(s) behind; `bookstore promote` opens the pull request');
  });

  it('promote opens exactly one GitHub pull request with the tags and the rendered changes', async () => {
    const api = new FakeApi(() => ({ number: 7, html_url: 'https://github.com/example-org/bookstore-gitops/pull/7' }));
    const url = await api.start();
    try {
      const clone = fixture.clone();
      const head = git(clone, ['rev-parse', 'HEAD']);
      const result = await run(clone, ['promote', 'development', 'production', '--provider', 'github', '--repo', 'example-org/bookstore-gitops', '--api-url', url],
        { GITHUB_TOKEN: 'test-token' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('promote: opened https://github.com/example-org/bookstore-gitops/pull/7');
      expect(api.requests).toHaveLength(1);
      const [request] = api.requests;
      expect(request.method).toBe('POST');
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
      // The target environment's picture, the promoted services highlighted.
      expect(body).toContain('```mermaid\nflowchart LR\n');
      expect(body).toContain(`  class ${serviceNode('clients-api')},${serviceNode('renting-api')} changed\n`);
      expect(body).toMatch(/`spec\.template\.spec\.containers\[0\]\.image`: `111122223333\.dkr\.ecr\.us-east-1\.amazonaws\.com\/bookstore\.clients-api:1\.0\.3b9e1c27` → `[^`]+:1\.0\.0aaaaaaa`/);
      // The branch on the remote holds the change, rendered; the clone is back on main, untouched.
      const overlay = git(fixture.remote, ['show', `${branch}:environments/production.yaml`]);
      expect(overlay).toContain('clients-api: 1.0.0aaaaaaa');
      expect(git(fixture.remote, ['show', `${branch}:dist/eks-acg/production/renting-api.yaml`])).toContain('bookstore.renting-api:1.0.0bbbbbbb');
      expect(git(fixture.remote, ['show', 'main:environments/production.yaml'])).toContain('clients-api: 1.0.3b9e1c27');
      expect(git(clone, ['rev-parse', 'HEAD'])).toBe(head);
      expect(git(clone, ['status', '--porcelain'])).toBe('');
      expect(git(clone, ['branch', '--list'])).toBe('* main\n');
    } finally {
      await api.stop();
    }
  });

  it('promote opens a CodeCommit pull request through the AWS SDK, for the named service only', async () => {
    const api = new FakeApi(() => ({ pullRequest: { pullRequestId: '42', title: 't' } }));
    api.status = 200;
    const url = await api.start();
    try {
      const clone = fixture.clone();
      const result = await run(clone, ['promote', 'development', 'production', 'renting-api', '--provider', 'codecommit', '--repo', 'bookstore-gitops',
        '--region', 'us-east-1', '--api-url', url], { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(api.requests).toHaveLength(1);
      expect(api.requests[0].headers['x-amz-target']).toBe('CodeCommit_20150413.CreatePullRequest');
      expect(api.requests[0].body).toMatchObject({
        title: 'promote(production): renting-api 1.0.0bbbbbbb',
        targets: [{ repositoryName: 'bookstore-gitops', sourceReference: expect.stringMatching(/^promote\/production-/), destinationReference: 'main' }],
      });
      expect(api.requests[0].body.description).not.toContain('| clients-api |');
      expect(api.requests[0].body.description).not.toContain('clients-api` in');
      expect(result.stdout).toContain('promote: opened https://us-east-1.console.aws.amazon.com/codesuite/codecommit/repositories/bookstore-gitops/pull-requests/42');
    } finally {
      await api.stop();
    }
  });

  it('promote with nothing to promote says so and makes no branch', async () => {
    const clone = fixture.clone();
    const refs = fixture.refs();
    const result = await run(clone, ['promote', 'development', 'production', 'front-end', '--provider', 'github', '--repo', 'o/r']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('promote: nothing to promote: production already runs the development tags of front-end');
    expect(fixture.refs()).toBe(refs);
    expect(git(clone, ['branch', '--list'])).toBe('* main\n');
  });

  it.each([
    [['development', 'staging'], 'bookstore: unknown environment "staging" (known: development, production)'],
    [['development', 'production', 'books-api'], 'bookstore: "books-api" is not a service with an image tag (known: clients-api, front-end, inventory-api, renting-api, resource-api)'],
    [['development', 'production'], expect.stringMatching(/^bookstore: cannot tell where to open the pull request from the remote URL .*: pass --provider github\|codecommit and --repo$/)],
  ])('promote %j fails with one line and changes nothing', async (args, message) => {
    const clone = fixture.clone();
    const before = fixture.state(clone);
    const refs = fixture.refs();
    const result = await run(clone, ['promote', ...(args as string[])]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([message]);
    expect(fixture.state(clone)).toEqual(before);
    expect(fixture.refs()).toBe(refs);
  });

  it('a refused pull request leaves the pushed branch and says so, the clone back on main', async () => {
    const api = new FakeApi(() => ({ message: 'Validation Failed' }));
    api.status = 422;
    const url = await api.start();
    try {
      const clone = fixture.clone();
      const result = await run(clone, ['promote', 'development', 'production', 'clients-api', '--provider', 'github', '--repo', 'o/r', '--api-url', url], { GITHUB_TOKEN: 't' });
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe('bookstore: GitHub refused the pull request (422): Validation Failed');
      expect(result.stdout).toMatch(/promote: branch promote\/production-[0-9a-f]{8} is on origin, but no pull request was opened/);
      expect(git(clone, ['rev-parse', '--abbrev-ref', 'HEAD']).trim()).toBe('main');
      const branch = /branch (\S+) is on origin/.exec(result.stdout)![1];
      expect(git(fixture.remote, ['show', `${branch}:environments/production.yaml`])).toContain('clients-api: 1.0.0aaaaaaa');
    } finally {
      await api.stop();
    }
  });

  it('diff lists the objects a source change would change, with the fields', async () => {
    const clone = fixture.clone();
    const file = path.join(clone, 'services', 'inventory-api.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("health: { httpPath: '/summary' }", "health: { httpPath: '/health' }"));
    const lines: string[] = [];
    await diff([], { root: clone, log: (l) => lines.push(l) });
    expect(lines).toEqual([
      'dist/eks-acg/development',
      '  ~ Deployment/development/inventory-api',
      '      spec.template.spec.containers[0].readinessProbe.httpGet.path: "/summary" → "/health"',
      '  ~ Ingress/development/inventory-api',
      '      metadata.annotations.alb.ingress.kubernetes.io/healthcheck-path: "/summary" → "/health"',
      '  ~ TargetGroupPolicy/development/inventory-api',
      '      spec.healthCheck.path: "/summary" → "/health"',
      'dist/eks-acg/production',
      '  ~ Deployment/production/inventory-api',
      '      spec.template.spec.containers[0].readinessProbe.httpGet.path: "/summary" → "/health"',
      '  ~ Ingress/production/inventory-api',
      '      metadata.annotations.alb.ingress.kubernetes.io/healthcheck-path: "/summary" → "/health"',
      '  ~ TargetGroupPolicy/production/inventory-api',
      '      spec.healthCheck.path: "/summary" → "/health"',
      expect.stringMatching(/^diff: 0 added, 6 changed, 0 removed against [0-9a-f]{12}$/),
    ]);
  });

  it('diff --picture prints each changed environment\'s picture with the touched services highlighted', async () => {
    const clone = fixture.clone();
    const file = path.join(clone, 'services', 'inventory-api.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("health: { httpPath: '/summary' }", "health: { httpPath: '/health' }"));
    const lines: string[] = [];
    await diff(['--picture'], { root: clone, log: (l) => lines.push(l) });
    const pictures = lines.filter((l) => l.startsWith('```mermaid'));
    expect(pictures).toHaveLength(2);
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
    expect(lines).toContain('  - Table/development/development-renting');
    expect(lines).toContain('  - Table/production/production-renting');
    expect(lines.pop()).toMatch(/^diff: 1 added, \d+ changed, 2 removed against [0-9a-f]{12}$/);
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
