import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, rendered } from './helpers';

/** CODEOWNERS rules in file order: a gitignore-style pattern (the subset used) and its owners. */
const RULES = fs
  .readFileSync(path.join(ROOT, 'CODEOWNERS'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [pattern, ...owners] = l.split(/\s+/);
    const body = pattern
      .replace(/^\//, '')
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*');
    // Anchored at the root; a trailing slash owns everything below the folder.
    return { pattern, owners, match: new RegExp(`^${body}${pattern.endsWith('/') ? '' : '$'}`) };
  });

/** The owners of a file: those of the last matching rule (none when it lists none). */
function ownersOf(file: string): string[] {
  return [...RULES].reverse().find((r) => r.match.test(file))?.owners ?? [];
}

describe('CODEOWNERS', () => {
  const { project } = rendered();

  it('owns every production environment by pattern, and frees only auto-synced development ones', () => {
    for (const environment of project.environments) {
      const files = [`environments/${environment.name}.yaml`, `dist/${environment.cluster}/${environment.name}/namespace.yaml`];
      const production = environment.tier === 'production' || !environment.sync.automated;
      for (const file of files) {
        if (production) expect([file, ownersOf(file)]).toEqual([file, ['@example-org/platform-owners']]);
        else if (ownersOf(file).length === 0)
          expect([environment.name, environment.tier, environment.sync.automated]).toEqual([environment.name, 'development', true]);
      }
      expect(ownersOf(`dist/${environment.cluster}/argocd/${environment.name}.yaml`)).toEqual(['@example-org/platform-owners']);
    }
  });

  it.each(['production', 'eu-production', 'staging', 'prod', 'development-eu', 'canary'])('owns a new environment named %s on any cluster', (name) => {
    expect(ownersOf(`environments/${name}.yaml`)).toEqual(['@example-org/platform-owners']);
    expect(ownersOf(`dist/eks-other/${name}/front-end.yaml`)).toEqual(['@example-org/platform-owners']);
  });

  it('frees the development environments of any cluster', () => {
    for (const name of ['development', 'eu-development']) {
      expect(ownersOf(`environments/${name}.yaml`)).toEqual([]);
      expect(ownersOf(`dist/eks-other/${name}/front-end.yaml`)).toEqual([]);
    }
    expect(ownersOf('dist/eks-acg/cluster/cluster.yaml')).toEqual(['@example-org/platform-owners']);
    expect(ownersOf('dist/eks-acg/platform/external-dns.yaml')).toEqual(['@example-org/platform-owners']);
  });
});
