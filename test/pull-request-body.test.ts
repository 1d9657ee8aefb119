import { changedFields, diffObjects, indexObjects } from '../lib/output/objects';
import { BODY_LIMIT, pullRequestBody, showChange } from '../lib/commands/promote-body';
import { rendered } from './helpers';

describe('the pull request body stays readable at size', () => {
  const { project } = rendered();
  const environment = (name: string) => project.environments.find((e) => e.name === name)!;
  const [from, to] = [environment('development'), environment('production')];

  it('shows an array change element by element, never the whole array', () => {
    const before = {
      spec: {
        containers: [
          {
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
        ],
      },
    };
    const after = {
      spec: {
        containers: [
          {
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
            ],
          },
        ],
      },
    };
    expect(changedFields(before, after)).toEqual([
      { path: 'spec.containers[0].env[1].value', before: '2', after: '3' },
      { path: 'spec.containers[0].env[2].name', before: undefined, after: 'C' },
      { path: 'spec.containers[0].env[2].value', before: undefined, after: '4' },
    ]);
  });

  it('keeps the changed tail of a long value (the image tag) instead of cutting it off', () => {
    const registry = '111122223333.dkr.ecr.us-east-1.amazonaws.com/bookstore.clients-api';
    const line = showChange(`${registry}:1.0.3b9e1c27`, `${registry}:1.0.0aaaaaaa`);
    expect(line).toBe('`…bookstore.clients-api:1.0.3b9e1c27` → `…bookstore.clients-api:1.0.0aaaaaaa`');
    // A long value with the change in the middle shows the changed part, elided on both sides.
    const long = (x: string) => `${'a'.repeat(100)}/key=${x}/${'z'.repeat(100)}`;
    const middle = showChange(long('old'), long('new'));
    expect(middle).toMatch(/^`…key=old\/z+…` → `…key=new\/z+…`$/);
    expect(middle.length).toBeLessThan(250);
  });

  it("summarizes a long body per kind and collapses the full list, within each provider's limit", () => {
    // Every object of production changed: far more than fit in the open.
    const files = new Map([...rendered().files].filter(([f]) => f.startsWith(`${to.cluster}/${to.name}/`)));
    const before = indexObjects(files);
    const after = new Map(
      [...before].map(([key, o]) => [
        key,
        { ...o, object: { ...o.object, metadata: { ...o.object.metadata, labels: { ...o.object.metadata.labels, x: 'y' } } } },
      ]),
    );
    const diff = diffObjects(before, after);
    const changes = [{ service: 'clients-api', current: '1.0.3b9e1c27', next: '1.0.0aaaaaaa' }];
    const body = pullRequestBody(from, to, changes, diff, BODY_LIMIT.github);
    expect(body).toMatch(/\| kind \| added \| changed \| removed \|/);
    expect(body).toContain(`<details><summary>All ${diff.changed.length} objects and their changed fields</summary>`);
    expect(body).toContain('</details>');
    expect(body.indexOf('| Deployment |')).toBeLessThan(body.indexOf('<details>'));
    const short = pullRequestBody(from, to, changes, diff, 3000);
    expect(short.length).toBeLessThanOrEqual(3000);
    expect(short).toMatch(/- … and \d+ more object\(s\): `bookstore diff` on the branch lists every one/);
    expect(short).toContain('</details>');
  });
});
