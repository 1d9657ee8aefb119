import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import * as YAML from 'yaml';
import { bootstrap, bootstrapFiles } from '../lib/commands/bootstrap';
import { podSubnetCidr, routeTableParameter } from '../lib/render/bootstrap';
import { parameterSpecs } from '../lib/load/context';
import { loadProject } from '../lib/load/project';
import { ACCESS_LOG_RETENTION_DAYS, accessLogGroup, LATTICE_CIDRS, LATTICE_PREFIX_LIST_PARAMETER, latticePrefixListName } from '../lib/render/mesh/lattice';
import type { Cluster } from '../lib/model';
import { find, linkProject, ROOT, rendered, snapshotDir, synthInProcess } from './helpers';

const TOOLS = ['eksctl', 'kubectl', 'helm', 'aws'] as const;

/** What a fake tool answers to a command line that starts with `match`: its stdout (JSON) and exit code. */
interface Answer {
  readonly match: string;
  readonly json?: unknown;
  readonly exit?: number;
  readonly stderr?: string;
  /** Answers the first matching call only (the next call gets the next answer that matches). */
  readonly once?: boolean;
}

/**
 * eksctl, kubectl, helm and aws on PATH that append their command lines to one log and answer from
 * `answers` (the first whose `match` starts the line; otherwise exit 0, no output). helm keeps a copy
 * of the values file it is given. Probes (`eksctl get cluster`, `helm status`) fail unless answered.
 */
