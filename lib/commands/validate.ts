/**
 * `npm run validate`: renders in memory (dist/ untouched) and lists every schema and policy
 * finding, one line each (file, kind/name, rule, what is wrong). Exit 1 when there is any.
 */
import { runCommand, UserError } from '../model/errors';
import { findRoot } from '../load/root';
import { formatFinding, RULES } from '../check/policy';
import { inspect } from '../synth';

runCommand('validate', () => {
  const root = findRoot();
  const { rendered, schemaFindings, policyFindings } = inspect(root);
  for (const line of schemaFindings) console.log(`${line} (schema)`);
  for (const finding of policyFindings) console.log(formatFinding(finding));
  const total = schemaFindings.length + policyFindings.length;
  const objects = rendered.reduce((n, f) => n + f.objects.length, 0);
  if (total > 0) throw new UserError(`${total} finding(s) in ${objects} rendered object(s)`);
  console.log(`validate: ${objects} objects in ${rendered.length} files pass their schemas and ${RULES.length} policy rules`);
});
