import { Construct } from 'constructs';
import * as argo from '../../../imports/argoproj.io';
import type { HelmChart, LiveField, WebhookCertificate } from '../../model/addon';
import { ARGOCD_NAMESPACE, syncWave } from '../../model/argocd-conventions';

export interface HelmApplicationProps {
  /** The cluster it deploys to, as the cluster's Argo CD names it (lib/model/argocd-conventions.ts, destinationServer). */
  readonly server: string;
  /** The Application's name and the Helm release name. */
  readonly name: string;
  readonly namespace: string;
  readonly chart: HelmChart;
  /** Helm values, computed from cluster facts. */
  readonly values: Record<string, unknown>;
  readonly syncWave: number;
  /** The admission webhook certificate the chart generates anew on every render (see WebhookCertificate). */
  readonly webhookCertificate?: WebhookCertificate;
  /** Fields a controller of the chart rewrites on the live objects (see LiveField), which Argo CD must leave as they are. */
  readonly liveFields?: readonly LiveField[];
}

/** The Application's ignoreDifferences for a generated webhook certificate. */
function webhookCertificateDifferences(certificate: WebhookCertificate, namespace: string) {
  const caBundle = (kind: string) => (name: string) => ({
    group: 'admissionregistration.k8s.io',
    kind,
    name,
    jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
  });
  return [
    { group: '', kind: 'Secret', name: certificate.secret, namespace, jsonPointers: ['/data'] },
    ...(certificate.mutatingWebhooks ?? []).map(caBundle('MutatingWebhookConfiguration')),
    ...(certificate.validatingWebhooks ?? []).map(caBundle('ValidatingWebhookConfiguration')),
  ];
}

/**
 * An add-on installed by Argo CD from its Helm chart at an exact version, with its values
 * rendered here for review. Project `platform`; the controller namespace is created by the sync.
 */
export class HelmApplication extends Construct {
  constructor(scope: Construct, id: string, props: HelmApplicationProps) {
    super(scope, id);
    const ignored = [
      ...(props.webhookCertificate ? webhookCertificateDifferences(props.webhookCertificate, props.namespace) : []),
      ...(props.liveFields ?? []).map((f) => ({ ...f, jqPathExpressions: [...f.jqPathExpressions] })),
    ];
    new argo.Application(this, 'application', {
      metadata: {
        name: props.name,
        namespace: ARGOCD_NAMESPACE,
        annotations: syncWave(props.syncWave),
      },
      spec: {
        project: 'platform',
        source: {
          repoUrl: props.chart.repository,
          chart: props.chart.chart,
          targetRevision: props.chart.version,
          helm: { releaseName: props.name, valuesObject: props.values },
        },
        destination: { server: props.server, namespace: props.namespace },
        ...(ignored.length > 0 ? { ignoreDifferences: ignored } : {}),
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          // Server-side apply: controller CRDs are larger than client-side apply's annotation limit.
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true', ...(ignored.length > 0 ? ['RespectIgnoreDifferences=true'] : [])],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
      },
    });
  }
}
