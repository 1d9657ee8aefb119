/**
 * platform/ holds one add-on per file, named by it, or a family of add-ons as one list (platform/ack.ts:
 * the ACK controllers), each named after the file. A file that breaks this stops synth with one line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAddOns } from '../lib/load/project';
import { ROOT, synthAfterMistake } from './helpers';

describe('add-on files', () => {
  it('the ACK controllers are one list in platform/ack.ts, each with its own chart, role and service account', () => {
    const ack = loadAddOns(ROOT).filter((a) => a.capability === 'ACK');
    expect(ack.map((a) => a.name)).toEqual(['ack-dynamodb', 'ack-ecr', 'ack-iam']);
    for (const addOn of ack) {
      const service = addOn.name.slice('ack-'.length);
      expect(addOn.chart).toMatchObject({ repository: 'public.ecr.aws/aws-controllers-k8s', chart: `${service}-chart` });
      expect(addOn.crdGroups).toEqual([`${service}.services.k8s.aws`, 'services.k8s.aws']);
    }
    expect(fs.readdirSync(path.join(ROOT, 'platform')).filter((f) => f.startsWith('ack'))).toEqual(['ack.ts']);
  });

  it.each<[string, (dir: string) => void, string]>([
    [
      'a list whose add-ons are not named after the file',
      (d) => fs.copyFileSync(path.join(d, 'platform/ack.ts'), path.join(d, 'platform/aws-ack.ts')),
      'synth: platform/aws-ack.ts: declares add-on "ack-dynamodb" in its list; each add-on of platform/aws-ack.ts must be named aws-ack-<name>',
    ],
    [
      'an add-on declared twice',
      (d) => fs.writeFileSync(path.join(d, 'platform/ack-iam.ts'), "import ack from './ack';\n\nexport default ack[2];\n"),
      'synth: platform/: add-on "ack-iam" is declared twice',
    ],
    [
      'an empty list',
      (d) => fs.writeFileSync(path.join(d, 'platform/extra.ts'), 'export default [];\n'),
      'synth: platform/extra.ts: declares an empty list of add-ons',
    ],
  ])('%s stops synth with one line, dist/ unchanged', (_what, mistake, line) => {
    expect(synthAfterMistake(['platform'], mistake)).toEqual({ status: 1, stderr: line });
  });
});
