import type { Environment } from '../../model';
import appmesh from './appmesh';
import istio from './istio';
import lattice from './lattice';
import none from './none';
import type { MeshProvider } from './provider';

export * from './provider';

/** The mesh providers an overlay's `mesh` names; a new provider is one file in lib/render/mesh/ and one line here. */
export const MESH_PROVIDERS: Readonly<Record<string, MeshProvider>> = { istio, lattice, appmesh, none };

/**
 * What a new overlay gets when it names no mesh: Istio ambient, the provider that enforces every
 * behaviour the service files declare (on EC2 nodes; a Fargate namespace names lattice or none).
 */
export const DEFAULT_MESH = 'istio';

export function meshProviderOf(environment: Environment): MeshProvider {
  return MESH_PROVIDERS[environment.mesh];
}

/** Whether any of these environments uses the named provider: the add-ons of a provider follow this. */
export function usesMesh(environments: readonly Environment[], name: string): boolean {
  return environments.some((e) => e.mesh === name);
}
