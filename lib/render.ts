import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { ArgoCdChart } from './charts/argocd';
import { EnvironmentChart } from './charts/environment';
import { PlatformChart } from './charts/platform';
import { clusterConfig, irsaRoles } from './cluster-config';
import type { Project } from './load';

/** One rendered file: its path below dist/ and its objects in order. */
export interface RenderedFile {
  readonly path: string;
  readonly objects: readonly any[];
  /** What checks the objects: the Kubernetes/CRD schemas, or (eksctl) the TypeScript types that built them. */
  readonly schema: 'kubernetes' | 'eksctl';
}

/**
 * The cdk8s app of each cluster: the Argo CD objects, the platform add-ons and one chart per
 * environment. A chart's id is its folder under dist/<cluster>/.
 */
export function buildApps(project: Project): Array<{ cluster: string; app: App }> {
  const workloadsOf = (cluster: string) => ({ environments: project.environments.filter((e) => e.cluster === cluster), services: project.services });
  // The add-ons some cluster needs: the platform project allows their sources, namespaces and kinds.
  const addOns = project.addOns.filter((a) => project.clusters.some((c) => a.appliesTo?.(workloadsOf(c.name)) ?? true));
  const platform = {
    chartRepositories: [...new Set(addOns.flatMap((a) => [...(a.chart ? [a.chart.repository] : []), ...(a.sourceRepositories ?? [])]))].sort(),
    namespaces: [...new Set(addOns.map((a) => a.namespace))].sort(),
    clusterKinds: addOns.flatMap((a) => a.clusterKinds)
      .filter((k, i, all) => all.findIndex((o) => o.group === k.group && o.kind === k.kind) === i)
      .sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`)),
  };
  return project.clusters.map((cluster) => {
    const app = new App();
    const environments = project.environments.filter((e) => e.cluster === cluster.name);
    new ArgoCdChart(app, 'argocd', { cluster, environments, platform });
    new PlatformChart(app, 'platform', { cluster, addOns: project.addOns, workloads: workloadsOf(cluster.name) });
    for (const environment of environments) {
      new EnvironmentChart(app, environment.name, { cluster, environment, services: project.services });
    }
    return { cluster: cluster.name, app };
  });
}

function apiObjectsOf(construct: IConstruct): ApiObject[] {
  return construct.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
}

/**
 * Renders the project into files: dist/<cluster>/<chart id>/<top-level construct id>.yaml, so
 * that a change to one service touches that service's file only.
 */
export function renderProject(project: Project): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const { cluster, app } of buildApps(project)) {
    for (const chart of app.charts as Chart[]) {
      for (const child of chart.node.children) {
        const objects = apiObjectsOf(child).map((o) => o.toJson());
        if (objects.length > 0) files.push({ path: `${cluster}/${chart.node.id}/${child.node.id}.yaml`, objects, schema: 'kubernetes' });
      }
    }
  }
  for (const cluster of project.clusters) {
    const environments = project.environments.filter((e) => e.cluster === cluster.name);
    const roles = irsaRoles(cluster, environments, project.services, project.addOns);
    // A JSON round trip unshares repeated values, which YAML would otherwise print as anchors and aliases.
    const config = JSON.parse(JSON.stringify(clusterConfig(cluster, roles)));
    files.push({ path: `${cluster.name}/cluster/cluster.yaml`, objects: [config], schema: 'eksctl' });
  }
  return files;
}

export const HEADER = '# Rendered by `npm run synth` from the sources of this repository. Do not edit: change the sources and re-render.\n';

export function toYaml(file: RenderedFile): string {
  return HEADER + Yaml.stringify(...file.objects);
}