function fakeTools(answers: readonly Answer[] = []): { dir: string; log: () => string[]; restore: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-tools-'));
  const table = [...answers, { match: 'eksctl get cluster', exit: 1 }, { match: 'helm status', exit: 1 }];
  fs.writeFileSync(path.join(dir, 'answers.json'), JSON.stringify(table));
  const script = [
    `#!${process.execPath}`,
    "const fs = require('node:fs'); const path = require('node:path');",
    `const dir = ${JSON.stringify(dir)};`,
    'const line = [path.basename(process.argv[1]), ...process.argv.slice(2)].join(" ");',
    'fs.appendFileSync(path.join(dir, "log"), line + "\\n");',
    'const values = process.argv.indexOf("--values");',
    'if (values > 0 && fs.existsSync(process.argv[values + 1])) fs.copyFileSync(process.argv[values + 1], path.join(dir, "values.yaml"));',
    'const table = JSON.parse(fs.readFileSync(path.join(dir, "answers.json"), "utf8"));',
    'const index = table.findIndex((a) => line.startsWith(a.match));',
    'const answer = index >= 0 ? table[index] : {};',
    'if (answer.once) { table.splice(index, 1); fs.writeFileSync(path.join(dir, "answers.json"), JSON.stringify(table)); }',
    'if (answer.json !== undefined) process.stdout.write(JSON.stringify(answer.json));',
    'if (answer.stderr) process.stderr.write(answer.stderr + "\\n");',
    'process.exitCode = answer.exit || 0;',
    '',
  ].join('\n');
  for (const tool of TOOLS) fs.writeFileSync(path.join(dir, tool), script, { mode: 0o755 });
  const path0 = process.env.PATH;
  process.env.PATH = `${dir}${path.delimiter}${path0}`;
  return {
    dir,
    log: () => (fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n') : []),
    restore: () => {
      process.env.PATH = path0;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function run(root: string, argv: readonly string[], answers: readonly Answer[] = []) {
  const tools = fakeTools(answers);
  const lines: string[] = [];
  try {
    const error = await bootstrap(argv, { root, log: (l) => lines.push(l) }).then(
      () => undefined,
      (e: Error) => e,
    );
    const values = path.join(tools.dir, 'values.yaml');
    return { calls: tools.log(), lines, error, values: fs.existsSync(values) ? YAML.parse(fs.readFileSync(values, 'utf8')) : undefined };
  } finally {
    tools.restore();
  }
}

/** eksctl's private subnet of each zone (tagged for internal load balancers), in the VPC's primary CIDR. */
function privateSubnets(cluster: Cluster) {
  return cluster.availabilityZones.map((az, i) => ({
    SubnetId: `subnet-0000000${i}aaaaaaaa0`,
    AvailabilityZone: az,
    CidrBlock: `192.168.${i * 32}.0/19`,
    Tags: [{ Key: 'kubernetes.io/role/internal-elb', Value: '1' }],
  }));
}

/** The AWS CLI's answers for a cluster whose facts are `cluster`'s (the shapes of the AWS APIs' JSON). */
function awsAnswers(cluster: Cluster, prefixList: { id: string; cidrs: readonly string[] } = { id: 'pl-0123456789abcdef0', cidrs: LATTICE_CIDRS }): Answer[] {
  const [clusterGroup, ...others] = cluster.securityGroupIds;
  return [
    { match: 'aws sts get-caller-identity', json: { Account: cluster.accountId, UserId: 'AIDA', Arn: `arn:aws:iam::${cluster.accountId}:user/admin` } },
    {
      match: 'aws route53 list-hosted-zones-by-name',
      json: {
        HostedZones: [
          { Id: `/hostedzone/${cluster.hostedZoneId}`, Name: `${cluster.baseDomain}.`, Config: { PrivateZone: false } },
          { Id: '/hostedzone/ZPRIVATE0', Name: `internal.${cluster.baseDomain}.`, Config: { PrivateZone: true } },
        ],
      },
    },
    {
      match: 'aws acm list-certificates',
      json: {
        CertificateSummaryList: [
          { CertificateArn: cluster.certificateArn.replace(/[0-9a-f-]+$/, '00000000-0000-0000-0000-000000000000'), DomainName: `api.${cluster.baseDomain}` },
          { CertificateArn: cluster.certificateArn, DomainName: `*.${cluster.baseDomain}` },
        ],
      },
    },
    {
      match: 'aws eks describe-cluster',
      json: {
        cluster: {
          name: cluster.name,
          identity: { oidc: { issuer: `https://${cluster.oidcIssuer}` } },
          resourcesVpcConfig: { vpcId: cluster.vpcId, clusterSecurityGroupId: clusterGroup, securityGroupIds: others },
        },
      },
    },
    {
      match: 'aws ec2 describe-subnets',
      json: {
        Subnets: [
          ...privateSubnets(cluster),
          ...Object.entries(cluster.podSubnets).map(([az, id], i) => ({ SubnetId: id, AvailabilityZone: az, CidrBlock: `100.64.${i * 64}.0/18` })),
        ],
      },
    },
    {
      match: 'aws ec2 describe-route-tables',
      json: {
        RouteTables: [
          { RouteTableId: 'rtb-0000000000000main0', Associations: [{ Main: true }] },
          ...privateSubnets(cluster).map((s, i) => ({ RouteTableId: `rtb-0000000${i}bbbbbbbb0`, Associations: [{ SubnetId: s.SubnetId, Main: false }] })),
        ],
      },
    },
    {
      match: 'aws ec2 describe-managed-prefix-lists',
      json: { PrefixLists: [{ PrefixListId: prefixList.id, PrefixListName: latticePrefixListName(cluster.region) }] },
    },
    { match: 'aws ec2 get-managed-prefix-list-entries', json: { Entries: prefixList.cidrs.map((Cidr) => ({ Cidr })) } },
  ];
}

describe.each(rendered().project.clusters.map((c) => [c.name, c]))('bookstore bootstrap %s (its facts cached, dist/ rendered)', (name, cluster) => {
  const files = bootstrapFiles(name);
  const app = () => find(`${name}/argocd/argo-cd.yaml`, 'Application', 'argo-cd');
  const helmInstall = () => {
    const { source, destination } = app().spec;
    return [
      'helm upgrade --install',
      source.helm.releaseName,
      source.chart,
      '--repo',
      source.repoURL,
      '--version',
      source.targetRevision,
      '--namespace',
      destination.namespace,
      '--create-namespace',
      '--values',
    ].join(' ');
  };
  const stack = `aws cloudformation deploy --region ${cluster.region} --stack-name bookstore-${name}-bootstrap --template-file ${files.stack} --capabilities CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset`;

  it('creates the cluster, its ENIConfigs before its node groups, deploys the bootstrap stack, installs Argo CD and applies the root', async () => {
    const { calls, lines, error, values } = await run(ROOT, [name], awsAnswers(cluster));
    expect(error).toBeUndefined();
    expect(calls.map((c) => c.replace(/ --values \S+.*$/, ' --values'))).toEqual([
      `eksctl get cluster --name ${name} --region ${cluster.region}`,
      `eksctl create cluster -f ${files.config} --without-nodegroup`,
      `kubectl apply -f ${files.eniConfigs}`,
      `eksctl create nodegroup -f ${files.config}`,
      stack,
      `helm status argo-cd --namespace ${app().spec.destination.namespace}`,
      helmInstall(),
      `kubectl apply -f ${files.argocd}`,
    ]);
    expect(calls[6]).toMatch(/ --wait$/);
    // helm gets the Application's own values, from a file that is gone afterwards.
    expect(values).toEqual(app().spec.source.helm.valuesObject);
    expect(fs.existsSync(calls[6].split(' --values ')[1].split(' ')[0])).toBe(false);
    expect(lines.at(-1)).toContain(`${name} is up and Argo CD syncs it from ${cluster.repoUrl}`);
    // What it applies before the nodes are exactly the ENIConfigs, one per zone of the cluster.
    const objects = YAML.parseAllDocuments(fs.readFileSync(path.join(ROOT, files.eniConfigs), 'utf8')).map((d) => d.toJS());
    expect(objects.map((o) => [o.kind, o.metadata.name])).toEqual(cluster.availabilityZones.map((z) => ['ENIConfig', z]));
  });

  it('run again, skips what exists (the cluster, the Argo CD release) and repeats only what changes nothing twice', async () => {
    const { calls, lines, error } = await run(
      ROOT,
      [name],
      [{ match: 'eksctl get cluster', exit: 0 }, { match: 'helm status', exit: 0 }, ...awsAnswers(cluster)],
    );
    expect(error).toBeUndefined();
    expect(calls.filter((c) => /^(eksctl create cluster|helm upgrade)/.test(c))).toEqual([]);
    expect(calls).toContain(stack);
    expect(lines[0]).toBe(
      `bootstrap: already done (eksctl get cluster --name ${name} --region ${cluster.region} finds it): eksctl create cluster -f ${files.config} --without-nodegroup skipped`,
    );
  });

  it('stops at the first step that fails, in one line naming it and what is done', async () => {
    const { calls, error } = await run(
      ROOT,
      [name],
      [{ match: 'kubectl apply', exit: 1, stderr: 'error: You must be logged in to the server (Unauthorized)' }],
    );
    expect(error?.message).toBe(
      'kubectl apply exited with 1 (error: You must be logged in to the server (Unauthorized)); the 1 step before it are done, nothing after it was run',
    );
    expect(calls.at(-1)).toBe(`kubectl apply -f ${files.eniConfigs}`);
  });

  it('--dry-run prints every command, runs none and writes no file', async () => {
    const before = snapshotDir(ROOT, ['node_modules', '.git']);
    const temporary = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`bookstore-argocd-${name}-`));
    const { calls, lines, error } = await run(ROOT, [name, '--dry-run']);
    expect(error).toBeUndefined();
    expect(calls).toEqual([]);
    const printed = lines.map((l) => l.split('   # ')[0]);
    expect(printed).toEqual(
      expect.arrayContaining([
        `eksctl create cluster -f ${files.config} --without-nodegroup`,
        `kubectl apply -f ${files.eniConfigs}`,
        stack.replace(/ --parameter-overrides.*/, ''),
        `kubectl apply -f ${files.argocd}`,
      ]),
    );
    expect(printed.some((l) => l.startsWith(helmInstall()))).toBe(true);
    expect(lines.at(-1)).toBe(`bootstrap: dry run of ${name}: nothing was run and no file was written`);
    expect(snapshotDir(ROOT, ['node_modules', '.git'])).toEqual(before);
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`bookstore-argocd-${name}-`))).toEqual(temporary);
  });
});

