import type { PlatformAddOn } from '../lib/render/addon';
import { APPLICATION_HEALTH_KEY } from '../platform/argo-cd';
import { addOnsOf } from '../lib/render/project';
import { allObjects, find, rendered } from './helpers';

const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const waveOf = (object: any) => Number(object.metadata?.annotations?.[SYNC_WAVE] ?? 0);
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
/** Where a sync puts an object: the wave of its folder's Application in the root, then its own wave. */
type Position = readonly [number, number];
const after = (a: Position, b: Position) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

describe.each(rendered().project.clusters.map((c) => [c.name]))('sync waves of %s', (cluster) => {
  const { project } = rendered();
  const objects = allObjects().filter(({ file }) => file.startsWith(`${cluster}/`));
  const folderApplications = objects.filter(
    ({ file, object }) => file.startsWith(`${cluster}/argocd/`) && object.kind === 'Application' && object.spec.source.path,
  );
  /** The root's wave of the Application that syncs dist/<cluster>/<folder>. */
  function folderWave(folder: string): number {
    const apps = folderApplications.filter(({ object }) => object.spec.source.path === `dist/${cluster}/${folder}`);
    expect([folder, apps.length]).toEqual([folder, 1]);
    return waveOf(apps[0].object);
  }
  /** Argo CD's own chart is installed by the bootstrap before the root exists: it comes before everything. */
  function controllerPosition(addOn: PlatformAddOn): Position {
    if (addOn.folder === 'argocd') return [-Infinity, -Infinity];
    return [folderWave('platform'), addOn.syncWave];
  }
  const synced = ['platform', ...project.environments.filter((e) => e.cluster === cluster).map((e) => e.name)];

  it('every add-on Application carries the wave its add-on file declares', () => {
    for (const addOn of addOnsOf(project, cluster).filter((a) => a.chart)) {
      const app = find(`${cluster}/${addOn.folder ?? 'platform'}/${addOn.name}.yaml`, 'Application', addOn.name);
      expect([addOn.name, waveOf(app)]).toEqual([addOn.name, addOn.syncWave]);
    }
  });

  it('every object of a group whose CRDs a controller brings syncs after that controller', () => {
    const bringers = new Map<string, PlatformAddOn[]>();
    for (const addOn of addOnsOf(project, cluster)) for (const group of addOn.crdGroups) bringers.set(group, [...(bringers.get(group) ?? []), addOn]);
    expect(bringers.size).toBeGreaterThan(0);
    let checked = 0;
    for (const folder of synced) {
      const base = folderWave(folder);
      for (const { file, object } of objects.filter((o) => o.file.startsWith(`${cluster}/${folder}/`))) {
        const controllers = bringers.get(groupOf(object.apiVersion));
        if (!controllers) continue;
        checked++;
        const position: Position = [base, waveOf(object)];
        // The CRD exists once the first controller that brings it is synced and healthy.
        const first = controllers.map(controllerPosition).sort((a, b) => (after(a, b) ? 1 : -1))[0];
        const name = `${file}: ${object.kind}/${object.metadata.name} at ${position.join('/')}`;
        expect([name, after(position, first)]).toEqual([name, true]);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('Argo CD waits for each wave of Applications to be healthy: the Application health check is in its values', () => {
    const argo = project.addOns.filter((a) => a.folder === 'argocd' && a.chart?.chart === 'argo-cd');
    expect(argo).toHaveLength(1);
    const values = find(`${cluster}/argocd/${argo[0].name}.yaml`, 'Application', argo[0].name).spec.source.helm.valuesObject;
    const lua = values.configs.cm[APPLICATION_HEALTH_KEY];
    expect(lua).toContain('obj.status.health');
    expect(lua).toMatch(/return \{ status = health\.status/);
  });
});
