/**
 * `npm run check:charts` (development-time, like `npm run import`): renders the project in memory,
 * writes nothing, and checks every Helm Application (the add-ons' and Argo CD's own):
 *  - every value path it sets is a key of its chart's values.yaml in ../shared/charts/<chart>-<version>/
 *    (below a map the chart leaves free-form, `{}`/null or a config map such as configs.cm, anything goes;
 *    an array is one value);
 *  - the chart's values merged with ours pass its values.schema.json, where it has one (ajv);
 *  - the Argo CD objects we render (Application, AppProject) are valid for the Argo CD that chart
 *    deploys: strictly against the CRDs of the pinned argo-cd chart (templates/crds/).
 * Exit 1 with one line per finding; a missing chart folder is one line naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import * as YAML from 'yaml';
import { runCommand, UserError } from '../lib/model/errors';
import { loadProject } from '../lib/load/project';
import { renderProject, type RenderedFile } from '../lib/render/project';

type Values = Record<string, unknown>;
const isMap = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One Application that installs a Helm chart, with the values it sets. */
export interface ChartValues {
  readonly application: string;
  readonly chart: string;
  readonly version: string;
  readonly values: Values;
}

/** Maps the chart fills with free-form entries although values.yaml gives some: every key is allowed below them. */
export const FREE_FORM: Readonly<Record<string, readonly string[]>> = {
  'argo-cd': ['configs.cm', 'configs.params', 'configs.rbac', 'configs.repositories'],
  // templates/configmap.yaml writes meshConfig as it is into the mesh config (Istio's MeshConfig, istio.mesh.v1alpha1).
  istiod: ['meshConfig'],
};

export function helmApplications(files: readonly RenderedFile[]): ChartValues[] {
  return files
    .flatMap((f) => f.objects)
    .filter((o) => o.kind === 'Application' && o.spec?.source?.chart)
    .map((o) => ({
      application: o.metadata.name,
      chart: o.spec.source.chart,
      version: o.spec.source.targetRevision,
      values: o.spec.source.helm?.valuesObject ?? {},
    }));
}

/** The value paths of `values` that `defaults` (the chart's values.yaml) does not have. */
function unknownPaths(values: Values, defaults: Values, prefix: string, freeForm: readonly string[]): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const at = prefix ? `${prefix}.${key}` : key;
    if (!(key in defaults)) return [at];
    const known = defaults[key];
    if (freeForm.includes(at) || known === null || (isMap(known) && Object.keys(known).length === 0)) return [];
    if (isMap(value) && isMap(known)) return unknownPaths(value, known, at, freeForm);
    if (isMap(known) && !isMap(value)) return [`${at} (the chart has a map here)`];
    return [];
  });
}

/** Helm's merge: our maps merged into the chart's, everything else replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over;
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** The chart's folder, or a UserError naming it. */
function chartFolder(chartsDir: string, chart: string, version: string): string {
  const dir = path.join(chartsDir, `${chart}-${version}`);
  if (!fs.existsSync(path.join(dir, 'values.yaml')))
    throw new UserError(`${dir}: no such chart folder (values.yaml); add the chart's sources there or fix the version`);
  return dir;
}

/**
 * Keys every Istio chart reads although its values.yaml does not list them (templates/zzz_profile.yaml):
 * `profile` loads files/profile-<name>.yaml, which must exist.
 */
const PROFILE_KEY = 'profile';

/**
 * The chart's defaults as a user sets them. Istio's charts nest theirs under
 * `_internal_defaults_do_not_set` (templates/zzz_profile.yaml merges a profile, then the user's values,
 * over them): a real key is one below it, set at the top level, plus `profile`.
 */
function chartDefaults(dir: string): Values {
  const values = (YAML.parse(fs.readFileSync(path.join(dir, 'values.yaml'), 'utf8')) ?? {}) as Values;
  const nested = values._internal_defaults_do_not_set;
  if (!isMap(nested)) return values;
  return { ...nested, [PROFILE_KEY]: null };
}

