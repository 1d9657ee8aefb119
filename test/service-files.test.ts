import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { CONFIG_CHECKSUM_ANNOTATION } from '../lib/render/constructs/bookstore-service';
import { loadServices } from '../lib/load/project';
import { synthesize } from '../lib/synth';
import { ROOT, copyProject, editFile, linkProject, rendered, snapshotDir, synthAfterMistake } from './helpers';

/** Runs synth in a folder as a user would. */
function synth(cwd: string) {
  const run = spawnSync(process.execPath, ['--require', './bin/ts.js', 'main.ts'], { cwd, encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr.trim() };
}

const edit = editFile;

describe('service files are checked on load', () => {
  // A mistake in a service's fields is found by the loader's checks: run in this process, on a
  // project whose services/ and dist/ are its own, as main.ts runs them (one line, nothing written).
  it.each<[string, (dir: string) => void, string]>([
    [
      'a missing host',
      (d) => edit(d, 'services/inventory-api.ts', "  host: 'inventory-api',\n", ''),
      'synth: services/inventory-api.ts: host: missing: every service has an Ingress, whose host is <host><suffix>.<base domain>',
    ],
    [
      'a host taken twice',
      (d) => edit(d, 'services/resource-api.ts', "host: 'resource-api'", "host: 'inventory-api'"),
      'synth: services/resource-api.ts: host: "inventory-api" is already used by services/inventory-api.ts',
    ],
    [
      'a Service name taken twice',
      (d) => edit(d, 'services/inventory-api.ts', "  host: 'inventory-api',", "  host: 'inventory-api',\n  serviceName: 'clients-api-service',"),
      'synth: services/inventory-api.ts: serviceName: "clients-api-service" is already used by services/clients-api.ts',
    ],
    [
      'a service name taken twice',
      (d) => fs.copyFileSync(path.join(d, 'services/resource-api.ts'), path.join(d, 'services/resource-api-copy.ts')),
      'synth: services/resource-api-copy.ts: name: declares service "resource-api"; the file must be named resource-api.ts',
    ],
    [
      'a backend that is not a service',
      (d) => edit(d, 'services/inventory-api.ts', "service: 'resource-api'", "service: 'resources-api'"),
      `synth: services/inventory-api.ts: backends[0].service: "resources-api" is not a service (known: ${loadServices(ROOT)
        .map((s) => s.name)
        .join(', ')})`,
    ],
    [
      'a port out of range',
      (d) => edit(d, 'services/renting-api.ts', 'port: 5004', 'port: 70000'),
      'synth: services/renting-api.ts: port: 70000 is not a port (1-65535)',
    ],
    [
      'a missing health',
      (d) => edit(d, 'services/inventory-api.ts', "  health: { httpPath: '/summary' },\n", ''),
      "synth: services/inventory-api.ts: health: missing: { httpPath: '/path' } or { tcp: true, why: '...' }",
    ],
    [
      'missing resources',
      (d) => edit(d, 'services/inventory-api.ts', /  resources: .*\n/, ''),
      'synth: services/inventory-api.ts: resources: missing: { cpuMillis: [request, limit], memoryMiB: [request, limit] }',
    ],
    [
      'a missing security',
      (d) => edit(d, 'services/inventory-api.ts', /  security: \{[\s\S]*?\n  \},\n/, ''),
      'synth: services/inventory-api.ts: security: missing: {} is the restricted default; any loosening states its reason',
    ],
    [
      'a proxy route without its config key',
      (d) => edit(d, 'services/front-end-proxy.ts', ", configKey: 'rentingApi'", ''),
      "synth: services/front-end-proxy.ts: backends[3].configKey: missing: the route /renting-api/ needs the key the front-end's config.json gives it",
    ],
    [
      'an environment variable that resolves to undefined',
      (d) => edit(d, 'services/clients-api.ts', 'AWS_DEFAULT_REGION: cluster.region', 'AWS_DEFAULT_REGION: (cluster as any).regionName'),
      'synth: services/clients-api.ts: env: AWS_DEFAULT_REGION is undefined in development, not a string',
    ],
    [
      'a runtime the tracing add-on does not instrument',
      (d) => edit(d, 'services/renting-api.ts', 'port: 5004,', "port: 5004,\n  tracing: 'ruby',"),
      'synth: services/renting-api.ts: tracing: "ruby" is not a runtime the add-on instruments (java, python, dotnet, nodejs)',
    ],
    [
      'a retry event no provider knows',
      (d) =>
        edit(
          d,
          'services/resource-api.ts',
          'port: 5000,',
          "port: 5000,\n  calls: { retries: { count: 3, perTryTimeoutMs: 1000, events: ['timeout'] }, requestTimeoutSeconds: 10 },",
        ),
      'synth: services/resource-api.ts: calls.retries.events: must be a list of server-error, gateway-error, client-error, stream-error, connection-error',
    ],
  ])('%s stops synth with one line naming the file and field, dist/ unchanged', (_what, mistake, line) => {
    expect(synthAfterMistake(['services'], mistake)).toEqual({ status: 1, stderr: line });
  });
});

describe('config changes reach the pods', () => {
  it("a change to the proxy's nginx routes changes its Deployment's pod template (checksum annotation)", () => {
    const project = linkProject(['services']);
    try {
      edit(project, 'services/front-end-proxy.ts', "route: '/renting-api/'", "route: '/rentals-api/'");
      const { project: model } = rendered();
      for (const environment of model.environments) {
        const file = `${environment.cluster}/${environment.name}/front-end-proxy.yaml`;
        const template = (files: ReadonlyMap<string, string>) =>
          YAML.parseAllDocuments(files.get(file)!)
            .map((d) => d.toJS())
            .find((o) => o.kind === 'Deployment').spec.template;
        const before = template(rendered().files);
        const after = template(synthesize(project).files);
        expect(before.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
        expect(after.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).not.toBe(before.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]);
      }
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('run as a user runs it: node main.ts, the cdk8s CLI path and the README', () => {
  let project: string;
  beforeAll(() => {
    project = copyProject({ withDist: true });
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  // A service file Node cannot load at all.
  it.each<[string, (dir: string) => void, string]>([
    [
      'a syntax error',
      (d) => edit(d, 'services/renting-api.ts', 'port: 5004', 'port: 5004 5005'),
      `synth: services/renting-api.ts:${
        fs
          .readFileSync(path.join(ROOT, 'services/renting-api.ts'), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('port: 5004')) + 1
      }:${'  port: 5004 '.length + 1}: Expected "}" but found "5005"`,
    ],
    [
      'an import that does not resolve',
      (d) =>
        edit(
          d,
          'services/resource-api.ts',
          "import { defineService } from '../lib/model/service';",
          "import { defineService } from '../lib/model/service';\nimport '../lib/no-such-module';",
        ),
      "synth: services/resource-api.ts:2: cannot be loaded: Cannot find module '../lib/no-such-module'",
    ],
    // A bug in the user's own code is the user's error: the file and its line in the TypeScript, not an internal error.
    [
      'an error thrown while the file loads',
      (d) =>
        edit(
          d,
          'services/resource-api.ts',
          "import { defineService } from '../lib/model/service';",
          "import { defineService } from '../lib/model/service';\nconst region = (undefined as any).region;",
        ),
      "synth: services/resource-api.ts:2: cannot be loaded: Cannot read properties of undefined (reading 'region')",
    ],
    [
      'an error thrown by its env function',
      (d) =>
        edit(
          d,
          'services/clients-api.ts',
          /  env: \(\{ cluster, environment \}\) => \(\{\n/,
          '  env: ({ cluster, environment }) => ({\n    BROKEN: (cluster as any).nothing.here,\n',
        ),
      `synth: services/clients-api.ts:${
        fs
          .readFileSync(path.join(ROOT, 'services/clients-api.ts'), 'utf8')
          .split('\n')
          .findIndex((l) => l.startsWith('  env: ')) + 2
      }: env (development) threw TypeError: Cannot read properties of undefined (reading 'here')`,
    ],
  ])('%s stops synth with one line naming the file, exit 1, dist/ unchanged', (_what, mistake, line) => {
    const services = snapshotDir(path.join(project, 'services'));
    mistake(project);
    try {
      const before = snapshotDir(path.join(project, 'dist'));
      const run = synth(project);
      expect(run.stderr).toBe(line);
      expect(run.status).toBe(1);
      expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    } finally {
      for (const [file, text] of services) fs.writeFileSync(path.join(project, 'services', file), text);
    }
  });

  it('a failing `npm run cdk8s -- synth` leaves dist/ intact and prints no update-check stack trace', () => {
    edit(project, 'services/renting-api.ts', 'port: 5004', 'port: 0');
    const before = snapshotDir(path.join(project, 'dist'));
    const run = spawnSync('npm', ['run', '-s', 'cdk8s', '--', 'synth'], { cwd: project, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('synth: services/renting-api.ts: port: 0 is not a port (1-65535)');
    expect(run.stderr).not.toMatch(/_loadurl|new version .* of cdk8s-cli/);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    edit(project, 'services/renting-api.ts', 'port: 0', 'port: 5004');
  });

  it('prints the documented example overlay error, as written (docs/rendering.md)', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'docs', 'rendering.md'), 'utf8');
    const documented = /^synth: environments\/development\.yaml:\d+:\d+: images\.clients-api: tag is not .*$/m.exec(readme)?.[0];
    expect(documented).toBeDefined();
    const overlay = 'environments/development.yaml';
    // The line and column are where the tag sits in this overlay (a service added above it moves them).
    const rows = fs.readFileSync(path.join(project, overlay), 'utf8').split('\n');
    const row = rows.findIndex((r) => /^ {2}clients-api: /.test(r));
    const line = documented!.replace(/:\d+:\d+:/, `:${row + 1}:${rows[row].indexOf(': ') + 3}:`);
    edit(project, overlay, /clients-api: \S+/, 'clients-api: latest');
    const before = snapshotDir(path.join(project, 'dist'));
    try {
      const run = synth(project);
      expect(run.stderr).toBe(line);
      expect(run.status).toBe(1);
      expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    } finally {
      fs.copyFileSync(path.join(ROOT, overlay), path.join(project, overlay));
    }
  });
});
