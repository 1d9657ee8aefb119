/**
 * `bookstore <verb>`: the one command line of this repository. Each verb is a small module in
 * lib/commands/; a user mistake is one line on stderr and exit code 1. Every verb runs against the
 * checkout the current folder is in (found by walking up), and `<verb> --help` prints its usage.
 */
import { runCommand, UserError } from './model/errors';
import { USAGES } from './commands/usage';
import { findRoot } from './load/root';

interface Verb {
  /** One line for `bookstore --help`. */
  readonly summary: string;
  /** What `bookstore <verb> --help` prints. */
  readonly usage: string;
  readonly run: (argv: string[], root: string, log: (line: string) => void) => Promise<void>;
}

/** The verbs' modules, loaded only when their verb runs: a bump in CI loads neither the AWS SDK nor Octokit. */
interface Modules {
  bump: typeof import('./commands/bump');
  promote: typeof import('./commands/promote');
  status: typeof import('./commands/status');
  diff: typeof import('./commands/diff');
  bootstrap: typeof import('./commands/bootstrap');
  context: typeof import('./commands/context');
}
const load = <K extends keyof Modules>(name: K): Modules[K] => require(`./commands/${name}`);

const VERBS: Record<string, Verb> = {
  bump: {
    summary: 'bump <env> <service> <tag>   set an image tag, re-render, commit and push (what CI runs)',
    usage: USAGES.bump,
    run: (argv, root, log) => load('bump').bump(argv, { root, log }),
  },
  promote: {
    summary: 'promote <from> <to> [svc…]   open a pull request that copies tags from one environment to the next',
    usage: USAGES.promote,
    run: (argv, root, log) => load('promote').promote(argv, { root, log }),
  },
  status: {
    summary: 'status                       the tag of each service in each environment, per cluster',
    usage: USAGES.status,
    run: (argv, root, log) => load('status').status(argv, { root, log }),
  },
  diff: {
    summary: 'diff [<git-ref>] [--picture]  rendered objects added, changed, removed against a ref (default: merge base with main)',
    usage: USAGES.diff,
    run: (argv, root, log) => load('diff').diff(argv, { root, log }),
  },
  bootstrap: {
    summary:
      'bootstrap <cluster>   bring a cluster up: its facts into SSM, the cluster (eksctl; ENIConfigs before nodes), its AWS prerequisites stack, Argo CD and the root (--dry-run: only print)',
    usage: USAGES.bootstrap,
    run: (argv, root, log) => load('bootstrap').bootstrap(argv, { root, log }),
  },
  context: {
    summary: "context refresh <cluster>    read the cluster's account facts from SSM into clusters/<cluster>.context.json",
    usage: USAGES.context,
    run: async (argv, root, log) => {
      if (argv[0] !== 'refresh') throw new UserError(USAGES.context);
      await load('context').contextRefresh(argv.slice(1), { root, log });
    },
  },
};

// Each summary is `<synopsis>  <what it does>`: the synopses padded to one column.
const SUMMARIES = Object.values(VERBS).map((v) => v.summary.split(/\s{2,}/));
const COLUMN = Math.max(...SUMMARIES.map(([synopsis]) => synopsis.length)) + 2;
const USAGE = [
  'usage: bookstore <verb> [arguments]   (`bookstore <verb> --help` for one verb)',
  ...SUMMARIES.map(([synopsis, text]) => `  ${synopsis.padEnd(COLUMN)}${text}`),
].join('\n');

/** Runs one verb. `cwd` is where the user is; the verb works on the checkout around it and prints through `log`. */
export async function main(argv: string[], cwd: string = process.cwd(), log: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    log(USAGE);
    return;
  }
  const entry = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
  if (!entry) throw new UserError(`unknown verb "${verb}" (verbs: ${Object.keys(VERBS).join(', ')}; see bookstore --help)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    log(entry.usage);
    return;
  }
  await entry.run(rest, findRoot(cwd), log);
}

/** The verbs, for tests that check each one's --help. */
export const VERB_NAMES = Object.keys(VERBS);

if (require.main === module) {
  runCommand('bookstore', () => main(process.argv.slice(2)));
}
