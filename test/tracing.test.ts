import * as fs from 'node:fs';
import * as path from 'node:path';
import { notEnforced } from '../lib/render/mesh/provider';
import { meshProviderOf } from '../lib/render/mesh';
import { synthesize, type SynthResult } from '../lib/synth';
import { linkProject, rendered } from './helpers';

const ADD_ON = 'amazon-cloudwatch-observability';
const INJECT = (runtime: string) => `instrumentation.opentelemetry.io/inject-${runtime}`;

/** The deployments of every environment with the annotations of their pod templates. */
function podAnnotations(result: SynthResult): Array<{ file: string; name: string; annotations: Record<string, string> }> {
  return result.rendered.flatMap((file) =>
    file.objects
      .filter((o) => o.kind === 'Deployment')
      .map((o) => ({ file: file.path, name: o.metadata.name, annotations: o.spec.template.metadata.annotations ?? {} })),
  );
}
const clusterConfigOf = (result: SynthResult, cluster: string) => result.rendered.find((f) => f.path === `${cluster}/cluster/cluster.yaml`)!.objects[0];

describe('tracing through OpenTelemetry (the CloudWatch Observability EKS add-on)', () => {
  it("in this repository: the add-on exactly where a service declares tracing or an environment uses Istio, the annotation exactly on those services' pods", () => {
    const result = rendered();
    const traced = result.project.services.filter((s) => s.tracing !== undefined);
    for (const cluster of result.project.clusters) {
      const environments = result.project.environments.filter((e) => e.cluster === cluster.name);
      // Istio's waypoints send their spans to the add-on's CloudWatch agent.
      const istio = environments.some((e) => e.mesh === 'istio');
      expect(clusterConfigOf(result, cluster.name).addons.some((a: any) => a.name === ADD_ON)).toBe(environments.length > 0 && (traced.length > 0 || istio));
    }
    const annotated = podAnnotations(result).filter((d) => Object.keys(d.annotations).some((k) => k.startsWith('instrumentation.opentelemetry.io/')));
    expect(annotated.map((d) => [d.name, d.annotations[INJECT(result.project.services.find((s) => s.name === d.name)!.tracing!)]]).sort()).toEqual(
      result.project.environments.flatMap(() => traced.map((s) => [s.name, 'true'])).sort(),
    );
  });

  describe('a service that declares its runtime', () => {
    let result: SynthResult;
    beforeAll(() => {
      const dir = linkProject(['services']);
      try {
        const file = path.join(dir, 'services', 'inventory-api.ts');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  port: 5001,', "  port: 5001,\n  tracing: 'nodejs',"));
        result = synthesize(dir);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('gets the injection annotation on its pods in every environment, and no other service does', () => {
      const annotated = podAnnotations(result).filter((d) => Object.keys(d.annotations).some((k) => k.startsWith('instrumentation.opentelemetry.io/')));
      expect(annotated.map((d) => [d.file, d.name, d.annotations[INJECT('nodejs')]]).sort()).toEqual(
        result.project.environments.map((e) => [`${e.cluster}/${e.name}/inventory-api.yaml`, 'inventory-api', 'true']).sort(),
      );
    });

    it('has eksctl install the add-on with its own role, through Pod Identity: the CloudWatch agent and X-Ray write policies', () => {
      for (const cluster of result.project.clusters) {
        const config = clusterConfigOf(result, cluster.name);
        const addOn = config.addons.find((a: any) => a.name === ADD_ON);
        expect(addOn.podIdentityAssociations).toEqual([
          {
            namespace: 'amazon-cloudwatch',
            serviceAccountName: 'cloudwatch-agent',
            roleName: `${cluster.name}-cloudwatch-agent`,
            permissionPolicyARNs: ['arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy', 'arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess'],
          },
        ]);
        expect(addOn.serviceAccountRoleARN).toBeUndefined();
        expect(config.addons.map((a: any) => a.name)).toContain('eks-pod-identity-agent');
      }
    });

    it('is tracing every mesh provider enforces: synth reports nothing about it', () => {
      for (const environment of result.project.environments) {
        expect(notEnforced(meshProviderOf(environment), result.project.services)).not.toContain('tracing');
      }
    });
  });
});
