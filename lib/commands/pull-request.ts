import { CodeCommitClient, CreatePullRequestCommand, GetPullRequestCommand, GetRepositoryCommand, ListPullRequestsCommand } from '@aws-sdk/client-codecommit';
import { UserError } from '../model/errors';

/** Where pull requests of this repository are opened. */
export type Provider =
  | { readonly kind: 'github'; readonly owner: string; readonly repo: string; readonly apiUrl?: string }
  | { readonly kind: 'codecommit'; readonly repo: string; readonly region: string; readonly endpoint?: string };

export interface PullRequest {
  readonly title: string;
  readonly body: string;
  /** The branch with the change. */
  readonly head: string;
  /** The branch it merges into. */
  readonly base: string;
}

/**
 * The provider from the remote's URL: github.com/<owner>/<repo>, or a CodeCommit HTTPS / GRC URL.
 * Flags (`--provider`, `--repo`, `--region`, `--api-url`) override what the URL says.
 */
export function resolveProvider(remoteUrl: string, flags: ReadonlyMap<string, string | true>): Provider {
  const flag = (name: string) => (typeof flags.get(name) === 'string' ? String(flags.get(name)) : undefined);
  const github = /github\.com[:/]([^/]+)\/([^/]+?)(\.git)?$/.exec(remoteUrl);
  const codecommit =
    /git-codecommit\.([a-z0-9-]+)\.amazonaws\.com\/v1\/repos\/([^/]+)$/.exec(remoteUrl) ?? /^codecommit::([a-z0-9-]+):\/\/(?:[^@]+@)?([^/]+)$/.exec(remoteUrl);
  const kind = flag('provider') ?? (github ? 'github' : codecommit ? 'codecommit' : undefined);
  if (kind === 'github') {
    const [owner, repo] = (flag('repo') ?? (github ? `${github[1]}/${github[2]}` : '')).split('/');
    if (!owner || !repo) throw new UserError('GitHub needs --repo <owner>/<name> (the remote URL does not name it)');
    return { kind, owner, repo, apiUrl: flag('api-url') };
  }
  if (kind === 'codecommit') {
    const repo = flag('repo') ?? codecommit?.[2];
    const region = flag('region') ?? codecommit?.[1] ?? process.env.AWS_REGION;
    if (!repo || !region) throw new UserError('CodeCommit needs --repo <name> and --region (the remote URL does not name them)');
    return { kind, repo, region, endpoint: flag('api-url') };
  }
  if (kind) throw new UserError(`unknown provider "${kind}" (github, codecommit)`);
  throw new UserError(`cannot tell where to open the pull request from the remote URL ${remoteUrl}: pass --provider github|codecommit and --repo`);
}

/** What promote needs from a provider: a check before anything is pushed, then find-or-open. */
export interface PullRequests {
  /** Checks the credentials and that the API answers for this repository; a UserError says what is wrong. */
  check(): Promise<void>;
  /** The open pull request from `head` into `base`, if there is one. */
  findOpen(head: string, base: string): Promise<string | undefined>;
  /** Opens the pull request and returns where a person reviews it. */
  open(pr: PullRequest): Promise<string>;
  close(): void;
}

/** Octokit logs failed requests to stderr itself; the error we raise says it in one line instead. */
const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const NETWORK = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH'];

/**
 * The network error behind a failed request, looked for along its chain of causes: Octokit wraps
 * fetch's TypeError, which wraps the socket's error (and names it in its message only when the
 * TypeError is an Error of its own realm).
 */
function networkCode(err: any): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    const code = e.code ?? /\b(E[A-Z]{4,})\b/.exec(String(e.message))?.[1];
    if (NETWORK.includes(code)) return code;
  }
  return undefined;
}

