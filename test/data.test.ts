import * as fs from 'node:fs';
import * as path from 'node:path';
import { ACK_DELETION_POLICY } from '../lib/render/constructs/ack';
import { UserError } from '../lib/model/errors';
import { checkPolicy, formatFinding, ACK_RETAINED } from '../lib/check/policy';
import { synthesize } from '../lib/synth';
import { allObjects, linkProject, objectsIn, podRoles, rendered } from './helpers';

// From the model: a service added or an environment added keeps these expectations true.
const ENVIRONMENTS = rendered().project.environments;
/** Each data-owning service and its table's name (without the environment prefix). */
const TABLES: Record<string, string> = Object.fromEntries(rendered().project.services.flatMap((s) => (s.table ? [[s.name, s.table.name]] : [])));

const tables = () => allObjects().filter(({ object }) => object.kind === 'Table');
/** The environment a rendered file belongs to (`<cluster>/<environment>/...`). */
const environmentOf = (file: string) => ENVIRONMENTS.find((e) => file.startsWith(`${e.cluster}/${e.name}/`))!;
const clusterConfig = (cluster = 'eks-acg') => objectsIn(`${cluster}/cluster/cluster.yaml`)[0];
const roleOf = (config: any, namespace: string, serviceAccount: string) =>
  podRoles(config).find((r) => r.namespace === namespace && r.serviceAccount === serviceAccount)!;
/** The inline policy statements of a service's ACK Role, as IAM reads them. */
const serviceStatements = (objects: readonly any[], service: string) =>
  JSON.parse(objects.find((o) => o.kind === 'Role').spec.inlinePolicies[service]).Statement;

