import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { git } from '../lib/commands/git';
import { TAG_PATTERN } from '../lib/load/overlay';
import { GitFixture } from './git-fixture';

const BUILDSPEC = parse(fs.readFileSync(path.join(__dirname, '..', 'delivery', 'buildspec.yml'), 'utf8'));
const NODE_MODULES = path.join(__dirname, '..', 'node_modules');

/**
 * Runs the buildspec's pre_build and build commands as CodeBuild would (one bash, in order, stop at
 * the first failure), with docker and the AWS CLI replaced by recorders. git, node and the bump are real;
 * the GitOps remote is a bare repository on disk.
 */
function runBuildspec(fixture: GitFixture, version: string, commit: string) {
  const dir = path.join(fixture.dir, `build-${commit.slice(0, 8)}`);
  const src = path.join(dir, 'src');
  const stubs = path.join(dir, 'stubs');
  fs.mkdirSync(src, { recursive: true });
  fs.mkdirSync(stubs);
  fs.writeFileSync(path.join(src, 'version'), version);
  const record = path.join(dir, 'calls.log');
  const stub = (name: string, body: string) =>
    fs.writeFileSync(path.join(stubs, name), `#!/bin/bash\necho "${name} $*" >> ${record}\n${body}\n`, { mode: 0o755 });
  stub('docker', 'cat > /dev/null');
  stub('aws', 'echo password');
  // npm ci in the fresh clone: link this project's installed modules instead of downloading them.
  stub('npm', `[ "$1" = ci ] && ln -s ${NODE_MODULES} node_modules`);
  const commands = [...BUILDSPEC.phases.pre_build.commands, ...BUILDSPEC.phases.build.commands] as string[];
  const script = ['set -eo pipefail', ...commands].join('\n');
  const env = {
    ...process.env,
    ...BUILDSPEC.env.variables,
    PATH: `${stubs}:${process.env.PATH}`,
    SERVICE: 'clients-api',
    GITOPS_REPO: fixture.remote,
    AWS_REGION: 'us-east-1',
    CODEBUILD_SRC_DIR: src,
    CODEBUILD_RESOLVED_SOURCE_VERSION: commit,
    CODEBUILD_BUILD_ARN: 'arn:aws:codebuild:us-east-1:111122223333:build/clients-api-build:7d3c1e2a',
  };
  const output = execFileSync('bash', ['-c', script], { cwd: src, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { output, calls: fs.readFileSync(record, 'utf8').trim().split('\n') };
}

describe('delivery/buildspec.yml', () => {
  let fixture: GitFixture;
  beforeAll(() => {
    fixture = new GitFixture();
  });
  afterAll(() => fixture.remove());

  it('runs on a Node line package.json supports (CodeBuild offers 22 on its Amazon Linux 2023 images)', () => {
    const nodejs = BUILDSPEC.phases.install['runtime-versions'].nodejs;
    expect(nodejs).toBe(22);
    const { engines } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(engines.node.split('||').map((range: string) => range.trim().match(/^\^(\d+)\./)?.[1])).toContain(String(nodejs));
  });

  it('runs under bash (it uses bash substitutions) and never talks to the cluster', () => {
    expect(BUILDSPEC.env.shell).toBe('bash');
    const text = JSON.stringify(BUILDSPEC);
    expect(text).not.toMatch(/kubectl|helm |eks update-kubeconfig|system:masters/);
  });

  it('builds MAJOR.MINOR.<8-char commit>, pushes that image and bumps development to it on the GitOps remote', () => {
    const { output, calls } = runBuildspec(fixture, '1.0\n', '0123abcd4567ef890123abcd4567ef8901234567');
    const image = '111122223333.dkr.ecr.us-east-1.amazonaws.com/bookstore.clients-api:1.0.0123abcd';
    expect(TAG_PATTERN.test('1.0.0123abcd')).toBe(true);
    // The two sides of the login pipe start together: their order in the log is not fixed.
    expect(calls.slice(0, 2).sort()).toEqual([
      'aws ecr get-login-password --region us-east-1',
      'docker login --username AWS --password-stdin 111122223333.dkr.ecr.us-east-1.amazonaws.com',
    ]);
    expect(calls.slice(2)).toEqual([
      `docker build --tag ${image} .`,
      `docker push ${image}`,
      'npm ci --omit=dev --omit=peer --no-audit --no-fund --prefer-offline',
    ]);
    expect(output).toContain('bump: pushed to origin/main');
    expect(fixture.history().pop()).toBe('deploy(development): clients-api 1.0.0123abcd');
    expect(git(fixture.remote, ['show', 'main:environments/development.yaml'])).toContain('clients-api: 1.0.0123abcd');
    expect(git(fixture.remote, ['show', 'main:dist/eks-acg/development/clients-api.yaml'])).toContain(`image: ${image}`);
    expect(git(fixture.remote, ['log', '-1', '--format=%an <%ae>', 'main'])).toBe('CodeBuild clients-api <codebuild+clients-api@noreply.example.com>\n');
  });

  it('reads a version file written as MAJOR= and MINOR= lines', () => {
    runBuildspec(fixture, 'MAJOR=1\nMINOR=2\n', 'fedcba9876543210fedcba9876543210fedcba98');
    expect(fixture.history().pop()).toBe('deploy(development): clients-api 1.2.fedcba98');
  });
});
