import { Construct } from 'constructs';
import * as dynamodb from '../../imports/dynamodb.services.k8s.aws';
import { SKIP_DRY_RUN, SYNC_OPTIONS } from '../addon';
import type { Environment } from '../model';
import { tableName } from '../naming';
import type { TableDeclaration } from '../service';

/** ACK's annotation: `retain` leaves the DynamoDB table in AWS when the Kubernetes object is deleted. */
export const ACK_DELETION_POLICY = 'services.k8s.aws/deletion-policy';

/**
 * Argo CD sync options of every table: never pruned (a table removed from Git stays until a person
 * deletes it), never deleted with its Application, and applied even before the ACK CRD exists at
 * dry-run (the platform's controller installs it).
 */
export const TABLE_SYNC_OPTIONS = `Prune=false,Delete=false,${SKIP_DRY_RUN}`;

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
          [ACK_DELETION_POLICY]: 'retain',
          [SYNC_OPTIONS]: TABLE_SYNC_OPTIONS,
          // Before the workloads that read it.
          'argocd.argoproj.io/sync-wave': '-1',
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
