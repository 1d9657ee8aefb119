import { CodeCommitClient, CreatePullRequestCommand } from '@aws-sdk/client-codecommit';
import { UserError } from '../errors';

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
  const codecommit = /git-codecommit\.([a-z0-9-]+)\.amazonaws\.com\/v1\/repos\/([^/]+)$/.exec(remoteUrl)
    ?? /^codecommit::([a-z0-9-]+):\/\/(?:[^@]+@)?([^/]+)$/.exec(remoteUrl);
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

/** Octokit logs failed requests to stderr itself; the error we raise says it in one line instead. */
const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Opens the pull request and returns where a person reviews it. */
export async function openPullRequest(provider: Provider, pr: PullRequest): Promise<string> {
  if (provider.kind === 'github') {
    const token = process.env.GITHUB_TOKEN;
    if (!token) throw new UserError('GITHUB_TOKEN is not set: a token with pull-request write access to the repository is needed');
    // @octokit/rest is an ES module; Node loads it on demand.
    const { Octokit } = await import('@octokit/rest');
    const octokit = new Octokit({ auth: token, ...(provider.apiUrl ? { baseUrl: provider.apiUrl } : {}), request: { retries: 0 }, log: QUIET });
    try {
      const { data } = await octokit.rest.pulls.create({ owner: provider.owner, repo: provider.repo, title: pr.title, body: pr.body, head: pr.head, base: pr.base });
      return data.html_url;
    } catch (err: any) {
      throw new UserError(`GitHub refused the pull request (${err.status ?? err.code ?? 'error'}): ${err.response?.data?.message ?? err.message}`);
    }
  }
  const client = new CodeCommitClient({ region: provider.region, ...(provider.endpoint ? { endpoint: provider.endpoint } : {}) });
  try {
    const result = await client.send(new CreatePullRequestCommand({
      title: pr.title,
      description: pr.body,
      targets: [{ repositoryName: provider.repo, sourceReference: pr.head, destinationReference: pr.base }],
    }));
    const id = result.pullRequest?.pullRequestId;
    return `https://${provider.region}.console.aws.amazon.com/codesuite/codecommit/repositories/${provider.repo}/pull-requests/${id}`;
  } catch (err: any) {
    throw new UserError(`CodeCommit refused the pull request (${err.name ?? 'error'}): ${err.message}`);
  } finally {
    client.destroy();
  }
}
