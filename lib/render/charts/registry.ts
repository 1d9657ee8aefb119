import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as ecr from '../../../imports/ecr.services.k8s.aws';
import { ACK_ADOPTION_FIELDS, ACK_ADOPTION_POLICY, RETAINED } from '../constructs/ack';
import { COMMON_LABELS, ecrRepositoryName, REGISTRY_NAMESPACE, serviceLabels } from '../../model/naming';
import { builtServices, type ServiceDefinition } from '../../model/service';

/**
 * Images kept per repository. Storage is billed per GB-month and a build per merged commit adds
 * one image; 50 is months of a service's builds, far more than development and production ever
 * run at once (`bookstore status` shows how far production is behind). An image older than the 50
 * most recent pushes is expired, so promote before production falls that far behind.
 */
const IMAGES_KEPT = 50;
/** Untagged images (layers of an interrupted push) go after a week. */
const UNTAGGED_DAYS = 7;

export function lifecyclePolicy(): string {
  return `${JSON.stringify(
    {
      rules: [
        {
          rulePriority: 1,
          description: `untagged images go after ${UNTAGGED_DAYS} days`,
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: UNTAGGED_DAYS },
          action: { type: 'expire' },
        },
        {
          // A rule over any tag status must come last (the highest priority number).
          rulePriority: 2,
          description: `keep the ${IMAGES_KEPT} most recent images`,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: IMAGES_KEPT },
          action: { type: 'expire' },
        },
      ],
    },
    null,
    2,
  )}\n`;
}

export interface RegistryChartProps {
  readonly services: readonly ServiceDefinition[];
}

/**
 * The ECR repositories of the services CI builds, one file each in dist/<cluster>/registry/.
 * A repository belongs to the account and region, not to an environment: it is rendered once per
 * cluster and adopted if it exists (a second cluster in the same account and region, or a
 * repository made by hand or by the course), created otherwise. Retained: images outlive every sync.
 */
export class RegistryChart extends Chart {
  constructor(scope: Construct, id: string, props: RegistryChartProps) {
    super(scope, id, { labels: { ...COMMON_LABELS } });
    for (const service of props.services.filter((s) => builtServices(props.services).includes(s.name))) {
      const name = ecrRepositoryName(service.name);
      new ecr.Repository(new Construct(this, service.name), 'repository', {
        metadata: {
          name,
          namespace: REGISTRY_NAMESPACE,
          labels: serviceLabels(service.name, service.component),
          annotations: {
            ...RETAINED,
            [ACK_ADOPTION_POLICY]: 'adopt-or-create',
            [ACK_ADOPTION_FIELDS]: JSON.stringify({ name }),
          },
        },
        spec: {
          name,
          imageScanningConfiguration: { scanOnPush: true },
          // A tag names one image forever: what an overlay pins is what runs.
          imageTagMutability: 'IMMUTABLE',
          lifecyclePolicy: lifecyclePolicy(),
          tags: [{ key: 'bookstore/service', value: service.name }],
        },
      });
    }
  }
}
