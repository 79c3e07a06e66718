// The few GitHub REST calls CI makes: one pull-request comment per environment's diff and one issue for
// drift, each found again by a marker in its body so a re-run updates it instead of adding another.
// The calls go through Octokit (@octokit/rest) with its retry and throttling plugins: a 5xx or a call that
// got no answer is retried a bounded number of times, and GitHub's primary and secondary rate limits (which
// PR bots hit: many writes in a burst) are waited out as GitHub asks, writes spaced at least a second apart.
import * as http from 'node:http';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';

/** GitHub refuses an issue or comment body longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;

const API_VERSION = '2022-11-28';
const REQUEST_TIMEOUT_MS = 30_000;

/** Where and as whom the calls are made, and the run to link to. */
export interface GitHubSettings {
  /** GITHUB_TOKEN: sent only as the Authorization header, never logged. */
  readonly token: string;
  /** `owner/name` of the repository. */
  readonly repository: string;
  /** The REST API's base URL; GitHub Enterprise Server's ends in `/api/v3`. */
  readonly apiUrl: string;
  /** The workflow run this is part of, when there is one: where the full summaries are kept. */
  readonly runUrl?: string;
}

/**
 * How hard the client tries. The defaults are for CI; tests shrink the waits so a retry costs milliseconds.
 */
export interface RetryPolicy {
  /** Retries of a call that failed with a 5xx (or a 429) or got no answer, after the first try. @default 3 */
  readonly retries?: number;
  /** Retries of a call refused by a primary or secondary rate limit, each after the wait GitHub asks for. @default 2 */
  readonly rateLimitRetries?: number;
  /**
   * Milliseconds a "second" of waiting lasts: of Retry-After, of a rate limit's reset, and of the retry
   * back-off (1, 4, 9 s). @default 1000
   */
  readonly secondMs?: number;
  /** Least time between two writes (GitHub's advice against secondary limits), and between two that notify. @default 1000 and 3000 */
  readonly writeIntervalMs?: number;
  readonly notifyIntervalMs?: number;
  /** Where retries and rate-limit waits are told. @default stderr */
  readonly warn?: (line: string) => void;
}

/** What a call left behind on GitHub. */
export interface Outcome {
  readonly action: 'created' | 'updated' | 'closed' | 'none';
  /** The comment's id or the issue's number. */
  readonly id?: number;
  readonly url?: string;
}

interface Issue {
  readonly number: number;
  readonly body?: string | null;
  readonly html_url: string;
  /** Present when the "issue" is a pull request: the issues endpoint lists both. */
  readonly pull_request?: unknown;
}

interface Comment {
  readonly id: number;
  readonly body?: string | null;
  readonly html_url: string;
}

/**
 * Reads the settings the Actions runner provides: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL (default
 * https://api.github.com) and, for the run link, GITHUB_SERVER_URL and GITHUB_RUN_ID.
 */
export function githubSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubSettings {
  const token = env.GITHUB_TOKEN;
  if (!token) throw new Error('GITHUB_TOKEN is not set (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})');
  const repository = env.GITHUB_REPOSITORY ?? '';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new Error(`GITHUB_REPOSITORY must be owner/name (got "${repository}")`);
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const runUrl = env.GITHUB_SERVER_URL && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL.replace(/\/+$/, '')}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  return { token, repository, apiUrl, runUrl };
}

/** Octokit with the plugins: retries (plugin-retry) and rate limits waited out (plugin-throttling). */
const PatientOctokit = Octokit.plugin(retry, throttling);
type PatientOctokit = InstanceType<typeof PatientOctokit>;

const quiet = (): void => undefined;

/** The calls CI makes on one repository's issues, pull-request comments included. */
export class GitHubClient {
  /** The underlying client, for a call this class does not wrap. */
  readonly octokit: PatientOctokit;
  private readonly owner: string;
  private readonly repo: string;

