import type { Project } from '../../load/project';
import { BEHAVIOURS, meshProviderOf, notEnforced, usesMesh } from './';

/**
 * What synth says about the meshes: per environment, what its provider enforces (each behaviour with
 * the object that does it) and each declared behaviour it does not enforce; App Mesh's end of
 * support once if any environment still uses it, and Istio's tracing prerequisite once.
 */
export function meshReport(project: Project): string[] {
  const lines = project.environments.flatMap((environment) => {
    const provider = meshProviderOf(environment);
    const enforced = BEHAVIOURS.filter((b) => provider.enforces[b] !== undefined).map((b) => `${b} (${provider.enforces[b]})`);
    const missing = notEnforced(provider, project.services);
    return [
      ...(enforced.length > 0 ? [`synth: ${environment.name} (${provider.name}) enforces: ${enforced.join('; ')}`] : []),
      ...(missing.length > 0 ? [`synth: ${environment.name} (${provider.name}) does not enforce: ${missing.join(', ')}`] : []),
    ];
  });
  if (usesMesh(project.environments, 'appmesh')) {
    lines.push('warning: AWS App Mesh reached end of support on 2026-09-30; see docs/mesh.md, "Migrating off App Mesh".');
  }
  if (usesMesh(project.environments, 'istio')) {
    lines.push('note: Istio\'s spans reach X-Ray once Transaction Search is on in each cluster\'s account and region; see docs/mesh.md, "Tracing".');
  }
  return lines;
}
