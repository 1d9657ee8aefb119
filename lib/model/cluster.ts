import type { ClusterDefinition } from './';

/** Identity function that gives a cluster file its type checking. */
export function defineCluster(definition: ClusterDefinition): ClusterDefinition {
  return definition;
}
