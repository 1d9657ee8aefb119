import * as fs from 'node:fs';
import * as path from 'node:path';
import { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA, ARGOCD_NAMESPACE, IN_CLUSTER } from '../lib/model/argocd-conventions';
import { ARGOCD_ACCESS_POLICY, capabilitiesReport } from '../lib/render/capabilities';
import { bootstrap } from '../lib/commands/bootstrap';
import { podRoles } from '../lib/render/cluster-config';
import { loadProject } from '../lib/load/project';
import { checkPolicy, MANAGED_ARGOCD, NO_SECRETS } from '../lib/check/policy';
import { pendingReport, synthesize, type SynthResult } from '../lib/synth';
import { validateClusterConfig } from '../lib/check/validate';
import { editFile, linkProject, rendered, synthInProcess } from './helpers';

const [example] = rendered().project.clusters;
const IDENTITY_CENTER = { region: example.region, adminGroup: 'platform-admins' };
const SIGN_IN_FACTS = {
  'identity-center-instance-arn': 'arn:aws:sso:::instance/ssoins-72230f1b2c3d4e5f',
  'argocd-admin-group-id': '906733ee-5021-70d4-9d0d-1d0f4a6b2c3e',
};

/** A copy of the project whose example cluster file says `controllers: 'eks-capabilities'`, with `facts` added to its cache. */
function capabilityProject(facts: Record<string, string> = SIGN_IN_FACTS): string {
  const dir = linkProject(['clusters']);
  editFile(
    dir,
    `clusters/${example.name}.ts`,
    /\n\}\);\s*$/,
    `\n  controllers: 'eks-capabilities',\n  identityCenter: ${JSON.stringify(IDENTITY_CENTER)},\n});\n`,
  );
  const cache = path.join(dir, 'clusters', `${example.name}.context.json`);
  fs.writeFileSync(cache, JSON.stringify({ ...JSON.parse(fs.readFileSync(cache, 'utf8')), ...facts }, null, 2));
  return dir;
}

/** The example cluster's objects only: the other clusters of an extended project stay as they are. */
const objectsOf = (result: SynthResult) =>
  result.rendered.filter((f) => f.path.startsWith(`${example.name}/`)).flatMap((f) => f.objects.map((object) => ({ file: f.path, object })));

