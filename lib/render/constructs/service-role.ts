import { meshProviderOf } from '../mesh';
import { Construct } from 'constructs';
import * as iam from '../../../imports/iam.services.k8s.aws';
import { boundaryArn, iamPath, irsaTrust, servicePolicy } from '../iam';
import type { Cluster, Environment } from '../../model';
import { serviceRoleName } from '../../model/naming';
import type { ServiceDefinition } from '../../model/service';
import { serviceResourceMetadata, serviceResourceTags } from './ack';

export interface ServiceRoleProps {
  readonly cluster: Cluster;
  readonly environment: Environment;
  readonly service: ServiceDefinition;
  /** The service account its pods run as: the one identity the role trusts. */
  readonly serviceAccount: string;
  readonly labels: Record<string, string>;
}

/**
 * A service's IAM role in one environment as an ACK `Role`, created by the ACK IAM controller
 * before the pods start: a fixed name under the cluster's IAM path (its ARN is known now), the
 * cluster's permissions boundary, IRSA trust to exactly the service's service account, and the
 * service's least-privilege inline policy. Retained like the tables: a revert never deletes a role in use.
 */
export class ServiceRole extends Construct {
  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const { cluster, environment, service } = props;
    const name = serviceRoleName(cluster, environment, service.name);
    new iam.Role(this, 'role', {
      metadata: serviceResourceMetadata(name, environment, props.labels),
      spec: {
        name,
        path: iamPath(cluster),
        description: `Pods of ${service.name} in ${environment.name} on ${cluster.name} (IRSA)`,
        assumeRolePolicyDocument: json(irsaTrust(cluster, environment.namespace, props.serviceAccount)),
        permissionsBoundary: boundaryArn(cluster),
        inlinePolicies: {
          [service.name]: json(servicePolicy(cluster, environment, service, meshProviderOf(environment).podStatements(cluster, environment, service))),
        },
        tags: serviceResourceTags(environment, service.name),
      },
    });
  }
}

/** Policy documents as indented JSON: a reviewer reads them in the YAML as a block. */
function json(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
