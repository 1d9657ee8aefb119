import * as fs from 'node:fs';
import * as path from 'node:path';
import { addOnFile } from '../lib/model/addon';
import { loadProject } from '../lib/load/project';
import { RENOVATE_VERSION } from '../scripts/check-renovate';
import { ROOT } from './helpers';

interface CustomManager {
  readonly description: string;
  readonly managerFilePatterns: readonly string[];
  readonly matchStrings: readonly string[];
  readonly datasourceTemplate: string;
}

const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'renovate.json'), 'utf8'));
const managers: CustomManager[] = config.customManagers;
const project = loadProject(ROOT);

/** A `/…/` pattern of managerFilePatterns as a RegExp (Renovate's regex form; globs are not used here). */
function filePattern(pattern: string): RegExp {
  const match = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  if (!match) throw new Error(`not a /regex/ pattern: ${pattern}`);
  return new RegExp(match[1], match[2]);
}

/** The files of the folders Renovate scans, relative to the root. */
function repositoryFiles(): string[] {
  return ['platform', 'clusters', 'services', 'scripts', 'docs'].flatMap((dir) => fs.readdirSync(path.join(ROOT, dir)).map((f) => `${dir}/${f}`));
}

/** What one manager extracts from the current files: the named groups of every match. */
function extract(manager: CustomManager): Array<Record<string, string>> {
  const files = repositoryFiles().filter((f) => manager.managerFilePatterns.some((p) => filePattern(p).test(f)));
  return files.flatMap((file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    return manager.matchStrings.flatMap((s) => [...text.matchAll(new RegExp(s, 'g'))].map((m) => ({ ...m.groups })));
  });
}

const byDatasource = (datasource: string) => managers.filter((m) => m.datasourceTemplate === datasource);

describe('renovate.json custom managers match the pins as they are today', () => {
  it('every manager finds at least one pin', () => {
    for (const manager of managers) expect([manager.description, extract(manager).length > 0]).toEqual([manager.description, true]);
  });

  it('the chart managers find every chart an add-on pins (Argo CD included), with its repository and version', () => {
    const chartManagers = managers.filter(
      (m) => ['helm', 'docker'].includes(m.datasourceTemplate) && m.managerFilePatterns.some((p) => filePattern(p).test('platform/x.ts')),
    );
    const found = chartManagers
      .flatMap(extract)
      .map((g) => `${g.registryUrl ?? g.ociRepository} ${g.depName} ${g.currentValue}`)
      .sort();
    const pinned = project.addOns.flatMap((a) => (a.chart ? [`${a.chart.repository} ${a.chart.chart} ${a.chart.version}`] : [])).sort();
    expect(found).toEqual(pinned);
    expect(pinned.some((p) => p.includes(' argo-cd '))).toBe(true);
  });

  it("the endoflife-date manager finds each cluster's Kubernetes version", () => {
    const found = byDatasource('endoflife-date')
      .flatMap(extract)
      .map((g) => g.currentValue)
      .sort();
    expect(found).toEqual(project.clusters.map((c) => c.kubernetesVersion).sort());
  });

  it('the docker manager of services finds each public image pin', () => {
    const found = byDatasource('docker')
      .filter((m) => m.managerFilePatterns.some((p) => filePattern(p).test('services/x.ts')))
      .flatMap(extract)
      .map((g) => `${g.depName}:${g.currentValue}`)
      .sort();
    const pinned = project.services.flatMap((s) => (s.image.kind === 'public' ? [s.image.image] : [])).sort();
    expect(pinned.length).toBeGreaterThan(0);
    expect(found).toEqual(pinned);
  });

  it("the Gateway API CRD tag is found, and Istio's charts are grouped into one pull request", () => {
    const tags = byDatasource('github-tags')
      .flatMap(extract)
      .map((g) => `${g.depName} ${g.currentValue}`);
    expect(tags).toEqual(['kubernetes-sigs/gateway-api v1.5.1']);
    const istio = project.addOns
      .filter((a) => a.chart?.repository === 'https://istio-release.storage.googleapis.com/charts')
      .map(addOnFile)
      .sort();
    expect(istio).toHaveLength(4);
    const group = config.packageRules.find((r: any) => r.groupName === 'Istio');
    expect([...group.matchFileNames].sort()).toEqual(istio);
  });

  it('the npm manager finds the Renovate npm run check:renovate runs, in the script and in docs/platform.md, one version', () => {
    const found = byDatasource('npm')
      .flatMap(extract)
      .map((g) => g.currentValue);
    expect(found).toEqual([RENOVATE_VERSION, RENOVATE_VERSION]);
  });

  it('re-renders dist/ in the same pull request', () => {
    expect(config.postUpgradeTasks).toMatchObject({ commands: ['npm ci', 'npm run synth'], fileFilters: ['dist/**'] });
  });
});
