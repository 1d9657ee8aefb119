import { Construct } from 'constructs';
import * as argo from '../../imports/argoproj.io';
import type { HelmChart } from '../addon';
import { ARGOCD_NAMESPACE } from '../charts/argocd';

export interface HelmApplicationProps {
  /** The Application's name and the Helm release name. */
  readonly name: string;
  readonly namespace: string;
  readonly chart: HelmChart;
  /** Helm values, computed from cluster facts. */
  readonly values: Record<string, unknown>;
  readonly syncWave: number;
}

/**
 * An add-on installed by Argo CD from its Helm chart at an exact version, with its values
 * rendered here for review. Project `platform`; the controller namespace is created by the sync.
 */
export class HelmApplication extends Construct {
  constructor(scope: Construct, id: string, props: HelmApplicationProps) {
    super(scope, id);
    new argo.Application(this, 'application', {
      metadata: {
        name: props.name,
        namespace: ARGOCD_NAMESPACE,
        annotations: { 'argocd.argoproj.io/sync-wave': String(props.syncWave) },
      },
      spec: {
        project: 'platform',
        source: {
          repoUrl: props.chart.repository,
          chart: props.chart.chart,
          targetRevision: props.chart.version,
          helm: { releaseName: props.name, valuesObject: props.values },
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: props.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          // Server-side apply: controller CRDs are larger than client-side apply's annotation limit.
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
      },
    });
  }
}