/** `profile: <name>` of an Istio chart names one of its files/profile-<name>.yaml. */
function profileFindings(app: ChartValues, dir: string, where: string): string[] {
  const profile = app.values[PROFILE_KEY];
  if (profile === undefined || !isMap((YAML.parse(fs.readFileSync(path.join(dir, 'values.yaml'), 'utf8')) ?? {})._internal_defaults_do_not_set)) return [];
  return fs.existsSync(path.join(dir, 'files', `profile-${String(profile)}.yaml`))
    ? []
    : [`${app.application}: profile: ${String(profile)} is not a profile of ${where} (files/profile-*.yaml)`];
}

/** Findings for one Application's values: `<application>: <path>: …`. */
export function checkValues(app: ChartValues, chartsDir: string): string[] {
  const dir = chartFolder(chartsDir, app.chart, app.version);
  const defaults = chartDefaults(dir);
  const where = `${app.chart}-${app.version}`;
  const findings = unknownPaths(app.values, defaults, '', FREE_FORM[app.chart] ?? []).map((p) => `${app.application}: ${p}: not a key of ${where}/values.yaml`);
  findings.push(...profileFindings(app, dir, where));
  const schemaFile = path.join(dir, 'values.schema.json');
  if (fs.existsSync(schemaFile)) {
    const { $schema: _draft, ...schema } = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    if (!validate(merge(defaults, app.values))) {
      for (const e of validate.errors ?? [])
        findings.push(`${app.application}: ${e.instancePath.slice(1).replace(/\//g, '.') || '(top)'}: ${e.message} (${where}/values.schema.json)`);
    }
  }
  return findings;
}

/** `additionalProperties: false` wherever an object schema names its properties: an unknown field is an error. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!isMap(schema)) return schema;
  const out: Values = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, strict(v)]));
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

/** The rendered Argo CD objects checked against the CRDs of the argo-cd chart we deploy (its Helm-templated CRD files, template lines dropped). */
export function checkArgoCdObjects(files: readonly RenderedFile[], argoCd: ChartValues, chartsDir: string): string[] {
  const crdDir = path.join(chartFolder(chartsDir, argoCd.chart, argoCd.version), 'templates', 'crds');
  const validators = new Map<string, ReturnType<Ajv['compile']>>();
  // Only the kinds we render (ApplicationSet's schema alone takes seconds to compile).
  const kinds = new Set(files.flatMap((f) => f.objects.map((o) => o.kind)));
  for (const file of fs.readdirSync(crdDir)) {
    const text = fs
      .readFileSync(path.join(crdDir, file), 'utf8')
      .split('\n')
      .filter((l) => !l.includes('{{'))
      .join('\n');
    const crd = YAML.parse(text);
    if (!kinds.has(crd.spec.names.kind)) continue;
    for (const version of crd.spec.versions) {
      const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      validators.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, ajv.compile(strict(version.schema.openAPIV3Schema)));
    }
  }
  return files
    .flatMap((f) => f.objects.map((o) => ({ file: f.path, o })))
    .flatMap(({ file, o }) => {
      const validate = validators.get(`${o.apiVersion} ${o.kind}`);
      if (!validate || validate(o)) return [];
      return (validate.errors ?? []).map(
        (e) =>
          `dist/${file}: ${o.kind}/${o.metadata.name}: ${e.instancePath || '(top)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` "${e.params.additionalProperty}"` : ''} (Argo CD ${argoCd.chart}-${argoCd.version} CRDs)`,
      );
    });
}

export function checkCharts(root: string, chartsDir: string): { applications: number; findings: string[] } {
  const files = renderProject(loadProject(root));
  const apps = helmApplications(files);
  const findings = apps.flatMap((app) => checkValues(app, chartsDir));
  const argoCd = apps.find((a) => a.chart === 'argo-cd');
  if (argoCd) findings.push(...checkArgoCdObjects(files, argoCd, chartsDir));
  return { applications: apps.length, findings };
}

if (require.main === module) {
  runCommand('check:charts', () => {
    const root = path.resolve(__dirname, '..');
    const { applications, findings } = checkCharts(root, path.resolve(root, '..', 'shared', 'charts'));
    for (const finding of findings) console.error(`check:charts: ${finding}`);
    if (findings.length > 0) throw new UserError(`${findings.length} finding(s) in ${applications} Helm Application(s)`);
    console.log(`check:charts: ${applications} Helm Application(s): every value path is a key of its chart; Argo CD objects valid for the deployed Argo CD`);
  });
}