describe('DynamoDB tables through ACK', () => {
  it("renders one Table per data-owning service and environment, in that service's file, and no other", () => {
    const found = tables()
      .map(({ file, object }) => `${file} ${object.metadata.namespace}/${object.metadata.name}`)
      .sort();
    const expected = ENVIRONMENTS.flatMap((env) =>
      Object.entries(TABLES).map(([service, table]) => `${env.cluster}/${env.name}/${service}.yaml ${env.namespace}/${env.name}-${table}`),
    ).sort();
    expect(found).toEqual(expected);
  });

  it.each(ENVIRONMENTS.map((e) => e.name))('keys every %s table by the string _id, on demand', (env) => {
    for (const { object } of tables().filter(({ file }) => environmentOf(file).name === env)) {
      expect(object.spec).toMatchObject({
        tableName: object.metadata.name,
        keySchema: [{ attributeName: '_id', keyType: 'HASH' }],
        attributeDefinitions: [{ attributeName: '_id', attributeType: 'S' }],
        billingMode: 'PAY_PER_REQUEST',
      });
      expect(object.spec.provisionedThroughput).toBeUndefined();
    }
  });

  it('turns point-in-time recovery and deletion protection on where the overlay says (production)', () => {
    expect(ENVIRONMENTS.some((e) => e.data.pointInTimeRecovery && e.data.deletionProtection)).toBe(true);
    for (const { file, object } of tables()) {
      const { data } = environmentOf(file);
      expect(object.spec.continuousBackups).toEqual({ pointInTimeRecoveryEnabled: data.pointInTimeRecovery });
      expect(object.spec.deletionProtectionEnabled).toBe(data.deletionProtection);
    }
  });

  it('never loses data to a sync: every Table is retained by ACK and never pruned or deleted by Argo CD', () => {
    expect(tables()).toHaveLength(ENVIRONMENTS.length * Object.keys(TABLES).length);
    for (const { object } of tables()) {
      expect(object.metadata.annotations[ACK_DELETION_POLICY]).toBe('retain');
      const options = object.metadata.annotations['argocd.argoproj.io/sync-options'].split(',');
      expect(options).toEqual(expect.arrayContaining(['Prune=false', 'Delete=false']));
    }
    expect(checkPolicy(rendered().project, rendered().rendered, [ACK_RETAINED])).toEqual([]);
  });

  it.each([
    [
      'without the deletion policy',
      (t: any) => {
        delete t.metadata.annotations[ACK_DELETION_POLICY];
      },
      'needs annotation services.k8s.aws/deletion-policy: retain',
    ],
    [
      'with deletion policy delete',
      (t: any) => {
        t.metadata.annotations[ACK_DELETION_POLICY] = 'delete';
      },
      'needs annotation services.k8s.aws/deletion-policy: retain',
    ],
    [
      'without Prune=false',
      (t: any) => {
        t.metadata.annotations['argocd.argoproj.io/sync-options'] = 'Delete=false';
      },
      'needs sync option Prune=false (argocd.argoproj.io/sync-options)',
    ],
    [
      'without sync options',
      (t: any) => {
        delete t.metadata.annotations['argocd.argoproj.io/sync-options'];
      },
      'needs sync option Prune=false (argocd.argoproj.io/sync-options)',
    ],
  ])('the table rule catches a Table %s', (_, breakIt, message) => {
    const files = rendered().rendered.map((f) => ({ ...f, objects: f.objects.map((o) => structuredClone(o)) }));
    const file = files.find((f) => f.path === 'eks-acg/production/inventory-api.yaml')!;
    breakIt(file.objects.find((o) => o.kind === 'Table'));
    const findings = checkPolicy(rendered().project, files, [ACK_RETAINED]);
    expect(findings.length).toBeGreaterThanOrEqual(1);
    expect(formatFinding(findings[0])).toBe(`dist/eks-acg/production/inventory-api.yaml: Table/production-inventory: ack-retained: ${message}`);
  });

  it("gives the same name to the Table, the pods' DYNAMODB_TABLE and both IAM policies", () => {
    for (const cluster of rendered().project.clusters) {
      const ackResources: string[] = roleOf(clusterConfig(cluster.name), 'ack-system', 'ack-dynamodb-controller').policy.Statement[0].Resource;
      const covered = (arn: string) => ackResources.some((pattern) => arn.startsWith(pattern.replace(/\*$/, '')));
      const mine = ENVIRONMENTS.filter((e) => e.cluster === cluster.name);
      for (const env of mine) {
        for (const [service, table] of Object.entries(TABLES)) {
          const objects = objectsIn(`${env.cluster}/${env.name}/${service}.yaml`);
          const name = objects.find((o) => o.kind === 'Table').spec.tableName;
          expect(name).toBe(`${env.name}-${table}`);
          const deployment = objects.find((o) => o.kind === 'Deployment');
          expect(deployment.spec.template.spec.containers[0].env).toContainEqual({ name: 'DYNAMODB_TABLE', value: name });
          const arn = `arn:aws:dynamodb:${cluster.region}:${cluster.accountId}:table/${name}`;
          const statement = serviceStatements(objects, service).find((s: any) => s.Action.includes('dynamodb:GetItem'));
          expect(statement.Resource).toEqual([arn, `${arn}/index/*`]);
          expect(covered(arn)).toBe(true);
        }
      }
      // The controller names the environments' tables by prefix: one pattern per environment, not per table.
      expect(ackResources).toEqual(mine.map((env) => `arn:aws:dynamodb:${cluster.region}:${cluster.accountId}:table/${env.name}-*`));
    }
  });

  it('follows one edit of the declaration everywhere: name and capacity', () => {
    const dir = linkProject(['services']);
    try {
      const file = path.join(dir, 'services', 'inventory-api.ts');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(file, 'utf8')
          .replace("import { defineService } from '../lib/model/service';", "import { COURSE_CAPACITY, defineService } from '../lib/model/service';")
          .replace("table: { name: 'inventory' }", "table: { name: 'stock', billing: COURSE_CAPACITY }"),
      );
      const { rendered: files } = synthesize(dir);
      const objects = files.find((f) => f.path === 'eks-acg/development/inventory-api.yaml')!.objects;
      const table = objects.find((o) => o.kind === 'Table');
      expect(table.spec).toMatchObject({
        tableName: 'development-stock',
        billingMode: 'PROVISIONED',
        provisionedThroughput: { readCapacityUnits: 5, writeCapacityUnits: 5 },
      });
      expect(objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].env).toContainEqual({
        name: 'DYNAMODB_TABLE',
        value: 'development-stock',
      });
      const arn = 'arn:aws:dynamodb:us-east-1:111122223333:table/development-stock';
      expect(serviceStatements(objects, 'inventory-api').find((s: any) => s.Action.includes('dynamodb:GetItem')).Resource).toEqual([arn, `${arn}/index/*`]);
      expect(JSON.stringify(objects)).not.toContain('table/development-inventory');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["table: { name: 'Inventory_Table' }", 'services/inventory-api.ts: table "Inventory_Table" is not a lower-case DNS-1123 name of at most 50 characters'],
    ["table: { name: 'clients' }", 'services/inventory-api.ts: table "clients" is already owned by clients-api'],
    ["table: 'inventory'", "services/inventory-api.ts: table must be { name: '<table>' } (a bare string is the old form)"],
    [
      "table: { name: 'inventory', billing: { provisioned: { read: 0, write: 5 } } }",
      'services/inventory-api.ts: table: provisioned capacity must be whole numbers of at least 1 (read 0, write 5)',
    ],
  ])('refuses %s with one line', (declaration, message) => {
    const dir = linkProject(['services']);
    try {
      const file = path.join(dir, 'services', 'inventory-api.ts');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("table: { name: 'inventory' }", declaration));
      let error: unknown;
      try {
        synthesize(dir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toBe(message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('installs the ACK controller before the environments, with a role that cannot delete tables', () => {
    const [app] = objectsIn('eks-acg/platform/ack-dynamodb.yaml');
    expect(app.spec.source).toMatchObject({
      repoURL: 'public.ecr.aws/aws-controllers-k8s',
      chart: 'dynamodb-chart',
      targetRevision: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
    expect(app.spec.destination.namespace).toBe('ack-system');
    // Its role reaches it through Pod Identity: the chart's service account carries no role annotation.
    expect(app.spec.source.helm.valuesObject.serviceAccount.annotations ?? {}).toEqual({});
    const role = roleOf(clusterConfig(), 'ack-system', 'ack-dynamodb-controller');
    expect([role.via, role.roleName]).toEqual(['pod-identity', 'eks-acg-ack-dynamodb']);
    const statements = role.policy.Statement;
    const actions: string[] = statements.flatMap((s: any) => s.Action);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:CreateTable', 'dynamodb:DescribeTable', 'dynamodb:UpdateTable', 'dynamodb:TagResource']));
    expect(actions.filter((a) => /Delete|\*|Item|Query|Scan/.test(a))).toEqual([]);
    const mine = ENVIRONMENTS.filter((e) => e.cluster === 'eks-acg');
    const waves = Object.fromEntries(
      objectsIn('eks-acg/argocd/platform.yaml')
        .concat(...mine.map((e) => objectsIn(`eks-acg/argocd/${e.name}.yaml`)))
        .map((o) => [o.metadata.name, Number(o.metadata.annotations['argocd.argoproj.io/sync-wave'])]),
    );
    for (const env of mine) expect(waves['eks-acg-platform']).toBeLessThan(waves[`eks-acg-${env.name}`]);
  });
});