describe(`${example.name} with controllers: eks-capabilities`, () => {
  let dir: string;
  let managed: SynthResult;
  beforeAll(() => {
    dir = capabilityProject();
    managed = synthesize(dir); // schemas and policy checked: it throws on any finding
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const replaced = () => managed.project.addOns.filter((a) => a.capability);
  const config = () => managed.rendered.find((f) => f.path === `${example.name}/cluster/cluster.yaml`)!.objects[0];
  const workloads = () => ({ environments: managed.project.environments.filter((e) => e.cluster === example.name), services: managed.project.services });
  const arn = `arn:aws:eks:${example.region}:${example.accountId}:cluster/${example.name}`;

  it('renders no self-run Argo CD or ACK controller: none of the add-ons a capability replaces, none of their roles', () => {
    expect(
      replaced()
        .map((a) => a.capability)
        .sort(),
    ).toEqual(expect.arrayContaining(['ACK', 'ARGOCD']));
    const self = rendered();
    for (const addOn of replaced()) {
      // In the self-managed render each is there; here neither its file nor its Application nor its role.
      expect(self.rendered.some((f) => f.path.startsWith(`${example.name}/`) && f.path.endsWith(`/${addOn.name}.yaml`))).toBe(true);
      expect(managed.rendered.filter((f) => f.path.startsWith(`${example.name}/`) && f.path.endsWith(`/${addOn.name}.yaml`))).toEqual([]);
      expect(objectsOf(managed).filter(({ object }) => object.kind === 'Application' && object.metadata.name === addOn.name)).toEqual([]);
      const role = addOn.awsRole?.(example, workloads());
      if (role) expect(podRoles(config()).filter((r) => r.serviceAccount === role.serviceAccount && r.namespace === role.namespace)).toEqual([]);
    }
  });

  it('has eksctl create the Argo CD capability, signing people in through Identity Center, with cluster access, retained', () => {
    const argocd = config().capabilities.find((c: any) => c.type === 'ARGOCD');
    expect(argocd).toEqual({
      name: `${example.name}-argocd`,
      type: 'ARGOCD',
      deletePropagationPolicy: 'RETAIN',
      configuration: {
        argocd: {
          namespace: ARGOCD_NAMESPACE,
          awsIdc: { idcInstanceArn: SIGN_IN_FACTS['identity-center-instance-arn'], idcRegion: IDENTITY_CENTER.region },
          rbacRoleMappings: [{ role: 'ADMIN', identities: [{ id: SIGN_IN_FACTS['argocd-admin-group-id'], type: 'SSO_GROUP' }] }],
        },
      },
      accessPolicies: [{ policyARN: ARGOCD_ACCESS_POLICY, accessScope: { type: 'cluster' } }],
    });
  });

  it("passes eksctl's own schema, which refuses a capability field eksctl does not know", () => {
    expect(validateClusterConfig(config())).toEqual([]);
    const broken = JSON.parse(JSON.stringify(config()));
    broken.capabilities[0].deletionPolicy = 'RETAIN';
    expect(validateClusterConfig(broken).map((f) => f.message)).toContain('/capabilities/0: unknown field "deletionPolicy"');
  });

  it("gives the ACK capability the ACK controllers' own scoped statements, each once", () => {
    const ack = config().capabilities.find((c: any) => c.type === 'ACK');
    expect(ack.deletePropagationPolicy).toBe('RETAIN');
    const own = replaced()
      .filter((a) => a.capability === 'ACK')
      .flatMap((a) => a.awsRole!(example, workloads()).policy!.Statement);
    const strip = ({ Sid, ...rest }: any) => rest;
    expect(ack.attachPolicy.Statement.map(strip)).toEqual(JSON.parse(JSON.stringify(own.map(strip))));
    const sids = ack.attachPolicy.Statement.map((s: any) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
  });

  it('carries the Application health check into the argocd-cm the capability reads, and registers the cluster by its ARN', () => {
    const folder = objectsOf(managed)
      .filter(({ file }) => file.startsWith(`${example.name}/argocd/`))
      .map(({ object }) => object);
    const cm = folder.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-cm');
    expect(cm.metadata).toMatchObject({ namespace: ARGOCD_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'argocd' } });
    expect(cm.data[APPLICATION_HEALTH_KEY]).toBe(APPLICATION_HEALTH_LUA);
    const registration = folder.find((o) => o.kind === 'Secret' && o.metadata.labels['argocd.argoproj.io/secret-type'] === 'cluster');
    expect(registration.stringData.server).toBe(arn);
    // Every Application and AppProject is in the capability's namespace and deploys to that ARN, never kubernetes.default.svc.
    const argo = objectsOf(managed)
      .filter(({ object }) => String(object.apiVersion).startsWith('argoproj.io/'))
      .map(({ object }) => object);
    expect(argo.length).toBeGreaterThan(0);
    for (const o of argo) {
      expect(o.metadata.namespace).toBe(ARGOCD_NAMESPACE);
      for (const d of o.kind === 'AppProject' ? o.spec.destinations : [o.spec.destination]) expect(d.server).toBe(arn);
    }
    expect(JSON.stringify(objectsOf(managed))).not.toContain(IN_CLUSTER);
  });

  it('declares each OCI chart repository its add-ons use, with no credentials', () => {
    const oci = [
      ...new Set(
        objectsOf(managed)
          .filter(({ file }) => file.startsWith(`${example.name}/platform/`))
          .map(({ object }) => object)
          .filter((o) => o.kind === 'Application' && o.spec.source.chart && !/^https?:/.test(o.spec.source.repoURL))
          .map((o) => o.spec.source.repoURL),
      ),
    ].sort();
    const secrets = objectsOf(managed)
      .map(({ object }) => object)
      .filter((o) => o.kind === 'Secret' && o.metadata.labels['argocd.argoproj.io/secret-type'] === 'repository');
    expect(secrets.map((s) => s.stringData.url).sort()).toEqual(oci);
    for (const s of secrets) expect(Object.keys(s.stringData).sort()).toEqual(['enableOCI', 'name', 'type', 'url']);
  });

  it('says what it carries over and what AWS decides', () => {
    expect(capabilitiesReport(managed.project.clusters)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^synth: ${example.name} runs Argo CD and ACK as EKS Capabilities .*carried: the Application health check.*${IDENTITY_CENTER.adminGroup} as ADMIN`,
        ),
      ),
    ]);
    expect(capabilitiesReport(rendered().project.clusters)).toEqual([]);
  });

  it.each([
    [
      "an Application outside the capability's namespace",
      (o: any) => {
        o.metadata.namespace = 'tools';
      },
      'the Argo CD capability watches argocd only',
    ],
    [
      'a destination by kubernetes.default.svc',
      (o: any) => {
        o.spec.destination.server = IN_CLUSTER;
      },
      `the Argo CD capability knows this cluster as ${arn}`,
    ],
    [
      'a config management plugin',
      (o: any) => {
        o.spec.source.plugin = { name: 'kustomize-helm' };
      },
      'the Argo CD capability runs none',
    ],
  ])('refuses %s in one finding', (_, breakIt, message) => {
    const file = managed.rendered.find((f) => f.path === `${example.name}/argocd/root.yaml`)!;
    const broken = JSON.parse(JSON.stringify(file));
    breakIt(broken.objects.find((o: any) => o.kind === 'Application'));
    const findings = checkPolicy(managed.project, [broken], [MANAGED_ARGOCD]);
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining(message)]);
  });

  it('still refuses a Secret with a credential, even one labelled for Argo CD', () => {
    const file = managed.rendered.find((f) => f.path === `${example.name}/argocd/argocd-config.yaml`)!;
    const broken = JSON.parse(JSON.stringify(file));
    broken.objects.find((o: any) => o.kind === 'Secret').stringData.password = 'hunter2';
    expect(checkPolicy(managed.project, [broken], [NO_SECRETS]).map((f) => f.message)).toEqual([expect.stringContaining('is a Secret with data')]);
  });

  it('bootstrap applies the root for the capability, and installs no Argo CD with helm', async () => {
    expect(synthInProcess(dir).status).toBe(0);
    const lines: string[] = [];
    await bootstrap([example.name, '--dry-run'], { root: dir, log: (l) => lines.push(l) });
    expect(lines.filter((l) => /^helm /.test(l))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^kubectl apply -f dist/${example.name}/argocd/ `)));
  });
});

