import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { git } from '../lib/git';
import { readTree, synthesize, treeDifferences } from '../lib/synth';
import { GitFixture } from './git-fixture';

// Its own file, so that jest runs it next to the other suites instead of after them.
describe('20 bumps started at the same moment from 20 clones', () => {
  const SERVICES = 20;
  let fixture: GitFixture;
  beforeAll(() => {
    // 20 distinct services: the real five plus generated ones shaped like resource-api.
    fixture = new GitFixture((seed) => {
      const template = fs.readFileSync(path.join(seed, 'services', 'resource-api.ts'), 'utf8');
      const overlays = ['development', 'production'].map((e) => path.join(seed, 'environments', `${e}.yaml`));
      for (let i = 1; i <= SERVICES - 5; i++) {
        const name = `extra-${String(i).padStart(2, '0')}-api`;
        fs.writeFileSync(path.join(seed, 'services', `${name}.ts`), template
          .replace("name: 'resource-api'", `name: '${name}'`).replace("host: 'resource-api'", `host: '${name}'`).replace("table: { name: 'resources' }", `table: { name: '${name}' }`));
        for (const overlay of overlays) fs.writeFileSync(overlay, fs.readFileSync(overlay, 'utf8').replace('images:\n', `images:\n  ${name}: 1.0.00000000\n`));
      }
      const { files } = synthesize(seed);
      fs.rmSync(path.join(seed, 'dist'), { recursive: true, force: true });
      for (const [file, text] of files) {
        fs.mkdirSync(path.dirname(path.join(seed, 'dist', file)), { recursive: true });
        fs.writeFileSync(path.join(seed, 'dist', file), text);
      }
    });
  });
  // A timed-out run must not leave its bumps running.
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
    fixture.remove();
  });

  it('all land, none lost, history linear', async () => {
    const services = ['front-end', 'clients-api', 'inventory-api', 'renting-api', 'resource-api',
      ...Array.from({ length: SERVICES - 5 }, (_, i) => `extra-${String(i + 1).padStart(2, '0')}-api`)];
    const clones = services.map(() => fixture.clone());
    const bin = path.join(__dirname, '..', 'bin', 'bookstore.js');
    const results = await Promise.all(services.map((service, i) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'bump', 'development', service, `2.0.${String(i).padStart(8, 'a')}`, '--max-tries', '60',
        // The jittered backoff is for real CI runners; here it would only be waited out.
        '--backoff-ms', '0'], { cwd: clones[i] });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => resolve({ code, stderr }));
    })));
    expect(results.filter((r) => r.code !== 0)).toEqual([]);
    const history = fixture.history();
    expect(history.slice(1).sort()).toEqual(services.map((s, i) => `deploy(development): ${s} 2.0.${String(i).padStart(8, 'a')}`).sort());
    expect(git(fixture.remote, ['rev-list', '--merges', '--count', 'main']).trim()).toBe('0');
    const check = fixture.clone();
    const overlay = fs.readFileSync(path.join(check, 'environments', 'development.yaml'), 'utf8');
    services.forEach((s, i) => expect(overlay).toContain(`${s}: 2.0.${String(i).padStart(8, 'a')}`));
    expect(treeDifferences(synthesize(check).files, readTree(path.join(check, 'dist')))).toEqual([]);
  }, 300000);
});
