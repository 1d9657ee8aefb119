import * as fs from 'node:fs';
import * as path from 'node:path';
import { boundaryArn, iamPath } from '../lib/render/iam';
import { UserError } from '../lib/model/errors';
import { ecrRepositoryName, serviceRoleArn } from '../lib/model/naming';
import { builtServices } from '../lib/model/service';
import { synthesize, type SynthResult } from '../lib/synth';
import { linkProject, rendered, podRoles } from './helpers';

const WAVE = 'argocd.argoproj.io/sync-wave';
const waveOf = (object: any) => Number(object?.metadata?.annotations?.[WAVE] ?? 0);

/** Every role ARN a string of the rendered object names, with the file and object naming it. */
function roleReferences(result: SynthResult): Array<{ file: string; object: any; arn: string }> {
  return result.rendered.flatMap((file) =>
    file.objects.flatMap((object) => {
      // A role's own trust policy names the OIDC provider, never a role; its ARN is its own, not a reference.
      if (object.kind === 'Role') return [];
      // A whole ARN, not a pattern (the IAM controller's policy names `role/<path>*`).
      return [...JSON.stringify(object).matchAll(/arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+(?![\w+=,.@/*-])/g)].map(([arn]) => ({ file: file.path, object, arn }));
    }),
  );
}

/** The roles each source creates: eksctl's (bootstrap, at `/`) and the ACK Roles with their file. */
function createdRoles(result: SynthResult) {
  // Each file is its cluster's (`<cluster>/...`), in that cluster's account.
  const accountOf = (file: string) => result.project.clusters.find((c) => file.startsWith(`${c.name}/`))!.accountId;
  const bootstrap = result.rendered
    .filter((f) => f.schema === 'eksctl')
    .flatMap((f) => podRoles(f.objects[0]).map((r) => `arn:aws:iam::${accountOf(f.path)}:role/${r.roleName}`));
  const ack = result.rendered.flatMap((file) =>
    file.objects
      .filter((o) => o.kind === 'Role' && o.apiVersion.startsWith('iam.services.k8s.aws/'))
      .map((object) => ({ file: file.path, object, arn: `arn:aws:iam::${accountOf(file.path)}:role${object.spec.path}${object.spec.name}` })),
  );
  return { bootstrap, ack };
}

/** Where an object falls in Argo CD's order: its Application's wave, then its own wave inside it. */
function syncPosition(result: SynthResult, file: string, object: any): [number, number] {
  const [cluster, folder] = file.split('/');
  const application = result.rendered
    .filter((f) => f.path.startsWith(`${cluster}/argocd/`))
    .flatMap((f) => f.objects)
    .find((o) => o.kind === 'Application' && o.spec.source.path === `dist/${cluster}/${folder}`);
  return [waveOf(application), waveOf(object)];
}
const notAfter = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

function withProject(edit: (dir: string) => void): { result?: SynthResult; error?: unknown } {
  const dir = linkProject(['services', 'environments']);
  try {
    edit(dir);
    return { result: synthesize(dir) };
  } catch (error) {
    return { error };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A sixth service, a copy of inventory-api with its own name, host and table, and its tag in each overlay. */
function addSixthService(dir: string): void {
  const source = fs.readFileSync(path.join(dir, 'services', 'inventory-api.ts'), 'utf8');
  fs.writeFileSync(
    path.join(dir, 'services', 'wishlist-api.ts'),
    source
      .replace("name: 'inventory-api'", "name: 'wishlist-api'")
      .replace("host: 'inventory-api'", "host: 'wishlist-api'")
      .replace("table: { name: 'inventory' }", "table: { name: 'wishlist' }")
      .replace('port: 5001', 'port: 5005'),
  );
  for (const overlay of fs.readdirSync(path.join(dir, 'environments'))) {
    const file = path.join(dir, 'environments', overlay);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('images:\n', 'images:\n  wishlist-api: 1.0.0badcafe\n'));
  }
}

describe('the AWS side of the services, through ACK', () => {
  it('every role ARN a rendered object references is created by the bootstrap or by an ACK Role synced no later than its first user', () => {
    const result = rendered();
    const { bootstrap, ack } = createdRoles(result);
    const references = roleReferences(result);
    expect(references.length).toBeGreaterThan(0);
    for (const { file, object, arn } of references) {
      if (bootstrap.includes(arn)) continue;
      // A service-linked role is AWS's: the permission to have it created is granted, the role is not ours to create.
      if (arn.includes(':role/aws-service-role/')) continue;
      const creators = ack.filter((r) => r.arn === arn);
      expect([arn, creators.length]).toEqual([arn, 1]);
      expect([arn, file, notAfter(syncPosition(result, creators[0].file, creators[0].object), syncPosition(result, file, object))]).toEqual([arn, file, true]);
    }
    // Every service of every environment runs under an ACK Role: the services' roles left eksctl.
    for (const environment of result.project.environments) {
      for (const service of result.project.services) {
        const arn = serviceRoleArn(
          result.project.clusters.find((c) => c.name === environment.cluster)!,
          environment,
          service.name,
        );
        expect(ack.map((r) => r.arn)).toContain(arn);
        expect(bootstrap).not.toContain(arn);
      }
    }
  });

  it('creates no role twice (eksctl and ACK, by name: IAM role names are unique whatever the path)', () => {
    const { bootstrap, ack } = createdRoles(rendered());
    const names = [...bootstrap, ...ack.map((r) => r.arn)].map((arn) => arn.slice(arn.lastIndexOf('/') + 1));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('puts each service role under the cluster path, with the boundary the bootstrap template creates', () => {
    const result = rendered();
    for (const cluster of result.project.clusters) {
      const template = result.rendered.find((f) => f.path === `${cluster.name}/cluster/bootstrap.yaml`)!.objects[0];
      const boundary = template.Resources.ServiceBoundary.Properties;
      expect(`arn:aws:iam::${cluster.accountId}:policy${boundary.Path}${boundary.ManagedPolicyName}`).toBe(boundaryArn(cluster));
      // The boundary is outside the path the IAM controller may write to.
      expect(boundaryArn(cluster)).not.toContain(`:policy${iamPath(cluster)}`);
      for (const { object } of createdRoles(result).ack.filter((r) => r.file.startsWith(`${cluster.name}/`))) {
        expect(object.spec.path).toBe(iamPath(cluster));
        expect(object.spec.permissionsBoundary).toBe(boundaryArn(cluster));
      }
    }
  });

  it('the IAM controller cannot escalate: only the cluster path, only with the boundary, never the boundary itself', () => {
    const result = rendered();
    for (const cluster of result.project.clusters) {
      const config = result.rendered.find((f) => f.path === `${cluster.name}/cluster/cluster.yaml`)!.objects[0];
      const statements: any[] = podRoles(config).find((r) => r.serviceAccount === 'ack-iam-controller')!.policy.Statement;
      const allows = statements.filter((s) => s.Effect === 'Allow');
      const path = `arn:aws:iam::${cluster.accountId}:(role|policy)${iamPath(cluster)}\\*$`;
      for (const s of allows) for (const r of [s.Resource].flat()) expect(r).toMatch(new RegExp(path));
      const conditioned = (action: string) =>
        allows.filter((s) => s.Action.includes(action)).every((s) => s.Condition?.StringEquals?.['iam:PermissionsBoundary'] === boundaryArn(cluster));
      for (const action of ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']) {
        expect([action, allows.some((s) => s.Action.includes(action)), conditioned(action)]).toEqual([action, true, true]);
      }
      expect(allows.flatMap((s) => s.Action)).not.toContain('iam:DeleteRolePermissionsBoundary');
      const denied = statements.filter((s) => s.Effect === 'Deny' && [s.Resource].flat().includes(boundaryArn(cluster))).flatMap((s) => s.Action);
      expect(denied).toEqual(expect.arrayContaining(['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy']));
    }
  });

  it('renders one retained, immutable, scanned ECR repository per built service, once per cluster, before the environments', () => {
    const result = rendered();
    const repositories = result.rendered.flatMap((f) => f.objects.filter((o) => o.kind === 'Repository').map((object) => ({ file: f.path, object })));
    // Each cluster's account has its own registry.
    expect(repositories.map((r) => r.object.spec.name).sort()).toEqual(
      result.project.clusters.flatMap(() => builtServices(result.project.services).map(ecrRepositoryName)).sort(),
    );
    for (const { file, object } of repositories) {
      expect(file).toMatch(/^[^/]+\/registry\//);
      expect(object.spec).toMatchObject({ imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: 'IMMUTABLE' });
      const rules = JSON.parse(object.spec.lifecyclePolicy).rules;
      expect(rules.some((r: any) => r.selection.tagStatus === 'any' && r.selection.countType === 'imageCountMoreThan' && r.selection.countNumber > 0)).toBe(
        true,
      );
      expect(object.metadata.annotations).toMatchObject({
        'services.k8s.aws/deletion-policy': 'retain',
        'services.k8s.aws/adoption-policy': 'adopt-or-create',
        'services.k8s.aws/adoption-fields': JSON.stringify({ name: object.spec.name }),
      });
      const [registry] = syncPosition(result, file, object);
      for (const environment of result.project.environments.filter((e) => file.startsWith(`${e.cluster}/`))) {
        const [platform] = syncPosition(result, `${environment.cluster}/platform/x.yaml`, undefined);
        const [workloads] = syncPosition(result, `${environment.cluster}/${environment.name}/x.yaml`, undefined);
        expect(platform < registry && registry < workloads).toBe(true);
      }
    }
  });

  it('adding a sixth service changes nothing under dist/<cluster>/cluster/ and renders its role, table and repository', () => {
    const before = rendered();
    const { result, error } = withProject(addSixthService);
    expect(error).toBeUndefined();
    const bootstrapFiles = (r: SynthResult) => [...r.files].filter(([file]) => /^[^/]+\/cluster\//.test(file));
    expect(bootstrapFiles(before).length).toBeGreaterThan(0);
    expect(bootstrapFiles(result!)).toEqual(bootstrapFiles(before));
    for (const environment of result!.project.environments) {
      const kinds = result!.rendered.find((f) => f.path === `${environment.cluster}/${environment.name}/wishlist-api.yaml`)!.objects.map((o) => o.kind);
      expect(kinds).toEqual(expect.arrayContaining(['Table', 'Role', 'ServiceAccount', 'Deployment']));
    }
    expect(result!.files.has(`${result!.project.clusters[0].name}/registry/wishlist-api.yaml`)).toBe(true);
  });

  it('grants declared access that fits the boundary', () => {
    const { result, error } = withProject((dir) => {
      const file = path.join(dir, 'services', 'renting-api.ts');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(file, 'utf8')
          .replace(
            "table: { name: 'renting' },",
            "table: { name: 'renting' },\n  awsAccess: ({ cluster, environment }) => [{ actions: ['dynamodb:GetItem'], resources: [`arn:aws:dynamodb:${cluster.region}:${cluster.accountId}:table/${environment.name}-clients`] }],",
          ),
      );
    });
    expect(error).toBeUndefined();
    const role = result!.rendered.find((f) => f.path.endsWith('/development/renting-api.yaml'))!.objects.find((o) => o.kind === 'Role');
    expect(JSON.parse(role.spec.inlinePolicies['renting-api']).Statement).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:GetItem'],
      Resource: ['arn:aws:dynamodb:us-east-1:111122223333:table/development-clients'],
    });
  });

  it('refuses, in one line naming the file and the action, a service whose access exceeds the boundary', () => {
    const { error } = withProject((dir) => {
      const file = path.join(dir, 'services', 'renting-api.ts');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(file, 'utf8')
          .replace(
            "table: { name: 'renting' },",
            "table: { name: 'renting' },\n  awsAccess: () => [{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bookstore-uploads/*'] }],",
          ),
      );
    });
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      "services/renting-api.ts: awsAccess: s3:GetObject on arn:aws:s3:::bookstore-uploads/* (development) exceeds the permissions boundary of eks-acg (eks-acg-service-boundary: the environments' tables, their meshes, X-Ray)",
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('a cluster without environments renders no statement with an empty Resource', () => {
    const { result, error } = withProject((dir) => {
      for (const overlay of fs.readdirSync(path.join(dir, 'environments'))) fs.rmSync(path.join(dir, 'environments', overlay));
    });
    expect(error).toBeUndefined();
    const statements = result!.rendered
      .filter((f) => f.path.includes('/cluster/'))
      .flatMap((f) => [
        ...podRoles(f.objects[0]).flatMap((r) => r.policy?.Statement ?? []),
        ...Object.values<any>(f.objects[0].Resources ?? {}).flatMap((r) => r.Properties.PolicyDocument?.Statement ?? []),
      ]);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) expect([s.Resource].flat().length).toBeGreaterThan(0);
  });
});
