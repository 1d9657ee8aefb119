import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { EnvironmentChart } from './charts/environment';
import type { Project } from './load';

/** One rendered file: its path below dist/ and its objects in order. */
export interface RenderedFile {
  readonly path: string;
  readonly objects: readonly any[];
}

/** The cdk8s app of each cluster: one chart per environment (more charts join here). */
export function buildApps(project: Project): Array<{ cluster: string; app: App }> {
  return project.clusters.map((cluster) => {
    const app = new App();
    for (const environment of project.environments.filter((e) => e.cluster === cluster.name)) {
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
        if (objects.length > 0) files.push({ path: `${cluster}/${chart.node.id}/${child.node.id}.yaml`, objects });
      }
    }
  }
  return files;
}

export const HEADER = '# Rendered by `npm run synth` from the sources of this repository. Do not edit: change the sources and re-render.\n';

export function toYaml(file: RenderedFile): string {
  return HEADER + Yaml.stringify(...file.objects);
}
