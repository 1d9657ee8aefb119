/**
 * Pod Security Standards, the controls that apply to the pod specs rendered here (the namespace
 * labels pin the standards' version to the cluster's Kubernetes version, `v<kubernetesVersion>`):
 * what keeps a pod spec out of `baseline` and out of `restricted`. Used by the policy rules on the
 * rendered Deployments and to choose the level each environment namespace enforces.
 */

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** Annotation on a namespace that explains why it enforces less than `restricted`. */
export const POD_SECURITY_EXCEPTION_ANNOTATION = 'bookstore.example.com/pod-security-exception';

/** Capabilities `baseline` lets a container add. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
/** Volume types `restricted` allows. */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Every container of a pod spec, init and ephemeral ones included. */
export function containersOf(pod: any): any[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
}

/** Why a pod spec is not `baseline`; empty when it is. */
export function baselineViolations(pod: any): string[] {
  const out: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push('shares a host namespace (hostNetwork/hostPID/hostIPC)');
  for (const volume of pod.volumes ?? []) if (volume.hostPath) out.push(`volume ${volume.name} is a hostPath`);
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`container ${c.name} is privileged`);
    const extra = (sc.capabilities?.add ?? []).filter((cap: string) => !BASELINE_CAPABILITIES.has(cap));
    if (extra.length > 0) out.push(`container ${c.name} adds ${extra.join(', ')}`);
    if ((c.ports ?? []).some((p: any) => p.hostPort)) out.push(`container ${c.name} uses a hostPort`);
    if (sc.procMount && sc.procMount !== 'Default') out.push(`container ${c.name} unmasks /proc`);
    for (const s of [pod.securityContext?.seccompProfile, sc.seccompProfile]) {
      if (s?.type === 'Unconfined') out.push(`container ${c.name} runs seccomp Unconfined`);
    }
  }
  return out;
}

/** Why a pod spec is not `restricted` (beyond baseline); empty when it is. */
export function restrictedViolations(pod: any): string[] {
  const out = baselineViolations(pod);
  for (const volume of pod.volumes ?? []) {
    if (!RESTRICTED_VOLUMES.some((type) => type in volume)) out.push(`volume ${volume.name} is not a restricted volume type`);
  }
  const podNonRoot = pod.securityContext?.runAsNonRoot === true;
  const podSeccomp = pod.securityContext?.seccompProfile?.type;
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`container ${c.name} allows privilege escalation`);
    if (!(sc.runAsNonRoot === true || (podNonRoot && sc.runAsNonRoot !== false))) out.push(`container ${c.name} may run as root`);
    if (sc.runAsUser === 0 || pod.securityContext?.runAsUser === 0) out.push(`container ${c.name} runs as uid 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`container ${c.name} sets no seccomp profile`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`container ${c.name} does not drop ALL capabilities`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) out.push(`container ${c.name} adds ${added.join(', ')}`);
  }
  return out;
}

/** The strictest level a pod spec meets. */
export function podSecurityLevel(pod: any): PodSecurityLevel {
  if (restrictedViolations(pod).length === 0) return 'restricted';
  return baselineViolations(pod).length === 0 ? 'baseline' : 'privileged';
}

const ORDER: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/** The strictest level every one of the given pod specs meets. */
export function weakest(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
  return levels.reduce((a, b) => (ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b), 'restricted');
}

/** What a namespace audits at: the level its pods meet, never below baseline (the rules refuse less). */
export function auditLevel(level: PodSecurityLevel): PodSecurityLevel {
  return level === 'privileged' ? 'baseline' : level;
}

export function atLeast(level: string | undefined, floor: PodSecurityLevel): boolean {
  return ORDER.indexOf(level as PodSecurityLevel) >= ORDER.indexOf(floor);
}
