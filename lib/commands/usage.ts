/** The usage line of each verb: here, so that `bookstore --help` needs no verb's module loaded. */
export const USAGES = {
  bootstrap: 'usage: bookstore bootstrap <cluster> [--domain <base-domain>] [--dry-run]',
  bump: 'usage: bookstore bump <env> <service> <tag> [--no-push] [--remote origin] [--branch main] [--max-tries 10] [--backoff-ms 500]',
  context: 'usage: bookstore context refresh <cluster> [--endpoint-url URL]',
  diff: "usage: bookstore diff [<git-ref>] [--picture]   (default ref: the merge base with origin/main or main; --picture: the changed environments' pictures)",
  promote:
    'usage: bookstore promote <from-env> <to-env> [service…] [--dry-run] [--remote origin] [--branch main] [--provider github|codecommit] [--repo R] [--region R] [--api-url URL]',
  status: "usage: bookstore status   (the tags of each cluster's environments, in promotion order)",
} as const;
