/**
 * `bookstore <verb>`: the one command line of this repository. Each verb is a small module in
 * lib/commands/; a user mistake is one line on stderr and exit code 1.
 */
import { runCommand, UserError } from './errors';
import { bootstrap } from './commands/bootstrap';
import { bump } from './commands/bump';
import { contextRefresh } from './commands/context';
import { diff } from './commands/diff';
import { promote } from './commands/promote';
import { status } from './commands/status';

const USAGE = [
  'usage: bookstore <verb> [arguments]',
  '  bump <env> <service> <tag>   set an image tag, re-render, commit and push (what CI runs)',
  '  promote <from> <to> [svc…]   open a pull request that copies tags from one environment to the next',
  '  status                       the tag of each service in each environment',
  '  diff [<git-ref>] [--picture]  rendered objects added, changed, removed against a ref (default: merge base with main)',
  '  context refresh <cluster>    read the cluster\'s account facts from SSM into clusters/<cluster>.context.json',
  '  bootstrap argocd <cluster>   install Argo CD once with helm from dist/<cluster>/argocd/argo-cd.yaml (--print: only print)',
].join('\n');

type Verb = (argv: string[]) => Promise<void>;

const VERBS: Record<string, Verb> = {
  bump: (argv) => bump(argv, { root: process.cwd() }),
  promote: (argv) => promote(argv, { root: process.cwd() }),
  status: (argv) => status(argv, { root: process.cwd() }),
  diff: (argv) => diff(argv, { root: process.cwd() }),
  bootstrap: (argv) => bootstrap(argv, { root: process.cwd() }),
  context: async (argv) => {
    if (argv[0] !== 'refresh') throw new UserError('usage: bookstore context refresh <cluster> [--endpoint-url URL]');
    await contextRefresh(argv.slice(1), { root: process.cwd() });
  },
};

export async function main(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === 'help') {
    console.log(USAGE);
    return;
  }
  const run = VERBS[verb];
  if (!run) throw new UserError(`unknown verb "${verb}" (verbs: ${Object.keys(VERBS).join(', ')}; see bookstore --help)`);
  await run(rest);
}

if (require.main === module) {
  runCommand('bookstore', () => main(process.argv.slice(2)));
}
