import { addOnFile } from '../lib/model/addon';
import { loadClusterDefinitions, loadProject } from '../lib/load/project';
import { compare, expectedPins, RENOVATE_VERSION, type ExtractedDep, type RenovateReport } from '../scripts/check-renovate';
import { defaultProps as gatewayApiCrds } from '../platform/gateway-api-crds';
import { ROOT } from './helpers';

// `npm run check:renovate` runs Renovate itself (not here: npx fetches ~440 MB); these tests check
// what it compares Renovate's report with, on reports shaped like the one renovate@RENOVATE_VERSION writes.
const project = loadProject(ROOT);
const pins = expectedPins(ROOT, project);

/** The report Renovate writes when it extracts every pin: its deps in the form its managers give them. */
function fullReport(): Record<string, ExtractedDep[]> {
  const files: Record<string, ExtractedDep[]> = {};
  const add = (file: string, dep: ExtractedDep) => (files[file] ??= []).push(dep);
  for (const a of project.addOns) {
    if (!a.chart) continue;
    const { repository, chart, version } = a.chart;
    add(
      addOnFile(a),
      repository.startsWith('https://')
        ? { datasource: 'helm', depName: chart, packageName: chart, registryUrls: [repository], currentValue: version }
        : { datasource: 'docker', depName: chart, packageName: `${repository}/${chart}`, currentValue: version },
    );
  }
  add('platform/gateway-api-crds.ts', {
    datasource: 'github-tags',
    depName: 'kubernetes-sigs/gateway-api',
    packageName: 'kubernetes-sigs/gateway-api',
    currentValue: gatewayApiCrds.gatewayApi.version,
  });
  for (const c of loadClusterDefinitions(ROOT))
    add(`clusters/${c.name}.ts`, { datasource: 'endoflife-date', depName: 'amazon-eks', packageName: 'amazon-eks', currentValue: c.kubernetesVersion });
  for (const s of project.services) {
    if (s.image.kind !== 'public') continue;
    const [name, tag] = s.image.image.split(/:(?=[^:]+$)/);
    add(`services/${s.name}.ts`, { datasource: 'docker', depName: name, packageName: name, currentValue: tag });
  }
  for (const file of ['scripts/check-renovate.ts', 'docs/platform.md'])
    add(file, { datasource: 'npm', depName: 'renovate', packageName: 'renovate', currentValue: RENOVATE_VERSION });
  return files;
}

const report = (files: Record<string, ExtractedDep[]>): RenovateReport => ({
  repositories: { local: { packageFiles: { regex: Object.entries(files).map(([packageFile, deps]) => ({ packageFile, deps })) } } },
});

describe('npm run check:renovate', () => {
  it('expects every pin of the model: each add-on chart, the Gateway API CRDs tag, each cluster, each public image', () => {
    const labels = pins.map((p) => `${p.file}: ${p.label}`);
    const charts = project.addOns.filter((a) => a.chart);
    expect(labels.filter((l) => l.includes(': chart '))).toHaveLength(charts.length);
    for (const istio of ['istio-base', 'istiod', 'istio-cni', 'ztunnel'])
      expect(labels.some((l) => l.startsWith(`platform/${istio}.ts: chart https://istio-release.`))).toBe(true);
    expect(labels).toContain(`platform/gateway-api-crds.ts: git ${gatewayApiCrds.gatewayApi.repository} ${gatewayApiCrds.gatewayApi.version}`);
    expect(labels).toContain(`clusters/eks-acg.ts: kubernetesVersion ${loadClusterDefinitions(ROOT).find((c) => c.name === 'eks-acg')!.kubernetesVersion}`);
    expect(labels.filter((l) => l.startsWith('services/'))).toHaveLength(project.services.filter((s) => s.image.kind === 'public').length);
  });

  it('passes on a report with every pin, and counts per manager', () => {
    const files = fullReport();
    expect(compare(pins, report(files))).toEqual({ findings: [], managers: { regex: { files: Object.keys(files).length, deps: pins.length } } });
  });

  it('names the file and the pin Renovate missed, and what it extracted there instead', () => {
    const files = fullReport();
    delete files['platform/gateway-api-crds.ts'];
    // An OCI chart whose package name lost its slash (a broken packageNameTemplate), in a file of its own.
    const addOn = project.addOns.find(
      (a) => a.chart && !a.chart.repository.startsWith('https://') && project.addOns.filter((b) => addOnFile(b) === addOnFile(a)).length === 1,
    )!;
    const chart = addOn.chart!;
    const file = addOnFile(addOn);
    files[file] = files[file].map((d) => ({ ...d, packageName: `${chart.repository}${d.depName}` }));
    expect(compare(pins, report(files)).findings).toEqual([
      `${file}: chart ${chart.repository} ${chart.chart} ${chart.version}: not extracted by Renovate (it extracted there: docker ${chart.repository}${chart.chart} ${chart.version})`,
      `platform/gateway-api-crds.ts: git ${gatewayApiCrds.gatewayApi.repository} ${gatewayApiCrds.gatewayApi.version}: not extracted by Renovate`,
    ]);
  });

  it('fails a pin Renovate extracts but skips, except for want of a GitHub token (a local run has none)', () => {
    const files = fullReport();
    files['platform/gateway-api-crds.ts'] = files['platform/gateway-api-crds.ts'].map((d) => ({ ...d, skipReason: 'github-token-required' }));
    expect(compare(pins, report(files)).findings).toEqual([]);
    files['clusters/eks-acg.ts'] = files['clusters/eks-acg.ts'].map((d) => ({ ...d, skipReason: 'invalid-value' }));
    expect(compare(pins, report(files)).findings).toEqual([
      expect.stringMatching(/^clusters\/eks-acg\.ts: kubernetesVersion .*: extracted but skipped by Renovate \(invalid-value\)$/),
    ]);
  });
});
