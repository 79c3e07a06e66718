// The few GitHub REST calls CI makes: one pull-request comment per environment's diff and one issue for
// drift, each found again by a marker in its body so a re-run updates it instead of adding another.

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

/** What a call left behind on GitHub. */
export interface Outcome {
  readonly action: 'created' | 'updated' | 'closed' | 'none';
  /** The comment's id or the issue's number. */
  readonly id?: number;
  readonly url?: string;
}

interface Comment {
  readonly id: number;
  readonly body?: string | null;
  readonly html_url: string;
}

interface Issue {
  readonly number: number;
  readonly body?: string | null;
  readonly html_url: string;
  /** Present when the "issue" is a pull request: the issues endpoint lists both. */
  readonly pull_request?: unknown;
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

/** A minimal client of one repository's REST API. */
export class GitHubClient {
  private readonly origin: string;

  constructor(
    private readonly settings: GitHubSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.origin = new URL(settings.apiUrl).origin;
  }

  /** `/repos/<owner>/<name>` followed by `suffix`. */
  repoPath(suffix: string): string {
    const [owner, name] = this.settings.repository.split('/');
    return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}${suffix}`;
  }

  /** One call; a non-2xx answer throws an error naming the method, the path and the status. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.send(method, `${this.settings.apiUrl}${path}`, path, body)).json() as Promise<T>;
  }

  /** Every item of a list endpoint, following the Link header's `next` page. */
  async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = `${this.settings.apiUrl}${path}${path.includes('?') ? '&' : '?'}per_page=100`;
    while (url) {
      const shown = displayPath(url, this.settings.apiUrl);
      const response: Response = await this.send('GET', url, shown);
      items.push(...((await response.json()) as T[]));
      url = nextPage(response.headers.get('link'));
      // The token goes only to the API it was issued for, whatever a Link header says.
      if (url && new URL(url).origin !== this.origin) throw new Error(`GitHub API GET ${shown}: next page ${url} is not on ${this.origin}`);
    }
    return items;
  }

  private async send(method: string, url: string, shownPath: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.settings.token}`,
          'x-github-api-version': API_VERSION,
          'user-agent': 'groundwork-ci',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new Error(`GitHub API ${method} ${shownPath}: no answer (${cause})`);
    }
    if (!response.ok) {
      const detail = await errorDetail(response);
      throw new Error(`GitHub API ${method} ${shownPath} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${detail ? `: ${detail}` : ''}`);
    }
    return response;
  }
}

/** GitHub's own explanation of a failed call (its JSON `message`), or the start of the body. */
async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: show the text itself.
  }
  return text.trim().slice(0, 200);
}

/** The `rel="next"` URL of a Link header, if any. */
export function nextPage(link: string | null): string | undefined {
  for (const part of link?.split(',') ?? []) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}

/** A page URL as a path relative to the API, for messages. */
function displayPath(url: string, apiUrl: string): string {
  return url.startsWith(apiUrl) ? url.slice(apiUrl.length) : url;
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
  const comments = await client.list<Comment>(client.repoPath(`/issues/${pr}/comments`));
  const existing = comments.find((comment) => comment.body?.startsWith(marker));
  if (existing) {
    const updated = await client.request<Comment>('PATCH', client.repoPath(`/issues/comments/${existing.id}`), { body: text });
    return { action: 'updated', id: updated.id, url: updated.html_url };
  }
  const created = await client.request<Comment>('POST', client.repoPath(`/issues/${pr}/comments`), { body: text });
  return { action: 'created', id: created.id, url: created.html_url };
}

/** The open issues (never pull requests) with `label` whose body carries `marker`, oldest first. */
export async function findOpenIssues(client: GitHubClient, label: string, marker: string): Promise<Issue[]> {
  const issues = await client.list<Issue>(client.repoPath(`/issues?state=open&labels=${encodeURIComponent(label)}&sort=created&direction=asc`));
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
    const updated = await client.request<Issue>('PATCH', client.repoPath(`/issues/${existing.number}`), { body: text });
    return { action: 'updated', id: updated.number, url: updated.html_url };
  }
  const created = await client.request<Issue>('POST', client.repoPath('/issues'), { title: options.title, body: text, labels: [options.label] });
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
    await client.request('POST', client.repoPath(`/issues/${issue.number}/comments`), { body: comment });
    await client.request('PATCH', client.repoPath(`/issues/${issue.number}`), { state: 'closed', state_reason: 'completed' });
    outcomes.push({ action: 'closed', id: issue.number, url: issue.html_url });
  }
  return outcomes.length > 0 ? outcomes : [{ action: 'none' }];
}