  constructor(
    private readonly settings: GitHubSettings,
    policy: RetryPolicy = {},
  ) {
    [this.owner, this.repo] = settings.repository.split('/');
    const origin = new URL(settings.apiUrl).origin;
    const warn = policy.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
    const secondMs = policy.secondMs ?? 1000;
    const rateLimitRetries = policy.rateLimitRetries ?? 2;
    const onLimit =
      (kind: string) =>
      (retryAfter: number, options: { method?: string; url?: string }, _octokit: unknown, retryCount: number): boolean => {
        const call = `GitHub API ${options.method} ${this.shown(options.url ?? '')}`;
        if (retryCount >= rateLimitRetries) {
          warn(`${call}: ${kind} rate limit, ${rateLimitRetries} retries spent; giving up`);
          return false;
        }
        warn(`${call}: ${kind} rate limit; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${rateLimitRetries})`);
        return true;
      };
    const paced = policy.writeIntervalMs !== undefined || policy.notifyIntervalMs !== undefined;
    this.octokit = new PatientOctokit({
      auth: settings.token,
      baseUrl: settings.apiUrl,
      userAgent: 'groundwork-ci',
      // Failures are reported once, by the caller, as one line (describeFailure); retries and waits are worth a warning.
      log: { debug: quiet, info: quiet, warn: (message: string) => warn(message), error: quiet },
      request: {
        // A fresh timeout for every attempt, retries included.
        fetch: (url: string, init: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
      },
      retry: { retries: policy.retries ?? 3, retryAfterBaseValue: secondMs },
      throttle: {
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        retryAfterBaseValue: secondMs,
        ...(paced
          ? {
              write: new Bottleneck.Group({ maxConcurrent: 1, minTime: policy.writeIntervalMs ?? 1000 }),
              notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: policy.notifyIntervalMs ?? 3000 }),
            }
          : {}),
      },
    });
    this.octokit.hook.before('request', (options) => {
      // The token goes only to the API it was issued for, whatever a Link header's next page says. Registered
      // after the plugins, this runs before them: a refused call is never retried.
      if (/^[a-z][a-z\d+.-]*:/i.test(options.url) && new URL(options.url).origin !== origin) {
        throw new Error(`GitHub API ${options.method}: next page ${options.url} is not on ${origin}`);
      }
      options.headers['x-github-api-version'] = API_VERSION;
    });
  }

  /** Every comment on the issue or pull request, all pages. */
  listComments(issue: number): Promise<Comment[]> {
    return this.all(this.octokit.paginate.iterator(this.octokit.rest.issues.listComments, { owner: this.owner, repo: this.repo, issue_number: issue, per_page: 100 }));
  }

  createComment(issue: number, body: string): Promise<Comment> {
    return this.call(async () => (await this.octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: issue, body })).data);
  }

  updateComment(id: number, body: string): Promise<Comment> {
    return this.call(async () => (await this.octokit.rest.issues.updateComment({ owner: this.owner, repo: this.repo, comment_id: id, body })).data);
  }

  /** The open issues with `label`, pull requests included (the endpoint lists both), oldest first. */
  listOpenIssues(label: string): Promise<Issue[]> {
    return this.all(
      this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, {
        owner: this.owner,
        repo: this.repo,
        state: 'open',
        labels: label,
        sort: 'created',
        direction: 'asc',
        per_page: 100,
      }),
    );
  }

  createIssue(issue: { title: string; body: string; labels: string[] }): Promise<Issue> {
    return this.call(async () => (await this.octokit.rest.issues.create({ owner: this.owner, repo: this.repo, ...issue })).data);
  }

  updateIssue(number: number, fields: { body?: string; state?: 'open' | 'closed'; state_reason?: 'completed' | 'not_planned' | 'reopened' }): Promise<Issue> {
    return this.call(async () => (await this.octokit.rest.issues.update({ owner: this.owner, repo: this.repo, issue_number: number, ...fields })).data);
  }

  private async all<T>(pages: AsyncIterable<{ data: T[] }>): Promise<T[]> {
    return this.call(async () => {
      const items: T[] = [];
      for await (const page of pages) items.push(...page.data);
      return items;
    });
  }

  /** `run`, with an Octokit failure turned into one line naming the method, the API path and the status. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.describeFailure(error);
    }
  }

  private describeFailure(error: unknown): Error {
    const failure = error as { name?: string; message: string; request?: { method?: string; url?: string }; response?: { status: number; data?: unknown } };
    if (failure?.name !== 'HttpError' || !failure.request) return error as Error;
    const call = `GitHub API ${failure.request.method} ${this.shown(failure.request.url ?? '')}`;
    // @octokit/request reports a call that got no answer (refused, reset, timed out) as a 500 without a response.
    if (!failure.response) return new Error(`${call}: no answer (${failure.message})`);
    const { status, data } = failure.response;
    const reason = http.STATUS_CODES[status];
    const detail = githubMessage(data);
    return new Error(`${call} answered ${status}${reason ? ` ${reason}` : ''}${detail ? `: ${detail}` : ''}`);
  }

  /** A URL as a path relative to the API, for messages. */
  private shown(url: string): string {
    return url.startsWith(this.settings.apiUrl) ? url.slice(this.settings.apiUrl.length) : url;
  }
}

