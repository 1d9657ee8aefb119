import { Construct } from 'constructs';
import * as appmesh from '../../imports/appmesh.k8s.aws';
import { CUSTOM_RESOURCE_SYNC } from '../addon';

export interface MeshRoutingProps {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The Deployment's selector labels: the VirtualNode's pods. */
  readonly podLabels: Record<string, string>;
  /** Name of the VirtualNode (the Deployment's name). */
  readonly nodeName: string;
  /** Kubernetes Service name: the VirtualService's name and the DNS name envoy resolves. */
  readonly serviceName: string;
  readonly port: number;
  /** Service names of the backends this node may call. */
  readonly backends: readonly string[];
}

/**
 * Why a namespace in the mesh cannot enforce the `baseline` Pod Security Standard: the controller
 * injects an init container (proxyinit) that adds NET_ADMIN to redirect the pod's traffic through
 * envoy, and baseline forbids NET_ADMIN. Such a namespace enforces `privileged`, audits `baseline`
 * and warns `restricted`; every pod spec rendered here is held to baseline by the policy rules
 * instead. Goes away with the mesh (VPC Lattice needs no sidecar).
 */
export const MESH_POD_SECURITY_EXCEPTION = 'App Mesh injects proxyinit with NET_ADMIN, which baseline forbids; rendered pod specs are checked against baseline at render time';

/** The namespace label that turns on App Mesh's sidecar injection. */
export const MESH_INJECTION_LABEL = 'appmesh.k8s.aws/sidecarInjectorWebhook';

/**
 * The retry policy of every route: the course's clients-api policy, stated once.
 * 10 retries of 2 s each on 5xx, gateway and stream errors and failed connections; 30 s per request in all.
 */
export const RETRY_POLICY: appmesh.VirtualRouterSpecRoutesHttpRouteRetryPolicy = {
  maxRetries: 10,
  perRetryTimeout: { unit: appmesh.VirtualRouterSpecRoutesHttpRouteRetryPolicyPerRetryTimeoutUnit.MS, value: 2000 },
  httpRetryEvents: [
    appmesh.VirtualRouterSpecRoutesHttpRouteRetryPolicyHttpRetryEvents.SERVER_HYPHEN_ERROR,
    appmesh.VirtualRouterSpecRoutesHttpRouteRetryPolicyHttpRetryEvents.GATEWAY_HYPHEN_ERROR,
    appmesh.VirtualRouterSpecRoutesHttpRouteRetryPolicyHttpRetryEvents.STREAM_HYPHEN_ERROR,
  ],
  tcpRetryEvents: [appmesh.VirtualRouterSpecRoutesHttpRouteRetryPolicyTcpRetryEvents.CONNECTION_HYPHEN_ERROR],
};
export const REQUEST_TIMEOUT: appmesh.VirtualRouterSpecRoutesHttpRouteTimeout = {
  perRequest: { unit: appmesh.VirtualRouterSpecRoutesHttpRouteTimeoutPerRequestUnit.S, value: 30 },
};

/**
 * App Mesh objects of one service: VirtualNode (its pods), VirtualRouter with one retrying route,
 * and the VirtualService other nodes name as a backend.
 * App Mesh reached end of support on 2026-09-30; see the README.
 */
export class MeshRouting extends Construct {
  constructor(scope: Construct, id: string, props: MeshRoutingProps) {
    super(scope, id);
    const metadata = (name: string) => ({ name, namespace: props.namespace, labels: props.labels, annotations: { ...CUSTOM_RESOURCE_SYNC } });
    const listener = { portMapping: { port: props.port, protocol: appmesh.VirtualNodeSpecListenersPortMappingProtocol.HTTP } };

    new appmesh.VirtualNode(this, 'node', {
      metadata: metadata(props.nodeName),
      spec: {
        podSelector: { matchLabels: props.podLabels },
        listeners: [listener],
        serviceDiscovery: { dns: { hostname: `${props.serviceName}.${props.namespace}.svc.cluster.local` } },
        backends: props.backends.map((name) => ({ virtualService: { virtualServiceRef: { name } } })),
        logging: { accessLog: { file: { path: '/dev/stdout' } } },
      },
    });

    const routerName = `${props.nodeName}-virtual-router`;
    new appmesh.VirtualRouter(this, 'router', {
      metadata: metadata(routerName),
      spec: {
        listeners: [{ portMapping: { port: props.port, protocol: appmesh.VirtualRouterSpecListenersPortMappingProtocol.HTTP } }],
        routes: [{
          name: `${props.nodeName}-route`,
          httpRoute: {
            match: { prefix: '/' },
            action: { weightedTargets: [{ virtualNodeRef: { name: props.nodeName }, weight: 1 }] },
            retryPolicy: RETRY_POLICY,
            timeout: REQUEST_TIMEOUT,
          },
        }],
      },
    });

    new appmesh.VirtualService(this, 'service', {
      metadata: metadata(props.serviceName),
      spec: {
        awsName: props.serviceName,
        provider: { virtualRouter: { virtualRouterRef: { name: routerName } } },
      },
    });
  }
}
