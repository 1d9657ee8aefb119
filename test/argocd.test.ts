import * as fs from 'node:fs';
import * as path from 'node:path';
import { WAVES } from '../lib/render/charts/argocd';
import { meshProviderOf } from '../lib/render/mesh';
import { addOnsOf } from '../lib/render/project';
import { synthesize } from '../lib/synth';
import { allObjects, find, linkProject, rendered } from './helpers';

const REPO = 'https://github.com/example-org/bookstore-gitops.git';
const argocd = (file: string) => `eks-acg/argocd/${file}.yaml`;

/** The Applications of the argocd folder that sync folders of this repository (Argo CD's own Helm Application aside). */
function applications() {
  return allObjects()
    .filter(({ file, object }) => file.startsWith('eks-acg/argocd/') && object.kind === 'Application' && !object.spec.source.chart)
    .map(({ object }) => object);
}

/** Whether an AppProject allows an Application's destination, the way Argo CD matches them. */
function allows(project: any, destination: any): boolean {
  return project.spec.destinations.some((d: any) => d.server === destination.server && (d.namespace === '*' || d.namespace === destination.namespace));
}

describe('Argo CD objects of eks-acg', () => {
  it('every Application reads this repository at main, from a folder that exists in dist/', () => {
    const apps = applications();
    expect(apps.map((a) => a.metadata.name).sort()).toEqual([
      'eks-acg-development',
      'eks-acg-platform',
      'eks-acg-production',
      'eks-acg-registry',
      'eks-acg-root',
    ]);
    const folders = new Set([...rendered().files.keys()].map((f) => `dist/${path.dirname(f)}`));
    for (const app of apps) {
      expect(app.spec.source.repoURL).toBe(REPO);
      expect(app.spec.source.targetRevision).toBe('main');
      expect(folders).toContain(app.spec.source.path);
      expect(app.metadata.namespace).toBe('argocd');
    }
  });

  it('never syncs the eksctl cluster config', () => {
    for (const app of applications()) expect(app.spec.source.path).not.toMatch(/\/cluster$/);
  });

  it('the root app manages the argocd folder itself, automatically', () => {
    const root = find(argocd('root'), 'Application', 'eks-acg-root');
    expect(root.spec.source.path).toBe('dist/eks-acg/argocd');
    expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('every Application stays inside the destinations and sources its project allows', () => {
    const projects = new Map(
      allObjects()
        .filter(({ object }) => object.kind === 'AppProject')
        .map(({ object }) => [object.metadata.name, object]),
    );
    expect([...projects.keys()].sort()).toEqual(['bookstore', 'platform']);
    for (const app of allObjects()
      .filter(({ object }) => object.kind === 'Application')
      .map(({ object }) => object)) {
      const project = projects.get(app.spec.project);
      expect(project).toBeDefined();
      expect([app.metadata.name, allows(project, app.spec.destination)]).toEqual([app.metadata.name, true]);
      const repo = app.spec.source.repoURL;
      expect([app.metadata.name, project.spec.sourceRepos]).toEqual([app.metadata.name, expect.arrayContaining([repo])]);
    }
  });

  it("the bookstore project allows only this repository, the environment namespaces and their Namespace and their mesh providers' cluster-scoped kinds", () => {
    const project = find(argocd('projects'), 'AppProject', 'bookstore');
    expect(project.spec.sourceRepos).toEqual([REPO]);
    expect(project.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'development' },
      { server: 'https://kubernetes.default.svc', namespace: 'production' },
    ]);
    const kinds = rendered()
      .project.environments.filter((e) => e.cluster === 'eks-acg')
      .flatMap((e) => meshProviderOf(e).clusterKinds)
      .filter((k, i, all) => all.findIndex((o) => o.group === k.group && o.kind === k.kind) === i);
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }, ...kinds]);
  });

  it('every cluster-scoped object an environment renders is allowed by the bookstore project', () => {
    const allowed = find(argocd('projects'), 'AppProject', 'bookstore').spec.clusterResourceWhitelist;
    const clusterScoped = allObjects().filter(({ file, object }) => /^eks-acg\/(development|production)\//.test(file) && !object.metadata.namespace);
    for (const { object } of clusterScoped) {
      const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
      expect(allowed).toContainEqual({ group, kind: object.kind });
    }
  });

  it('development syncs itself with prune and self-heal; production waits for a person and never prunes', () => {
    const development = find(argocd('development'), 'Application', 'eks-acg-development');
    expect(development.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true'],
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
    });
    const production = find(argocd('production'), 'Application', 'eks-acg-production');
    expect(production.spec.syncPolicy.automated).toBeUndefined();
    expect(JSON.stringify(production.spec.syncPolicy)).not.toContain('prune');
    expect(production.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'production' });
  });

  it('orders projects before the platform before the environments', () => {
    const wave = (o: any) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    const projects = allObjects()
      .filter(({ object }) => object.kind === 'AppProject')
      .map(({ object }) => wave(object));
    const platform = wave(find(argocd('platform'), 'Application', 'eks-acg-platform'));
    const environments = ['development', 'production'].map((e) => wave(find(argocd(e), 'Application', `eks-acg-${e}`)));
    expect(Math.max(...projects)).toBeLessThan(platform);
    for (const w of environments) expect(platform).toBeLessThan(w);
    expect([Math.max(...projects), platform, ...environments]).toEqual([WAVES.projects, WAVES.platform, WAVES.environments, WAVES.environments]);
  });
});