/** GitHub's own explanation of a failed call (its JSON `message`), or the start of the body. */
function githubMessage(data: unknown): string {
  if (data !== null && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') return (data as { message: string }).message;
  return typeof data === 'string' ? data.trim().slice(0, 200) : '';
}

/**
 * The body to post: `body` starting with `marker` (prepended when it does not, since the marker is how the
 * next run finds it, and only at the start: a reply quoting the comment carries it too, after `> `), cut to fit GitHub's limit when too long, with a note saying where the whole text is. A cut
 * never splits a character or leaves a code fence open.
 */
export function fitBody(body: string, marker: string, runUrl?: string): string {
  const marked = body.startsWith(marker) ? body : `${marker}\n${body}`;
  if (marked.length <= GITHUB_BODY_LIMIT) return marked;
  const where = runUrl ? `the artifacts of [the workflow run](${runUrl})` : "the workflow run's artifacts";
  const note = `\n\n> **Note**\n> Truncated: the full text (${marked.length} characters) is over GitHub's ${GITHUB_BODY_LIMIT} limit. Read it whole in ${where}.\n`;
  const fence = '\n```';
  let head = marked.slice(0, GITHUB_BODY_LIMIT - note.length - fence.length - marker.length - 1);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  if (!head.startsWith(marker)) head = `${marker}\n${head}`;
  const openFence = (head.match(/^[ \t]*```/gm) ?? []).length % 2 === 1;
  return `${head}${openFence ? fence : ''}${note}`;
}

/**
 * Creates the pull request's comment carrying `marker`, or updates the first one found in place (every
 * page of comments is searched; no other comment is touched).
 */
export async function upsertPullRequestComment(client: GitHubClient, pr: number, marker: string, body: string, runUrl?: string): Promise<Outcome> {
  const text = fitBody(body, marker, runUrl);
  const comments = await client.listComments(pr);
  const existing = comments.find((comment) => comment.body?.startsWith(marker));
  if (existing) {
    const updated = await client.updateComment(existing.id, text);
    return { action: 'updated', id: updated.id, url: updated.html_url };
  }
  const created = await client.createComment(pr, text);
  return { action: 'created', id: created.id, url: created.html_url };
}

/** The open issues (never pull requests) with `label` whose body carries `marker`, oldest first. */
export async function findOpenIssues(client: GitHubClient, label: string, marker: string): Promise<Issue[]> {
  const issues = await client.listOpenIssues(label);
  return issues.filter((issue) => issue.pull_request === undefined && issue.body?.startsWith(marker));
}

/** Updates the body of the open issue with `label` and `marker`, or opens one with `title`, `label` and the body. */
export async function upsertIssue(
  client: GitHubClient,
  options: { title: string; label: string; marker: string; body: string; runUrl?: string },
): Promise<Outcome> {
  const text = fitBody(options.body, options.marker, options.runUrl);
  const [existing] = await findOpenIssues(client, options.label, options.marker);
  if (existing) {
    const updated = await client.updateIssue(existing.number, { body: text });
    return { action: 'updated', id: updated.number, url: updated.html_url };
  }
  const created = await client.createIssue({ title: options.title, body: text, labels: [options.label] });
  return { action: 'created', id: created.number, url: created.html_url };
}

/**
 * Closes every open issue with `label` and `marker`, each with a comment saying the run found nothing
 * (linking the run when known). Nothing open: nothing to do.
 */
export async function resolveIssues(client: GitHubClient, options: { label: string; marker: string; runUrl?: string }): Promise<Outcome[]> {
  const open = await findOpenIssues(client, options.label, options.marker);
  const comment = options.runUrl ? `No drift found in the run ${options.runUrl}.` : 'No drift found in the latest run.';
  const outcomes: Outcome[] = [];
  for (const issue of open) {
    await client.createComment(issue.number, comment);
    await client.updateIssue(issue.number, { state: 'closed', state_reason: 'completed' });
    outcomes.push({ action: 'closed', id: issue.number, url: issue.html_url });
  }
  return outcomes.length > 0 ? outcomes : [{ action: 'none' }];
}