describe('bookstore bootstrap, for a cluster being added', () => {
  const [example] = rendered().project.clusters;
  const specs = parameterSpecs(example);
  const ofSource = (source: string) => specs.filter((s) => s.source === source).map((s) => s.name);
  const puts = (calls: string[]) =>
    calls.filter((c) => c.startsWith('aws ssm put-parameter')).map((c) => [/--name (\S+)/.exec(c)![1], /--value (\S+)/.exec(c)![1]]);
  const expected = (names: string[], prefix: string) => {
    const facts = JSON.parse(fs.readFileSync(path.join(ROOT, 'clusters', `${example.name}.context.json`), 'utf8'));
    return names.map((n) => [`${prefix}${n}`, facts[n]]);
  };
  let dir: string;
  let prefix: string;
  /** A second cluster from the example's file, with `facts` (parameter names) of the example's cache. */
  const addCluster = (facts: string[]) => {
    const definition = fs.readFileSync(path.join(dir, 'clusters', `${example.name}.ts`), 'utf8');
    fs.writeFileSync(
      path.join(dir, 'clusters', 'eks-new.ts'),
      definition.split(`'${example.name}'`).join("'eks-new'").split(example.ssmPrefix).join('/bookstore/eks-new/'),
    );
    const all = JSON.parse(fs.readFileSync(path.join(dir, 'clusters', `${example.name}.context.json`), 'utf8'));
    fs.writeFileSync(path.join(dir, 'clusters', 'eks-new.context.json'), JSON.stringify(Object.fromEntries(facts.map((f) => [f, all[f]]))));
    expect(synthInProcess(dir).status).toBe(0);
  };
  beforeEach(() => {
    dir = linkProject(['clusters', 'environments']);
    prefix = '/bookstore/eks-new/';
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("with no facts: finds the account's in AWS, writes them to SSM and stops, saying what comes next", async () => {
    addCluster([]);
    const { calls, lines, error } = await run(dir, ['eks-new', '--domain', example.baseDomain], awsAnswers(example));
    expect(error).toBeUndefined();
    expect(calls.filter((c) => !c.startsWith('aws '))).toEqual([]);
    expect(puts(calls).sort()).toEqual(expected(ofSource('account'), prefix).sort());
    expect(lines.at(-1)).toBe(
      `bootstrap: wrote ${ofSource('account').length} parameters under the cluster's SSM prefix; next: \`npm run context -- eks-new\`, \`npm run synth\`, commit, then \`bookstore bootstrap eks-new\` again`,
    );
  });

  it('with no facts and no --domain: one line asking for it, nothing called', async () => {
    addCluster([]);
    const { calls, error } = await run(dir, ['eks-new'], awsAnswers(example));
    expect(error?.message).toBe(
      `bootstrap eks-new: name the domain of its Route 53 hosted zone with --domain (e.g. --domain example.com); it becomes ${prefix}base-domain`,
    );
    expect(calls).toEqual([]);
  });

  it.each([
    ['no public hosted zone of the domain', { match: 'aws route53', json: { HostedZones: [] } }, 'Route 53 has no public hosted zone'],
    ['no wildcard certificate', { match: 'aws acm', json: { CertificateSummaryList: [] } }, `has no issued certificate for *.`],
    [
      'an AWS CLI that fails',
      { match: 'aws sts', exit: 255, stderr: 'Unable to locate credentials.' },
      'aws sts get-caller-identity exited with 255 (Unable to locate credentials.); nothing was changed',
    ],
  ])('%s: one line, no parameter written', async (_, answer, message) => {
    addCluster([]);
    const { calls, error } = await run(dir, ['eks-new', '--domain', example.baseDomain], [answer, ...awsAnswers(example)]);
    expect(error?.message).toContain(message);
    expect(puts(calls)).toEqual([]);
  });

  it("with the account's facts: creates the cluster, finds its own facts, writes them to SSM and stops", async () => {
    addCluster(ofSource('account'));
    const { calls, lines, error } = await run(dir, ['eks-new'], awsAnswers(example));
    expect(error).toBeUndefined();
    expect(calls.slice(0, 2)).toEqual([
      `eksctl get cluster --name eks-new --region ${example.region}`,
      'eksctl create cluster -f dist/eks-new/cluster/cluster.yaml --without-nodegroup',
    ]);
    expect(calls).toContain(`aws ec2 describe-subnets --region ${example.region} --filters Name=vpc-id,Values=${example.vpcId} --output json`);
    expect(puts(calls).sort()).toEqual(expected(ofSource('cluster'), prefix).sort());
    expect(calls.filter((c) => /^(kubectl|helm)|create nodegroup|cloudformation/.test(c))).toEqual([]);
    expect(lines.at(-1)).toContain('next: `npm run context -- eks-new`');
  });

  it("a VPC without pod subnets gets them from the pod network stack, routed like each zone's private subnet, before its facts are read", async () => {
    addCluster(ofSource('account'));
    const withoutPodSubnets = { match: 'aws ec2 describe-subnets', once: true, json: { Subnets: privateSubnets(example) } };
    const { calls, error } = await run(dir, ['eks-new'], [withoutPodSubnets, ...awsAnswers(example)]);
    expect(error).toBeUndefined();
    const deploy = calls.find((c) => c.startsWith('aws cloudformation deploy'))!;
    expect(deploy).toBe(
      [
        'aws cloudformation deploy --region',
        example.region,
        '--stack-name bookstore-eks-new-pod-network --template-file dist/eks-new/cluster/pod-network.yaml',
        '--no-fail-on-empty-changeset --parameter-overrides',
        `VpcId=${example.vpcId}`,
        ...example.availabilityZones.map((az, i) => `${routeTableParameter(az)}=rtb-0000000${i}bbbbbbbb0`),
      ].join(' '),
    );
    // Then the facts, with the pod subnets the stack made.
    expect(calls.indexOf(deploy)).toBeLessThan(calls.findIndex((c) => c.startsWith('aws ssm put-parameter')));
    expect(puts(calls).sort()).toEqual(expected(ofSource('cluster'), prefix).sort());
    // The template cuts one /19 of the pods' CIDR per zone, in order.
    const template = YAML.parse(fs.readFileSync(path.join(dir, 'dist/eks-new/cluster/pod-network.yaml'), 'utf8'));
    const subnets = Object.values(template.Resources)
      .filter((r: any) => r.Type === 'AWS::EC2::Subnet')
      .map((r: any) => [r.Properties.AvailabilityZone, r.Properties.CidrBlock]);
    expect(subnets).toEqual(example.availabilityZones.map((az, i) => [az, podSubnetCidr(i)]));
    expect(podSubnetCidr(0)).toBe('100.64.0.0/19');
    expect(podSubnetCidr(1)).toBe('100.64.32.0/19');
  });

  it('a VPC whose pod subnets exist deploys no pod network stack', async () => {
    addCluster(ofSource('account'));
    const { calls, lines } = await run(dir, ['eks-new'], awsAnswers(example));
    expect(calls.filter((c) => c.includes('pod-network'))).toEqual([]);
    expect(lines).toContainEqual(expect.stringContaining('the pod network stack skipped'));
  });

  it('a zone without its pod subnet: one line naming the zone, no parameter written', async () => {
    addCluster(ofSource('account'));
    const [firstZone] = example.availabilityZones;
    const answers = awsAnswers(example).map((a) =>
      a.match !== 'aws ec2 describe-subnets'
        ? a
        : { ...a, json: { Subnets: (a.json as any).Subnets.filter((s: any) => !(s.AvailabilityZone === firstZone && s.CidrBlock.startsWith('100.64.'))) } },
    );
    const { calls, error } = await run(dir, ['eks-new'], answers);
    expect(error?.message).toBe(
      `bootstrap eks-new: no subnet of 100.64.0.0/16 in ${firstZone} of ${example.vpcId}, where the pods need one: dist/eks-new/cluster/pod-network.yaml makes them (its stack bookstore-eks-new-pod-network); no parameter was written`,
    );
    expect(puts(calls)).toEqual([]);
  });

  it('--dry-run with no facts: prints the reads and writes it would make, calls nothing', async () => {
    addCluster([]);
    const before = snapshotDir(dir, ['node_modules']);
    const { calls, lines, error } = await run(dir, ['eks-new', '--domain', example.baseDomain, '--dry-run']);
    expect(error).toBeUndefined();
    expect(calls).toEqual([]);
    expect(
      lines
        .filter((l) => l.startsWith('aws ssm put-parameter'))
        .map((l) => /--name (\S+)/.exec(l)![1])
        .sort(),
    ).toEqual(
      ofSource('account')
        .map((n) => prefix + n)
        .sort(),
    );
    expect(lines.at(-1)).toContain(`would write ${ofSource('account').length} parameters`);
    expect(snapshotDir(dir, ['node_modules'])).toEqual(before);
  });
});

describe('the bootstrap stack of a cluster with an environment on VPC Lattice', () => {
  let dir: string;
  let project: ReturnType<typeof loadProject>;
  let lattice: string[];
  beforeAll(() => {
    dir = linkProject(['clusters', 'environments']);
    const [first] = fs.readdirSync(path.join(dir, 'environments')).sort();
    const file = path.join(dir, 'environments', first);
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    doc.set('mesh', 'lattice');
    fs.writeFileSync(file, doc.toString());
    expect(synthInProcess(dir).status).toBe(0);
    project = loadProject(dir);
    lattice = project.environments.filter((e) => e.mesh === 'lattice').map((e) => e.name);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clusterOf = () => project.clusters.find((c) => c.name === project.environments.find((e) => e.name === lattice[0])!.cluster)!;
  const template = () => YAML.parse(fs.readFileSync(path.join(dir, bootstrapFiles(clusterOf().name).stack), 'utf8'));

  it("admits the Lattice prefix list on the pods' security groups, on each service port, and makes each environment's access-log group with a retention", () => {
    const cluster = clusterOf();
    const resources = Object.values(template().Resources) as any[];
    const ingress = resources.filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress').map((r) => r.Properties);
    const ports = [...new Set(project.services.map((s) => s.port))];
    expect(ingress.map((r) => `${r.GroupId}:${r.FromPort}-${r.ToPort}`).sort()).toEqual(
      cluster.securityGroupIds.flatMap((g) => ports.map((p) => `${g}:${p}-${p}`)).sort(),
    );
    for (const rule of ingress) expect(rule).toMatchObject({ IpProtocol: 'tcp', SourcePrefixListId: { Ref: LATTICE_PREFIX_LIST_PARAMETER } });
    expect(template().Parameters[LATTICE_PREFIX_LIST_PARAMETER].AllowedPattern).toBe('^pl-[0-9a-f]{8,17}$');
    const logs = resources.filter((r) => r.Type === 'AWS::Logs::LogGroup').map((r) => r.Properties);
    expect(logs).toEqual(
      lattice.map((name) => ({
        LogGroupName: accessLogGroup(
          cluster,
          project.environments.find((e) => e.name === name)!,
        ),
        RetentionInDays: ACCESS_LOG_RETENTION_DAYS,
      })),
    );
    // The AccessLogPolicy writes to exactly those groups.
    const policies = project.environments
      .filter((e) => lattice.includes(e.name))
      .map((e) => objectsOf(`${e.cluster}/${e.name}/namespace.yaml`).find((o) => o.kind === 'AccessLogPolicy'));
    expect(policies.map((p) => p.spec.destinationArn)).toEqual(
      logs.map((l) => `arn:aws:logs:${cluster.region}:${cluster.accountId}:log-group:${l.LogGroupName}:*`),
    );
  });

  it('bootstrap looks the prefix list up by name, checks its ranges and passes its id to the stack', async () => {
    const cluster = clusterOf();
    const { calls, error } = await run(dir, [cluster.name], awsAnswers(cluster));
    expect(error).toBeUndefined();
    expect(calls).toContain(
      `aws ec2 describe-managed-prefix-lists --region ${cluster.region} --filters Name=prefix-list-name,Values=${latticePrefixListName(cluster.region)} --output json`,
    );
    expect(calls.find((c) => c.startsWith('aws cloudformation deploy'))).toMatch(
      new RegExp(`--parameter-overrides ${LATTICE_PREFIX_LIST_PARAMETER}=pl-0123456789abcdef0$`),
    );
  });

  it('a prefix list with a range the NetworkPolicies do not admit stops it before the stack, naming the range', async () => {
    const cluster = clusterOf();
    const { calls, error } = await run(
      dir,
      [cluster.name],
      awsAnswers(cluster, { id: 'pl-0123456789abcdef0', cidrs: [...(LATTICE_CIDRS as readonly string[]), '129.224.0.0/17'] }),
    );
    expect(error?.message).toContain('holds 129.224.0.0/17, which the NetworkPolicies do not admit: add it to LATTICE_CIDRS in lib/render/mesh/lattice.ts');
    expect(calls.filter((c) => c.startsWith('aws cloudformation'))).toEqual([]);
  });

  function objectsOf(file: string): any[] {
    return YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', file), 'utf8')).map((d) => d.toJS());
  }
});

describe('bookstore bootstrap: bad arguments', () => {
  it.each([
    [['no-such-cluster'], 'unknown cluster "no-such-cluster": no clusters/no-such-cluster.ts'],
    [[], 'usage: bookstore bootstrap <cluster> [--domain <base-domain>] [--dry-run]'],
    [['eks-acg', 'argocd'], 'usage: bookstore bootstrap <cluster> [--domain <base-domain>] [--dry-run]'],
    [['eks-acg', '--print'], 'unknown option --print'],
    [['eks-acg', '--domain'], '--domain needs a value'],
  ])('%j', async (argv, message) => {
    const { calls, error } = await run(ROOT, argv);
    expect(error?.message).toContain(message);
    expect(calls).toEqual([]);
  });
});