describe('adding a cluster', () => {
  let project: string;
  beforeAll(() => {
    project = linkProject(['clusters', 'environments']);
    const definition = fs.readFileSync(path.join(project, 'clusters', 'eks-acg.ts'), 'utf8');
    fs.writeFileSync(
      path.join(project, 'clusters', 'eks-west.ts'),
      definition
        .replace("name: 'eks-acg'", "name: 'eks-west'")
        .replace(/us-east-1/g, 'us-west-2')
        .replace('/bookstore/eks-acg/', '/bookstore/eks-west/'),
    );
    const context = JSON.parse(fs.readFileSync(path.join(project, 'clusters', 'eks-acg.context.json'), 'utf8'));
    const west = Object.fromEntries(
      Object.entries(context).map(([k, v]) => [k.replace(/us-east-1/g, 'us-west-2'), String(v).replace(/us-east-1/g, 'us-west-2')]),
    );
    fs.writeFileSync(path.join(project, 'clusters', 'eks-west.context.json'), JSON.stringify(west, null, 2));
    const staging = fs
      .readFileSync(path.join(project, 'environments', 'development.yaml'), 'utf8')
      .replace('cluster: eks-acg', 'cluster: eks-west')
      .replace('namespace: development', 'namespace: staging')
      .replace('hostSuffix: -development', 'hostSuffix: -staging');
    fs.writeFileSync(path.join(project, 'environments', 'staging.yaml'), staging);
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it('is one cluster file (and its context): it renders its own tree, projects and root', () => {
    const rendered = synthesize(project).files;
    const files = [...rendered.keys()];
    expect(files.filter((f) => f.startsWith('eks-west/')).sort()).toEqual(
      expect.arrayContaining([
        'eks-west/argocd/projects.yaml',
        'eks-west/argocd/root.yaml',
        'eks-west/argocd/staging.yaml',
        'eks-west/staging/clients-api.yaml',
      ]),
    );
    expect(files.filter((f) => f.startsWith('eks-west/') && /\/(development|production)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('eks-acg/') && f.includes('staging'))).toEqual([]);
    expect(rendered.get('eks-west/argocd/root.yaml')).toContain('path: dist/eks-west/argocd');
    expect(rendered.get('eks-west/argocd/projects.yaml')).toContain('namespace: staging');
    expect(rendered.get('eks-west/staging/clients-api.yaml')).toContain('dkr.ecr.us-west-2.amazonaws.com');
  });
});

describe('Argo CD manages itself', () => {
  const app = () => find(argocd('argo-cd'), 'Application', 'argo-cd');

  it('installs its own chart at an exact version into argocd, after the projects and before the platform', () => {
    const { spec, metadata } = app();
    expect(spec.source).toMatchObject({
      repoURL: 'https://argoproj.github.io/argo-helm',
      chart: 'argo-cd',
      targetRevision: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
    expect(spec.source.helm.releaseName).toBe('argo-cd');
    expect(spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    expect(Number(metadata.annotations['argocd.argoproj.io/sync-wave'])).toBe(WAVES.argocd);
    expect(WAVES.projects).toBeLessThan(WAVES.argocd);
    expect(WAVES.argocd).toBeLessThan(WAVES.platform);
  });

  it('declares every OCI chart repository the add-ons use, public: no credentials', () => {
    const { project } = rendered();
    const oci = addOnsOf(project, 'eks-acg').flatMap((a) => (a.chart && !a.chart.repository.startsWith('https://') ? [a.chart.repository] : []));
    expect(oci.length).toBeGreaterThan(0);
    const repositories = Object.values(app().spec.source.helm.valuesObject.configs.repositories) as any[];
    for (const url of oci) expect(repositories).toContainEqual({ url, name: url, type: 'helm', enableOCI: 'true' });
    for (const repository of repositories) expect(Object.keys(repository).sort()).toEqual(['enableOCI', 'name', 'type', 'url']);
  });

  it('runs highly available and keeps no admin password in Git', () => {
    const values = app().spec.source.helm.valuesObject;
    expect(values['redis-ha']).toEqual({ enabled: true });
    for (const component of ['server', 'repoServer', 'applicationSet']) expect(values[component].replicas).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(values)).not.toMatch(/password|argocdServerAdmin/i);
  });

  it('the platform project allows its chart repository, its namespace and its cluster-scoped kinds', () => {
    const project = find(argocd('projects'), 'AppProject', 'platform');
    expect(project.spec.sourceRepos).toContain('https://argoproj.github.io/argo-helm');
    expect(project.spec.destinations).toContainEqual(app().spec.destination);
    expect(project.spec.destinations.filter((d: any) => d.namespace === 'argocd')).toHaveLength(1);
    for (const kind of ['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']) {
      expect(project.spec.clusterResourceWhitelist.map((k: any) => k.kind)).toContain(kind);
    }
  });
});
