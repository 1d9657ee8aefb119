import { Construct } from 'constructs';
import * as dynamodb from '../../../imports/dynamodb.services.k8s.aws';
import { ACK_DELETION_POLICY, RETAINED, RETAINED_SYNC_OPTIONS } from './ack';
import type { Environment } from '../../model';
import { tableName } from '../../model/naming';
import type { TableDeclaration } from '../../model/service';

export { ACK_DELETION_POLICY };

/** Argo CD sync options of every table: those of every retained ACK resource. */
export const TABLE_SYNC_OPTIONS = RETAINED_SYNC_OPTIONS;

/** Sync wave of a service's AWS resources (table, role): before its pods (wave 0). */
export const AWS_RESOURCES_WAVE = -1;

/** The Bookstore schema: every table is keyed by the string `_id`. */
export const HASH_KEY = '_id';

export interface ServiceTableProps {
  readonly service: string;
  readonly table: TableDeclaration;
  readonly environment: Environment;
  readonly labels: Record<string, string>;
}

/**
 * A service's DynamoDB table in one environment as an ACK `Table`: `<env>-<name>`, hash key `_id`,
 * on-demand unless the declaration asks for provisioned capacity. Data outlives every sync.
 */
export class ServiceTable extends Construct {
  constructor(scope: Construct, id: string, props: ServiceTableProps) {
    super(scope, id);
    const { environment, table } = props;
    const name = tableName(environment, table.name);
    const billing = table.billing ?? 'on-demand';
    new dynamodb.Table(this, 'table', {
      metadata: {
        name,
        namespace: environment.namespace,
        labels: props.labels,
        annotations: {
          ...RETAINED,
          // Before the workloads that read it.
          'argocd.argoproj.io/sync-wave': String(AWS_RESOURCES_WAVE),
        },
      },
      spec: {
        tableName: name,
        attributeDefinitions: [{ attributeName: HASH_KEY, attributeType: 'S' }],
        keySchema: [{ attributeName: HASH_KEY, keyType: 'HASH' }],
        ...(billing === 'on-demand'
          ? { billingMode: 'PAY_PER_REQUEST' }
          : {
              billingMode: 'PROVISIONED',
              provisionedThroughput: { readCapacityUnits: billing.provisioned.read, writeCapacityUnits: billing.provisioned.write },
            }),
        continuousBackups: { pointInTimeRecoveryEnabled: environment.data.pointInTimeRecovery },
        deletionProtectionEnabled: environment.data.deletionProtection,
        tags: [
          { key: 'bookstore/environment', value: environment.name },
          { key: 'bookstore/service', value: props.service },
        ],
      },
    });
  }
}
