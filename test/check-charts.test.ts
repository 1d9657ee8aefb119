import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkArgoCdObjects, checkCharts, checkValues, helmApplications } from '../scripts/check-charts';
import { addOnsOf } from '../lib/render/project';
import { rendered, ROOT } from './helpers';

/** The vendored chart sources (development-time data, like `npm run import`'s): absent on a bare clone. */
const CHARTS = path.resolve(ROOT, '..', 'shared', 'charts');
const withCharts = fs.existsSync(CHARTS) ? describe : describe.skip;

withCharts('npm run check:charts', () => {
  const apps = () => helmApplications(rendered().rendered);

  it('passes on the repository: every Helm Application, Argo CD included', () => {
    const { applications, findings } = checkCharts(ROOT, CHARTS);
    expect(findings).toEqual([]);
    const { project } = rendered();
    expect(applications).toBe(project.clusters.flatMap((c) => addOnsOf(project, c.name)).filter((a) => a.chart).length);
  });

  it('names the Application and the path of a misspelt key, at the top and deep down', () => {
    const dns = apps().find((a) => a.chart === 'external-dns')!;
    const values = { ...dns.values, txtOwnerID: 'x', serviceAccount: { ...(dns.values.serviceAccount as object), annotation: {} } };
    expect(checkValues({ ...dns, values }, CHARTS)).toEqual(
      expect.arrayContaining([
        `external-dns: txtOwnerID: not a key of external-dns-${dns.version}/values.yaml`,
        `external-dns: serviceAccount.annotation: not a key of external-dns-${dns.version}/values.yaml`,
      ]),
    );
  });

  it('allows anything below a free-form map, and checks the schema where the chart has one', () => {
    const argo = apps().find((a) => a.chart === 'argo-cd')!;
    expect(checkValues({ ...argo, values: { ...argo.values, configs: { cm: { 'any.key': 'x' } } } }, CHARTS)).toEqual([]);
    const dns = apps().find((a) => a.chart === 'external-dns')!;
    expect(checkValues({ ...dns, values: { ...dns.values, policy: 'delete-everything' } }, CHARTS).join('\n')).toMatch(
      /^external-dns: policy: must be equal to one of the allowed values/m,
    );
  });

  it("reads an Istio chart's keys below _internal_defaults_do_not_set, set at the top level, and checks its profile", () => {
    const istiod = apps().find((a) => a.chart === 'istiod')!;
    expect(checkValues(istiod, CHARTS)).toEqual([]);
    expect(checkValues({ ...istiod, values: { ...istiod.values, gateways: { seccompProfil: {} } } }, CHARTS)).toEqual([
      `istiod: gateways.seccompProfil: not a key of istiod-${istiod.version}/values.yaml`,
    ]);
    expect(checkValues({ ...istiod, values: { ...istiod.values, _internal_defaults_do_not_set: { env: {} } } }, CHARTS)).toEqual([
      `istiod: _internal_defaults_do_not_set: not a key of istiod-${istiod.version}/values.yaml`,
    ]);
    expect(checkValues({ ...istiod, values: { ...istiod.values, platform: 'eks' } }, CHARTS)).toEqual([
      `istiod: platform: not a key of istiod-${istiod.version}/values.yaml`,
    ]);
    expect(checkValues({ ...istiod, values: { ...istiod.values, profile: 'ambiant' } }, CHARTS)).toEqual([
      `istiod: profile: ambiant is not a profile of istiod-${istiod.version} (files/profile-*.yaml)`,
    ]);
  });

  it('a missing chart folder is one line naming it', () => {
    const dns = apps().find((a) => a.chart === 'external-dns')!;
    expect(() => checkValues({ ...dns, version: '9.9.9' }, CHARTS)).toThrow(`${path.join(CHARTS, 'external-dns-9.9.9')}: no such chart folder`);
  });

  it('refuses an Argo CD field the deployed Argo CD does not have', () => {
    const argo = apps().find((a) => a.chart === 'argo-cd')!;
    const files = rendered()
      .rendered.filter((f) => f.path.endsWith('/argocd/root.yaml'))
      .map((f) => ({ ...f, objects: f.objects.map((o) => ({ ...o, spec: { ...o.spec, notAField: true } })) }));
    expect(checkArgoCdObjects(files, argo, CHARTS).join('\n')).toMatch(
      /root\.yaml: Application\/.*-root: \/spec must NOT have additional properties "notAField"/,
    );
  });
});