describe('a cluster file that chooses eks-capabilities', () => {
  it('waits for the Identity Center facts like any other, naming them', () => {
    const dir = capabilityProject({});
    try {
      const cache = path.join(dir, 'clusters', `${example.name}.context.json`);
      expect(JSON.parse(fs.readFileSync(cache, 'utf8'))).not.toHaveProperty('argocd-admin-group-id');
      const project = loadProject(dir);
      expect(pendingReport(project).join('\n')).toMatch(/identity-center-instance-arn, argocd-admin-group-id/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds those facts with bootstrap: the Identity Center instance and the admin group by its name', async () => {
    const dir = capabilityProject({});
    try {
      const lines: string[] = [];
      await bootstrap([example.name, '--dry-run'], { root: dir, log: (l) => lines.push(l) });
      expect(lines.some((l) => l.startsWith(`aws sso-admin list-instances --region ${IDENTITY_CENTER.region} `))).toBe(true);
      expect(lines.some((l) => l.startsWith('aws identitystore get-group-id ') && l.includes(`"AttributeValue":"${IDENTITY_CENTER.adminGroup}"`))).toBe(true);
      const written = lines.filter((l) => l.startsWith('aws ssm put-parameter')).map((l) => /--name (\S+)/.exec(l)![1]);
      expect(written).toEqual(expect.arrayContaining(Object.keys(SIGN_IN_FACTS).map((n) => `${example.ssmPrefix}${n}`)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['without identityCenter', "  controllers: 'eks-capabilities',\n", "controllers: 'eks-capabilities' needs identityCenter: { region, adminGroup }"],
    ['with an unknown choice', "  controllers: 'aws-managed',\n", 'controllers "aws-managed" is not self-managed or eks-capabilities'],
    [
      'with identityCenter but self-managed',
      `  identityCenter: ${JSON.stringify(IDENTITY_CENTER)},\n`,
      "identityCenter is for controllers: 'eks-capabilities'",
    ],
  ])('%s: synth stops with one line naming the cluster file', (_, line, message) => {
    const dir = linkProject(['clusters']);
    try {
      editFile(dir, `clusters/${example.name}.ts`, /\n\}\);\s*$/, `\n${line}});\n`);
      const result = synthInProcess(dir);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`clusters/${example.name}.ts: ${message}`);
      expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
