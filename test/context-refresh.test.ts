import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contextRefresh } from '../lib/commands/context';
import { UserError } from '../lib/model/errors';
import { clusterNames } from '../lib/load/project';
import { CREDENTIALS, FakeSsm } from './fake-ssm';
import { ROOT, copyProject } from './helpers';

const PREFIX = '/bookstore/eks-acg/';
const EXAMPLE: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'clusters', 'eks-acg.context.json'), 'utf8'));
/** The parameters of the example cluster, one per fact synth needs. */
const COUNT = Object.keys(EXAMPLE).length;

describe('bookstore context refresh', () => {
  let ssm: FakeSsm;
  let endpoint: string;
  let project: string;
  let cache: string;
  let original: string;
  const saved = { ...process.env };
  const lines: string[] = [];
  const refresh = (argv: string[]) => contextRefresh(argv, { root: project, log: (l) => lines.push(l) });

  beforeAll(() => {
    project = copyProject();
    cache = path.join(project, 'clusters', 'eks-acg.context.json');
    original = fs.readFileSync(cache, 'utf8');
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  beforeEach(async () => {
    ssm = new FakeSsm();
    endpoint = await ssm.start();
    lines.length = 0;
    Object.assign(process.env, CREDENTIALS, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
    fs.writeFileSync(cache, original);
    const fresh = { ...EXAMPLE, 'account-id': '444455556666', 'vpc-id': 'vpc-0fedcba9876543210' };
    ssm.parameters = Object.fromEntries(Object.entries(fresh).map(([k, v]) => [PREFIX + k, v]));
  });
  afterEach(async () => {
    await ssm.stop();
    process.env = { ...saved };
  });

  async function failure(argv: string[]): Promise<string> {
    const before = fs.readFileSync(cache, 'utf8');
    try {
      await refresh(argv);
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect(fs.readFileSync(cache, 'utf8')).toBe(before);
      expect(fs.readdirSync(path.dirname(cache)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      return (err as Error).message;
    }
    throw new Error('refresh succeeded');
  }

  it('reads every page under the prefix with the real SDK and rewrites the cache with sorted keys', async () => {
    ssm.parameters[`${PREFIX}extra/unused`] = 'x';
    await refresh(['eks-acg', '--endpoint-url', endpoint]);
    const written = fs.readFileSync(cache, 'utf8');
    const parsed = JSON.parse(written);
    expect(parsed['account-id']).toBe('444455556666');
    expect(parsed['vpc-id']).toBe('vpc-0fedcba9876543210');
    expect(Object.keys(parsed)).toEqual(Object.keys(parsed).sort());
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(EXAMPLE).sort());
    expect(written.endsWith('}\n')).toBe(true);
    const pages = ssm.requests.filter((r) => r.target === 'AmazonSSM.GetParametersByPath');
    expect(pages.length).toBe(Math.ceil(Object.keys(ssm.parameters).length / ssm.pageSize));
    expect(pages[0]).toMatchObject({ Path: '/bookstore/eks-acg', Recursive: true });
    expect(pages[1].NextToken).toBe('3');
    expect(pages[0].auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST\/\d{8}\/us-east-1\/ssm\/aws4_request/);
    expect(lines).toContain('account-id = 444455556666');
    expect(lines).toContain('ignored: /bookstore/eks-acg/extra/unused (synth does not use it)');
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^context: wrote clusters/eks-acg\\.context\\.json \\(${COUNT} parameters\\)`));
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_SSM as the SDK does', async () => {
    process.env.AWS_ENDPOINT_URL_SSM = endpoint;
    await refresh(['eks-acg']);
    expect(JSON.parse(fs.readFileSync(cache, 'utf8'))['account-id']).toBe('444455556666');
  });

  it('says when the cache is already up to date', async () => {
    ssm.parameters = Object.fromEntries(Object.entries(EXAMPLE).map(([k, v]) => [PREFIX + k, v]));
    await refresh(['eks-acg', '--endpoint-url', endpoint]);
    expect(fs.readFileSync(cache, 'utf8')).toBe(original);
    expect(lines[lines.length - 1]).toBe(`context: clusters/eks-acg.context.json is up to date (${COUNT} parameters)`);
  });

  it("rides out a throttled request through the SDK's own retry", async () => {
    ssm.failures = [{ type: 'ThrottlingException', status: 400, message: 'Rate exceeded' }];
    await refresh(['eks-acg', '--endpoint-url', endpoint]);
    expect(ssm.requests.length).toBe(1 + Math.ceil(Object.keys(ssm.parameters).length / ssm.pageSize));
    expect(JSON.parse(fs.readFileSync(cache, 'utf8'))['account-id']).toBe('444455556666');
  });

  it('gives up on persistent throttling with one line', async () => {
    ssm.failures = Array.from({ length: 10 }, () => ({ type: 'ThrottlingException', status: 400, message: 'Rate exceeded' }));
    expect(await failure(['eks-acg', '--endpoint-url', endpoint])).toBe('SSM kept throttling the requests (3 attempts); try again in a minute');
    expect(ssm.requests.length).toBe(3);
  });

  it('writes the facts that are there and names each missing one: a cluster being added fills its cache in two steps', async () => {
    delete ssm.parameters[`${PREFIX}certificate-arn`];
    delete ssm.parameters[`${PREFIX}pod-subnets/us-east-1c`];
    await refresh(['eks-acg', '--endpoint-url', endpoint]);
    const written = JSON.parse(fs.readFileSync(cache, 'utf8'));
    expect(Object.keys(written)).toHaveLength(COUNT - 2);
    expect(written).not.toHaveProperty('certificate-arn');
    expect(lines.filter((l) => l.startsWith('missing: '))).toEqual([`missing: ${PREFIX}certificate-arn`, `missing: ${PREFIX}pod-subnets/us-east-1c`]);
    expect(lines.at(-1)).toMatch(/\(\d+ parameters, 2 missing: synth renders what the others allow and names the rest\)/);
  });

  it('refuses a prefix that holds none of the parameters (a wrong prefix or region), leaving the cache as it was', async () => {
    ssm.parameters = { '/bookstore/other/account-id': '444455556666' };
    expect(await failure(['eks-acg', '--endpoint-url', endpoint])).toMatch(
      /^SSM \/bookstore\/eks-acg\/ in us-east-1: none of the cluster's parameters is there \(missing \/bookstore\/eks-acg\/account-id, /,
    );
    expect(fs.readFileSync(cache, 'utf8')).toBe(original);
  });

  it('refuses a malformed value', async () => {
    ssm.parameters[`${PREFIX}vpc-id`] = 'my-vpc';
    expect(await failure(['eks-acg', '--endpoint-url', endpoint])).toBe('SSM /bookstore/eks-acg/: vpc-id "my-vpc" is not a VPC id');
  });

  it('reports access denied', async () => {
    ssm.failures = [{ type: 'AccessDeniedException', status: 400, message: 'not authorized to perform ssm:GetParametersByPath' }];
    expect(await failure(['eks-acg', '--endpoint-url', endpoint])).toBe(
      'access denied reading /bookstore/eks-acg/ from SSM: not authorized to perform ssm:GetParametersByPath',
    );
  });

  it('reports an unreachable endpoint', async () => {
    await ssm.stop();
    ssm = new FakeSsm();
    await ssm.start();
    expect(await failure(['eks-acg', '--endpoint-url', endpoint])).toBe(`cannot reach SSM at ${endpoint}: ECONNREFUSED`);
  });

  it('reports missing credentials without waiting on the instance metadata service', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(project, 'no-credentials');
    process.env.AWS_CONFIG_FILE = path.join(project, 'no-config');
    delete process.env.AWS_PROFILE;
    expect(await failure(['eks-acg', '--endpoint-url', endpoint])).toBe(
      'no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run where a role is available',
    );
    expect(ssm.requests).toEqual([]);
  });

  it('names an unknown cluster and a wrong call', async () => {
    expect(await failure(['eks-nope'])).toBe(`unknown cluster "eks-nope" (known: ${clusterNames(ROOT).join(', ')})`);
    expect(await failure([])).toBe('usage: bookstore context refresh <cluster> [--endpoint-url URL]');
  });

  it('runs as `npm run context -- <cluster>`: one line and exit 1 on failure', () => {
    const run = spawnSync('npm', ['run', '-s', 'context', '--', 'eks-acg', '--endpoint-url', 'http://127.0.0.1:9'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, ...CREDENTIALS },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l && !l.includes('npm warn'))).toEqual(['bookstore: cannot reach SSM at http://127.0.0.1:9: ECONNREFUSED']);
    expect(fs.readFileSync(cache, 'utf8')).toBe(original);
  });
});
