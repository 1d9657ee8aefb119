import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as YAML from 'yaml';
import { kubernetesVersionOf, readTree } from '../lib/synth';
import { CRD_INDEX, EKSCTL_INDEX, kubernetesIndexFile, kubernetesVersions, validateObject, VALIDATORS } from '../lib/check/validate';
import { ROOT, find, isKubernetesFile, rendered } from './helpers';

/** The Kubernetes version of the cluster eks-acg, as its cluster file names it. */
const version = () => rendered().project.clusters.find((c) => c.name === 'eks-acg')!.kubernetesVersion;

describe('schema validation of dist/', () => {
  const files = readTree(path.join(ROOT, 'dist'));

  it('renders files to validate', () => {
    expect(files.size).toBeGreaterThan(10);
  });

  it("every committed object validates against its cluster's Kubernetes schema or its CRD schema", () => {
    const findings: string[] = [];
    for (const [file, text] of files) {
      // The eksctl ClusterConfig is no Kubernetes object: its TypeScript types are its schema.
      if (!isKubernetesFile(file)) continue;
      const kubernetesVersion = kubernetesVersionOf(rendered().project, file);
      for (const doc of YAML.parseAllDocuments(text)) {
        for (const f of validateObject(doc.toJS(), kubernetesVersion)) findings.push(`${file}: ${f.object}: ${f.message}`);
      }
    }
    expect(findings).toEqual([]);
  });

  it('catches an unknown field, a wrong type and a missing required field in a core kind', () => {
    const deployment = structuredClone(find('eks-acg/development/clients-api.yaml', 'Deployment', 'clients-api'));
    deployment.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    deployment.spec.replicas = 'three';
    delete deployment.spec.selector;
    const messages = validateObject(deployment, version()).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        '/spec/template/spec/containers/0: unknown field "imagePullPolicyy"',
        '/spec/replicas: must be integer',
        "/spec: must have required property 'selector'",
      ]),
    );
  });

  it('catches a value outside a CRD enum', () => {
    const policy = {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'development' },
      spec: { mtls: { mode: 'STRICT' } },
    };
    expect(validateObject(policy, version())).toEqual([]);
    policy.spec.mtls.mode = 'STRICTER';
    expect(validateObject(policy, version()).map((f) => f.message)).toEqual(['/spec/mtls/mode: must be one of UNSET, DISABLE, PERMISSIVE, STRICT']);
  });

  it('catches an unknown field, a wrong type and a missing required field deep in a CRD object (nested objects, array items)', () => {
    const route = structuredClone(find('eks-acg/development/clients-api.yaml', 'HTTPRoute', 'clients-api'));
    expect(validateObject(route, version())).toEqual([]);
    route.spec.rules[0].backendRefs[0].port = 'http';
    route.spec.rules[0].backendRefs[0].weightt = 1;
    delete route.spec.parentRefs[0].name;
    const messages = validateObject(route, version()).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        '/spec/rules/0/backendRefs/0/port: must be integer',
        '/spec/rules/0/backendRefs/0: unknown field "weightt"',
        "/spec/parentRefs/0: must have required property 'name'",
      ]),
    );
  });

  it('finds every validator its indexes name: <hash>.js.gz, named by the hash of its code, and no file unnamed', () => {
    const indexes = [CRD_INDEX, EKSCTL_INDEX, ...kubernetesVersions().map(kubernetesIndexFile)];
    const named = new Set(indexes.flatMap((file) => Object.values<string>(JSON.parse(fs.readFileSync(path.join(VALIDATORS, file), 'utf8')))));
    expect(named.size).toBeGreaterThan(0);
    for (const name of named) {
      const code = gunzipSync(fs.readFileSync(path.join(VALIDATORS, `${name}.js.gz`)));
      expect(createHash('sha256').update(code).digest('hex').slice(0, 16)).toBe(name);
    }
    const stored = fs
      .readdirSync(VALIDATORS)
      .filter((f) => !indexes.includes(f))
      .sort();
    expect(stored).toEqual([...named].map((name) => `${name}.js.gz`).sort());
  });

  it('refuses a kind it has no schema for', () => {
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, version())).toEqual([
      { object: 'Widget/w', message: 'no schema for example.com/v1 Widget' },
    ]);
  });
});
