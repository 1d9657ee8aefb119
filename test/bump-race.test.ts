import * as fs from 'node:fs';
import * as path from 'node:path';
import { bump } from '../lib/commands/bump';
import { git } from '../lib/commands/git';
import { loadProject } from '../lib/load/project';
import { builtServices } from '../lib/model/service';
import { ROOT } from './helpers';
import { readTree, synthesize, treeDifferences } from '../lib/synth';
import { GitFixture } from './git-fixture';

// Its own file, so that jest runs it next to the other suites instead of after them.
// The bumps run in this process (git runs beside it), so their backoff can be injected: see VirtualClock.
// Eight bumps prove what twenty did: they all commit on the same first head, so exactly one push lands
// at once and seven are refused, fetch, re-apply and push again, round after round, each deeper in its
// backoff window, against one bare remote; nothing in bump depends on how many race. Twenty cost
// about 25 s of a 2-core machine (each round re-fetches for every bump still waiting), eight about 5 s.
describe('8 bumps started at the same moment from 8 clones', () => {
  const SERVICES = 8;
  // The project's own built services, then generated ones up to 8.
  const real = builtServices(loadProject(ROOT).services);
  const extras = Array.from({ length: SERVICES - real.length }, (_, i) => `extra-${String(i + 1).padStart(2, '0')}-api`);
  let fixture: GitFixture;
  beforeAll(() => {
    // Distinct services: the real ones plus generated ones shaped like resource-api, in every overlay.
    fixture = new GitFixture((seed) => {
      const template = fs.readFileSync(path.join(seed, 'services', 'resource-api.ts'), 'utf8');
      const overlays = fs.readdirSync(path.join(seed, 'environments')).map((e) => path.join(seed, 'environments', e));
      for (const name of extras) {
        fs.writeFileSync(
          path.join(seed, 'services', `${name}.ts`),
          template
            .replace("name: 'resource-api'", `name: '${name}'`)
            .replace("host: 'resource-api'", `host: '${name}'`)
            .replace("table: { name: 'resources' }", `table: { name: '${name}' }`),
        );
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
  afterAll(() => fixture.remove());

  it('all land, none lost, history linear', async () => {
    const services = [...real, ...extras];
    const tagOf = (i: number) => `2.0.${String(i).padStart(8, 'a')}`;
    const clones = await fixture.cloneMany(services.length);
    const clock = new VirtualClock(services.length);
    const logs = services.map(() => [] as string[]);
    // One process, one bump per clone: each waits on git without blocking the others, so their pushes race at the remote.
    const results = await Promise.allSettled(
      services.map((service, i) =>
        bump(['development', service, tagOf(i), '--max-tries', '60'], { root: clones[i], log: (l) => logs[i].push(l), sleep: clock.sleep }).finally(clock.done),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // Every clone committed on the same first head, so exactly one push landed at once and the others retried.
    const attempts = logs.map((lines) => Number(/\(attempt (\d+)\)$/.exec(lines[lines.length - 1])?.[1] ?? 1));
    expect(attempts.filter((n) => n === 1)).toHaveLength(1);
    // Each wait is drawn from its jittered window: below 500 ms × 2^(attempt-1), capped at 16 × 500 ms.
    for (const lines of logs) {
      lines
        .filter((l) => l.includes('retrying in'))
        .forEach((l, k) => {
          expect(Number(/retrying in (\d+) ms/.exec(l)![1])).toBeLessThanOrEqual(Math.min(8000, 500 * 2 ** k));
        });
    }
    const history = fixture.history();
    expect(history.slice(1).sort()).toEqual(services.map((s, i) => `deploy(development): ${s} ${tagOf(i)}`).sort());
    expect(git(fixture.remote, ['rev-list', '--merges', '--count', 'main']).trim()).toBe('0');
    const check = fixture.clone();
    const overlay = fs.readFileSync(path.join(check, 'environments', 'development.yaml'), 'utf8');
    services.forEach((s, i) => expect(overlay).toContain(`${s}: ${tagOf(i)}`));
    expect(treeDifferences(synthesize(check).files, readTree(path.join(check, 'dist')))).toEqual([]);
  }, 300000);
});

/**
 * The bumps' backoff in virtual time, so that its timings are used but not waited out: work takes
 * no virtual time, and when every bump is asleep or done, the clock jumps to the earliest wake-up
 * and wakes the bumps due then (all of them, should two draw the same moment).
 */
class VirtualClock {
  private now = 0;
  private asleep: Array<{ at: number; wake: () => void }> = [];

  constructor(private running: number) {}

  readonly sleep = (ms: number) =>
    new Promise<void>((wake) => {
      this.asleep.push({ at: this.now + ms, wake });
      this.running--;
      this.advance();
    });

  readonly done = () => {
    this.running--;
    this.advance();
  };

  private advance(): void {
    if (this.running > 0 || this.asleep.length === 0) return;
    this.now = Math.min(...this.asleep.map((s) => s.at));
    const due = this.asleep.filter((s) => s.at === this.now);
    this.asleep = this.asleep.filter((s) => s.at !== this.now);
    this.running += due.length;
    for (const s of due) s.wake();
  }
}
