// The rules over each workload's pods: resources, probes, images, container security, tokens, availability.
import { PRODUCTION_MIN_REPLICAS } from '../../model';
import { ecrRegistry } from '../../model/naming';
import { baselineViolations, containersOf } from '../pod-security';
import { isWorkload, podSpecOf, selects, serviceOf, type Rule } from '../rule';

export const RESOURCES: Rule = {
  id: 'resources',
  description: 'every container requests and limits cpu and memory',
  applies: isWorkload,
  check: (object) =>
    containersOf(podSpecOf(object)).flatMap((c) =>
      ['requests', 'limits'].flatMap((kind) =>
        ['cpu', 'memory'].filter((r) => c.resources?.[kind]?.[r] === undefined).map((r) => `container ${c.name} has no ${r} ${kind.replace(/s$/, '')}`),
      ),
    ),
};

export const PROBES: Rule = {
  id: 'probes',
  description: 'every container has a readiness and a liveness probe',
  applies: isWorkload,
  check: (object) =>
    (podSpecOf(object).containers ?? []).flatMap((c: any) => [
      ...(c.readinessProbe ? [] : [`container ${c.name} has no readiness probe`]),
      ...(c.livenessProbe ? [] : [`container ${c.name} has no liveness probe`]),
    ]),
};

/** A tag that names a version: digits in it, not `latest`, or a digest. */
function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /:([^/:@]+)$/.exec(image)?.[1];
  return tag !== undefined && tag !== 'latest' && /\d/.test(tag);
}

export const IMAGE_SOURCE: Rule = {
  id: 'image-source',
  description: "images come from the cluster account's ECR, or are public images a service file pins to a version; never latest",
  applies: isWorkload,
  check(object, context) {
    const { cluster, project } = context;
    const registry = ecrRegistry(cluster);
    const allowedPublic = new Set(project.services.flatMap((s) => (s.image.kind === 'public' ? [s.image.image] : [])));
    return containersOf(podSpecOf(object)).flatMap((c) => {
      const image = String(c.image ?? '');
      if (!pinned(image)) return [`container ${c.name} image ${image} is not pinned to a version (no tag, or latest)`];
      if (image.startsWith(registry) || allowedPublic.has(image)) return [];
      return [`container ${c.name} image ${image} is neither in ${registry} nor a public image pinned in a service file`];
    });
  },
};

export const CONTAINER_SECURITY: Rule = {
  id: 'container-security',
  description: 'no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, non-root: each exception stated with its reason in the service file',
  applies: isWorkload,
  check(object, context) {
    const pod = podSpecOf(object);
    const service = serviceOf(object, context);
    const declaredCaps = service?.security.addCapabilities?.why ? service.security.addCapabilities.names : [];
    const rootWhy = service?.security.root?.why;
    return containersOf(pod).flatMap((c) => {
      const sc = c.securityContext ?? {};
      const out: string[] = [];
      if (sc.allowPrivilegeEscalation !== false) out.push(`container ${c.name} does not set allowPrivilegeEscalation: false`);
      if (sc.privileged) out.push(`container ${c.name} is privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`container ${c.name} does not drop ALL capabilities`);
      const undeclared = (sc.capabilities?.add ?? []).filter((cap: string) => !declaredCaps.includes(cap));
      if (undeclared.length > 0)
        out.push(`container ${c.name} adds ${undeclared.join(', ')} without a reason in services/${object.metadata?.name}.ts (security.addCapabilities)`);
      if ((sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type) !== 'RuntimeDefault')
        out.push(`container ${c.name} does not use seccomp RuntimeDefault`);
      const nonRoot = sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      if (nonRoot !== true && !rootWhy)
        out.push(`container ${c.name} may run as root without a reason in services/${object.metadata?.name}.ts (security.root)`);
      return out;
    });
  },
};

export const POD_SECURITY_BASELINE: Rule = {
  id: 'pod-security-baseline',
  description: 'every rendered pod spec meets the baseline Pod Security Standard',
  applies: isWorkload,
  check: (object) => baselineViolations(podSpecOf(object)),
};

export const SERVICE_ACCOUNT_TOKEN: Rule = {
  id: 'service-account-token',
  description: 'no pod mounts a Kubernetes API token: the Bookstore pods call AWS through IRSA (its own projected token) and never the Kubernetes API',
  applies: isWorkload,
  check: (object) =>
    podSpecOf(object).automountServiceAccountToken === false ? [] : ['mounts a service-account token (set automountServiceAccountToken: false)'],
};

export const AVAILABILITY: Rule = {
  id: 'availability',
  description:
    'in a production-tier environment: at least 2 replicas, a PodDisruptionBudget, pods spread over zones, rolling updates that never go below the desired count',
  acrossObjects: true,
  applies: (object, context) => isWorkload(object) && context.environment?.tier === 'production',
  check(object, context) {
    const out: string[] = [];
    const labels = object.spec?.template?.metadata?.labels ?? {};
    if (!(object.spec?.replicas >= PRODUCTION_MIN_REPLICAS))
      out.push(`runs ${object.spec?.replicas ?? 1} replica(s); production needs at least ${PRODUCTION_MIN_REPLICAS}`);
    if (
      !context.siblings.some(
        (o) => o.kind === 'PodDisruptionBudget' && o.metadata?.namespace === object.metadata?.namespace && selects(o.spec?.selector, labels),
      )
    ) {
      out.push('no PodDisruptionBudget selects its pods');
    }
    if (!(podSpecOf(object).topologySpreadConstraints ?? []).some((t: any) => t.topologyKey === 'topology.kubernetes.io/zone')) {
      out.push('its pods are not spread over zones (topologySpreadConstraints on topology.kubernetes.io/zone)');
    }
    const strategy = object.spec?.strategy;
    if (strategy?.type !== 'RollingUpdate' || ![0, '0', '0%'].includes(strategy.rollingUpdate?.maxUnavailable)) {
      out.push('its rolling update may go below the desired count (set maxUnavailable: 0)');
    }
    return out;
  },
};
