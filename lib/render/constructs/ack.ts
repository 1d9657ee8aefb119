import type { Environment } from '../../model';
import { SKIP_DRY_RUN, SYNC_OPTIONS, syncWave } from '../../model/argocd-conventions';

/** ACK's annotation: `retain` leaves the AWS resource in place when the Kubernetes object is deleted. */
export const ACK_DELETION_POLICY = 'services.k8s.aws/deletion-policy';

/**
 * ACK's adoption annotations (runtime apis/core/v1alpha1/annotations.go; they replace the
 * `AdoptedResource` kind, removed in runtime v0.53.0). `adopt-or-create` takes over the AWS
 * resource named in `adoption-fields` (JSON) if it exists and creates it otherwise; `adopt` only takes over.
 */
export const ACK_ADOPTION_POLICY = 'services.k8s.aws/adoption-policy';
export const ACK_ADOPTION_FIELDS = 'services.k8s.aws/adoption-fields';

/**
 * Argo CD sync options of every AWS resource we render through ACK (tables, roles, repositories):
 * never pruned (one removed from Git stays until a person deletes it), never deleted with its
 * Application, and applied even before the ACK CRD exists at dry-run (the platform's controller installs it).
 */
const RETAINED_SYNC_OPTIONS = `Prune=false,Delete=false,${SKIP_DRY_RUN}`;

/** The annotations that keep an ACK resource in AWS whatever happens to its object or its Application. */
export const RETAINED: Readonly<Record<string, string>> = {
  [ACK_DELETION_POLICY]: 'retain',
  [SYNC_OPTIONS]: RETAINED_SYNC_OPTIONS,
};

/** Sync wave of a service's AWS resources (table, role): before its pods (wave 0). */
const AWS_RESOURCES_WAVE = -1;

/** The metadata of a service's AWS resource in an environment: retained, and synced before the pods that use it. */
export function serviceResourceMetadata(name: string, environment: Environment, labels: Record<string, string>) {
  return { name, namespace: environment.namespace, labels, annotations: { ...RETAINED, ...syncWave(AWS_RESOURCES_WAVE) } };
}

/** The AWS tags of a service's resource in an environment: which environment and service it belongs to. */
export function serviceResourceTags(environment: Environment, service: string): Array<{ key: string; value: string }> {
  return [
    { key: 'bookstore/environment', value: environment.name },
    { key: 'bookstore/service', value: service },
  ];
}

/** Whether an object is an ACK custom resource (group `<service>.services.k8s.aws`). */
export function isAckResource(object: { apiVersion?: string }): boolean {
  return /^[a-z0-9-]+\.services\.k8s\.aws\//.test(object.apiVersion ?? '');
}
