// The parts of a Bookstore service's objects that are functions of its declaration alone: its container and its ALB's annotations.
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-29';
import type { ServiceContext } from '../../model';
import type { ServiceDefinition } from '../../model/service';
import type { IngressGateway } from '../mesh/provider';

/** ALB idle timeout 360 s: the original deployment's setting. */
const ALB_IDLE_TIMEOUT_SECONDS = 360;
/** TLS 1.3 with TLS 1.2 fallback, the controller documentation's recommended modern policy. */
const ALB_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** The service's one container: its image, port, variables, probes, resources and locked-down security context. */
export function serviceContainer(service: ServiceDefinition, image: string, variables: Record<string, string>): kplus.ContainerProps {
  const security = service.security;
  return {
    name: service.name,
    image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ports: [{ number: service.port, name: 'http' }],
    envVariables: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, kplus.EnvValue.fromValue(value)])),
    // Readiness may touch the service's data; liveness only asks whether the process listens,
    // so a DynamoDB outage does not restart every pod.
    readiness:
      'httpPath' in service.health
        ? kplus.Probe.fromHttpGet(service.health.httpPath, { port: service.port, periodSeconds: Duration.seconds(10), failureThreshold: 3 })
        : kplus.Probe.fromTcpSocket({ port: service.port, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
    liveness: kplus.Probe.fromTcpSocket({
      port: service.port,
      initialDelaySeconds: Duration.seconds(15),
      periodSeconds: Duration.seconds(20),
      failureThreshold: 3,
    }),
    resources: {
      cpu: { request: kplus.Cpu.millis(service.resources.cpuMillis[0]), limit: kplus.Cpu.millis(service.resources.cpuMillis[1]) },
      memory: { request: Size.mebibytes(service.resources.memoryMiB[0]), limit: Size.mebibytes(service.resources.memoryMiB[1]) },
    },
    securityContext: {
      ensureNonRoot: !security.root,
      user: security.runAsUser,
      group: security.runAsUser,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: !security.writableRootFilesystem,
      capabilities: {
        drop: [kplus.Capability.ALL],
        add: (security.addCapabilities?.names ?? []).map((c) => c as kplus.Capability),
      },
      seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    },
  };
}

/** The annotations of a service's ALB Ingress: one ALB per environment, HTTPS only, and where its health check points. */
export function albAnnotations(context: ServiceContext, service: ServiceDefinition, gateway: IngressGateway | undefined): Record<string, string> {
  const healthCheck: Record<string, string> = gateway
    ? {
        'alb.ingress.kubernetes.io/healthcheck-port': String(gateway.healthCheckPort),
        'alb.ingress.kubernetes.io/healthcheck-path': gateway.healthCheckPath,
        'alb.ingress.kubernetes.io/success-codes': '200',
      }
    : 'httpPath' in service.health
      ? { 'alb.ingress.kubernetes.io/healthcheck-path': service.health.httpPath, 'alb.ingress.kubernetes.io/success-codes': '200' }
      : // No path answers 200 without data: any HTTP answer shows the process serves.
        { 'alb.ingress.kubernetes.io/healthcheck-path': '/', 'alb.ingress.kubernetes.io/success-codes': '200-499' };
  return {
    // One ALB per environment, shared by every service's Ingress.
    'alb.ingress.kubernetes.io/group.name': context.environment.name,
    'alb.ingress.kubernetes.io/scheme': 'internet-facing',
    'alb.ingress.kubernetes.io/target-type': 'ip',
    'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
    'alb.ingress.kubernetes.io/ssl-redirect': '443',
    'alb.ingress.kubernetes.io/certificate-arn': context.cluster.certificateArn,
    'alb.ingress.kubernetes.io/ssl-policy': ALB_SSL_POLICY,
    'alb.ingress.kubernetes.io/load-balancer-attributes': `idle_timeout.timeout_seconds=${ALB_IDLE_TIMEOUT_SECONDS}`,
    ...healthCheck,
  };
}
