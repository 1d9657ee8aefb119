import type { Project } from '../load';
import { meshProviderOf, notEnforced, usesMesh } from './index';

/**
 * What synth says about the meshes: one line per environment naming each declared behaviour its
 * provider does not enforce, and App Mesh's end of support once if any environment still uses it.
 */
export function meshReport(project: Project): string[] {
  const lines = project.environments.flatMap((environment) => {
    const provider = meshProviderOf(environment);
    const missing = notEnforced(provider, project.services);
    return missing.length > 0 ? [`synth: ${environment.name} (${provider.name}) does not enforce: ${missing.join(', ')}`] : [];
  });
  if (usesMesh(project.environments, 'appmesh')) {
    lines.push('warning: AWS App Mesh reached end of support on 2026-09-30; see README, "Migrating off App Mesh".');
  }
  return lines;
}
