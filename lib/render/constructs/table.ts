import { Construct } from 'constructs';
import * as dynamodb from '../../../imports/dynamodb.services.k8s.aws';
import { serviceResourceMetadata, serviceResourceTags } from './ack';
import type { Environment } from '../../model';
import { tableName } from '../../model/naming';
import type { TableDeclaration } from '../../model/service';

/** The Bookstore schema: every table is keyed by the string `_id`. */
const HASH_KEY = '_id';

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
      metadata: serviceResourceMetadata(name, environment, props.labels),
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
        tags: serviceResourceTags(environment, props.service),
      },
    });
  }
}
