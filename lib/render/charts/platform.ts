import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { ClusterWorkloads, PlatformAddOn } from '../addon';
import type { Cluster } from '../../model';
import { COMMON_LABELS } from '../../model/naming';

export interface PlatformChartProps {
  readonly cluster: Cluster;
  readonly addOns: readonly PlatformAddOn[];
  readonly workloads: ClusterWorkloads;
}

/** The platform add-ons of one cluster, one file each in dist/<cluster>/platform/ (those of the argocd folder aside). */
export class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    super(scope, id, { labels: { ...COMMON_LABELS } });
    for (const addOn of props.addOns.filter((a) => (a.folder ?? 'platform') === 'platform' && (a.appliesTo?.(props.workloads) ?? true))) {
      addOn.render(new Construct(this, addOn.name), props.cluster, props.workloads);
    }
  }
}