async function github(provider: Extract<Provider, { kind: 'github' }>): Promise<PullRequests> {
  const token = process.env.GITHUB_TOKEN;
  if (!token) throw new UserError('GITHUB_TOKEN is not set: a token with pull-request write access to the repository is needed');
  // @octokit/rest is an ES module; Node loads it on demand.
  const { Octokit } = await import('@octokit/rest');
  const octokit = new Octokit({ auth: token, ...(provider.apiUrl ? { baseUrl: provider.apiUrl } : {}), request: { retries: 0 }, log: QUIET });
  const { owner, repo } = provider;
  const where = `${owner}/${repo}`;
  const explain = (err: any, what: string) => {
    const network = networkCode(err);
    if (network) return new UserError(`cannot reach the GitHub API${provider.apiUrl ? ` at ${provider.apiUrl}` : ''}: ${network}`);
    if (err.status === 401) return new UserError(`GitHub does not accept GITHUB_TOKEN (401 ${err.response?.data?.message ?? 'Bad credentials'})`);
    return new UserError(`GitHub refused ${what} (${err.status ?? err.code ?? 'error'}): ${err.response?.data?.message ?? err.message}`);
  };
  return {
    async check() {
      let data: any;
      try {
        ({ data } = await octokit.rest.repos.get({ owner, repo }));
      } catch (err: any) {
        if (err.status === 404) throw new UserError(`GitHub has no repository ${where} that GITHUB_TOKEN can see (404)`);
        throw explain(err, `reading ${where}`);
      }
      if (data?.permissions && data.permissions.push === false)
        throw new UserError(`GITHUB_TOKEN cannot push to ${where}: it needs contents and pull-request write access`);
    },
    async findOpen(head, base) {
      try {
        const { data } = await octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${head}`, base });
        return data.find((pr: any) => pr.head?.ref === head)?.html_url ?? data[0]?.html_url;
      } catch (err) {
        throw explain(err, 'the list of pull requests');
      }
    },
    async open(pr) {
      try {
        const { data } = await octokit.rest.pulls.create({ owner, repo, title: pr.title, body: pr.body, head: pr.head, base: pr.base });
        return data.html_url;
      } catch (err) {
        throw explain(err, 'the pull request');
      }
    },
    close() {
      /* nothing held open */
    },
  };
}

function codecommit(provider: Extract<Provider, { kind: 'codecommit' }>): PullRequests {
  const client = new CodeCommitClient({ region: provider.region, ...(provider.endpoint ? { endpoint: provider.endpoint } : {}) });
  const repositoryName = provider.repo;
  const console = (id: string | undefined) =>
    `https://${provider.region}.console.aws.amazon.com/codesuite/codecommit/repositories/${repositoryName}/pull-requests/${id}`;
  const explain = (err: any, what: string) => {
    const network = networkCode(err);
    if (network) return new UserError(`cannot reach CodeCommit${provider.endpoint ? ` at ${provider.endpoint}` : ` in ${provider.region}`}: ${network}`);
    if (err?.name === 'CredentialsProviderError' || (/credential/i.test(String(err?.message)) && !err?.$metadata?.httpStatusCode)) {
      return new UserError('no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run where a role is available');
    }
    if (err?.name === 'RepositoryDoesNotExistException') return new UserError(`CodeCommit has no repository ${repositoryName} in ${provider.region}`);
    return new UserError(`CodeCommit refused ${what} (${err?.name ?? 'error'}): ${err?.message ?? err}`);
  };
  return {
    async check() {
      try {
        await client.send(new GetRepositoryCommand({ repositoryName }));
      } catch (err) {
        throw explain(err, `reading ${repositoryName}`);
      }
    },
    async findOpen(head, base) {
      try {
        let nextToken: string | undefined;
        do {
          const page = await client.send(new ListPullRequestsCommand({ repositoryName, pullRequestStatus: 'OPEN', nextToken }));
          for (const id of page.pullRequestIds ?? []) {
            const { pullRequest } = await client.send(new GetPullRequestCommand({ pullRequestId: id }));
            const ref = (r: string | undefined) => r?.replace(/^refs\/heads\//, '');
            if (pullRequest?.pullRequestTargets?.some((t) => ref(t.sourceReference) === head && ref(t.destinationReference) === base)) return console(id);
          }
          nextToken = page.nextToken;
        } while (nextToken);
        return undefined;
      } catch (err) {
        throw explain(err, 'the list of pull requests');
      }
    },
    async open(pr) {
      try {
        const result = await client.send(
          new CreatePullRequestCommand({
            title: pr.title,
            description: pr.body,
            targets: [{ repositoryName, sourceReference: pr.head, destinationReference: pr.base }],
          }),
        );
        return console(result.pullRequest?.pullRequestId);
      } catch (err) {
        throw explain(err, 'the pull request');
      }
    },
    close() {
      client.destroy();
    },
  };
}

/** The provider's pull-request API (nothing is called until `check`). */
export async function pullRequests(provider: Provider): Promise<PullRequests> {
  return provider.kind === 'github' ? github(provider) : codecommit(provider);
}
