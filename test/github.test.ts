import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fitBody, GITHUB_BODY_LIMIT, GitHubClient, githubSettingsFromEnv, resolveIssues, upsertIssue, upsertPullRequestComment, type GitHubSettings, type RetryPolicy } from '../operations/github';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const TOKEN = 'ghs_test-token-never-printed';
const REPO = '/repos/acme/platform';
const RUN_URL = 'https://github.example/acme/platform/actions/runs/42';
const DIFF_MARKER = '<!-- groundwork-diff:prod -->';
const DRIFT_MARKER = '<!-- groundwork-drift -->';
// GitHub takes a token under either scheme; Octokit sends `token`.
const AUTHORIZATION = new RegExp(`^(Bearer|token) ${TOKEN}$`);

interface Recorded {
  readonly method: string;
  /** Path and query, relative to the API (without the Enterprise-style /api/v3 prefix). */
  readonly path: string;
  readonly body: unknown;
  readonly authorization?: string;
  readonly apiVersion?: string;
  readonly userAgent?: string;
}

interface FakeComment {
  id: number;
  body: string;
}

interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  pull_request?: object;
}

/**
 * The handful of GitHub REST endpoints the CI commands use, over real HTTP on loopback, under an `/api/v3`
 * prefix (as GitHub Enterprise Server serves them) and with two items a page so every list has pages.
 */
class FakeGitHub {
  readonly requests: Recorded[] = [];
  readonly comments = new Map<number, FakeComment[]>();
  readonly issues: FakeIssue[] = [];
  /** `METHOD /path` answered with 403, as GitHub does when the token lacks a permission. */
  readonly forbidden = new Set<string>();
  /** Answers to give, each once and in order, before the real one: a 5xx, a rate limit. */
  readonly failures: { call: string; status: number; body: unknown; headers?: Record<string, string> }[] = [];
  /** Answer list pages with a next link to another host. */
  foreignNextLink = false;
  private nextId = 1000;
  private server?: http.Server;
  private origin = '';

  get apiUrl(): string {
    return `${this.origin}/api/v3`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  addComments(pr: number, ...bodies: string[]): FakeComment[] {
    const added = bodies.map((body) => ({ id: this.nextId++, body }));
    this.comments.set(pr, [...(this.comments.get(pr) ?? []), ...added]);
    return added;
  }

  addIssue(issue: Omit<FakeIssue, 'number'>): FakeIssue {
    const added = { number: this.nextId++, ...issue };
    this.issues.push(added);
    return added;
  }

  /** The requests other than reads. */
  writes(): Recorded[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', this.origin);
      const apiPath = url.pathname.replace(/^\/api\/v3/, '');
      this.requests.push({
        method: request.method ?? '',
        path: `${apiPath}${url.search}`,
        body: raw ? JSON.parse(raw) : undefined,
        authorization: request.headers.authorization,
        apiVersion: request.headers['x-github-api-version'] as string | undefined,
        userAgent: request.headers['user-agent'],
      });
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      };
      if (!url.pathname.startsWith('/api/v3/') || !AUTHORIZATION.test(request.headers.authorization ?? '')) return reply(401, { message: 'Bad credentials' });
      const failure = this.failures.findIndex((candidate) => candidate.call === `${request.method} ${apiPath}`);
      if (failure >= 0) {
        const [{ status, body, headers }] = this.failures.splice(failure, 1);
        return reply(status, body, headers);
      }
      if (this.forbidden.has(`${request.method} ${apiPath}`)) return reply(403, { message: 'Resource not accessible by integration' });
      this.route(request.method ?? '', apiPath, url, raw ? JSON.parse(raw) : undefined, reply);
    });
  }

  private route(method: string, apiPath: string, url: URL, body: any, reply: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    let match: RegExpExecArray | null;
    if ((match = new RegExp(`^${REPO}/issues/(\\d+)/comments$`).exec(apiPath))) {
      const pr = Number(match[1]);
      if (method === 'GET') return this.page(url, (this.comments.get(pr) ?? []).map((comment) => this.commentJson(comment)), reply);
      if (method === 'POST') return reply(201, this.commentJson(this.addComments(pr, body.body)[0]));
    }
    if ((match = new RegExp(`^${REPO}/issues/comments/(\\d+)$`).exec(apiPath)) && method === 'PATCH') {
      const comment = [...this.comments.values()].flat().find((candidate) => candidate.id === Number(match![1]));
      if (!comment) return reply(404, { message: 'Not Found' });
      comment.body = body.body;
      return reply(200, this.commentJson(comment));
    }
    if (apiPath === `${REPO}/issues`) {
      if (method === 'GET') {
        const state = url.searchParams.get('state') ?? 'open';
        const label = url.searchParams.get('labels');
        const listed = this.issues.filter((issue) => issue.state === state && (!label || issue.labels.includes(label)));
        return this.page(url, listed.map((issue) => this.issueJson(issue)), reply);
      }
      if (method === 'POST') return reply(201, this.issueJson(this.addIssue({ title: body.title, body: body.body, labels: body.labels ?? [], state: 'open' })));
    }
    if ((match = new RegExp(`^${REPO}/issues/(\\d+)$`).exec(apiPath)) && method === 'PATCH') {
      const issue = this.issues.find((candidate) => candidate.number === Number(match![1]));
      if (!issue) return reply(404, { message: 'Not Found' });
      Object.assign(issue, body);
      return reply(200, this.issueJson(issue));
    }
    reply(404, { message: 'Not Found' });
  }

  /** Two items a page, with GitHub's Link header. */
  private page(url: URL, items: unknown[], reply: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    const size = 2;
    const page = Number(url.searchParams.get('page') ?? '1');
    const last = Math.max(1, Math.ceil(items.length / size));
    const link = (n: number, rel: string) => {
      const target = new URL(url);
      target.searchParams.set('page', String(n));
      if (this.foreignNextLink) target.host = 'evil.example';
      return `<${target}>; rel="${rel}"`;
    };
    const links = [...(page < last ? [link(page + 1, 'next')] : []), link(last, 'last')];
    reply(200, items.slice((page - 1) * size, page * size), { link: links.join(', ') });
  }

  private commentJson(comment: FakeComment) {
    return { id: comment.id, body: comment.body, html_url: `https://github.example/acme/platform/pull/1#issuecomment-${comment.id}` };
  }

  private issueJson(issue: FakeIssue) {
    return { ...issue, html_url: `https://github.example/acme/platform/issues/${issue.number}` };
  }
}

let github: FakeGitHub;
let client: GitHubClient;
let settings: GitHubSettings;
let warnings: string[];
/** CI's retry policy with its waits shrunk: a "second" lasts a millisecond, and writes are not spaced. */
let fast: RetryPolicy;

beforeEach(async () => {
  github = new FakeGitHub();
  await github.start();
  warnings = [];
  fast = { secondMs: 1, writeIntervalMs: 0, notifyIntervalMs: 0, warn: (line) => warnings.push(line) };
  settings = { token: TOKEN, repository: 'acme/platform', apiUrl: github.apiUrl, runUrl: RUN_URL };
  client = new GitHubClient(settings, fast);
});

afterEach(() => github.stop());

describe('upsertPullRequestComment', () => {
  it('creates the comment when no comment on any page carries the marker', async () => {
    github.addComments(7, 'LGTM', '<!-- groundwork-diff:dev -->\ndev diff', 'one more', 'and another');

    const outcome = await upsertPullRequestComment(client, 7, DIFF_MARKER, `${DIFF_MARKER}\n## prod\nchanges`, RUN_URL);

    expect(outcome).toMatchObject({ action: 'created', id: expect.any(Number) });
    expect(github.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET ${REPO}/issues/7/comments?per_page=100`,
      `GET ${REPO}/issues/7/comments?per_page=100&page=2`,
      `POST ${REPO}/issues/7/comments`,
    ]);
    expect(github.writes()[0].body).toEqual({ body: `${DIFF_MARKER}\n## prod\nchanges` });
    for (const request of github.requests) {
      expect(request.authorization).toMatch(AUTHORIZATION);
      expect(request.apiVersion).toBe('2022-11-28');
      expect(request.userAgent).toMatch(/^groundwork-ci octokit-rest\.js\//);
    }
  });

  it('updates the marked comment in place, found on a later page, and touches no other', async () => {
    // A reply quoting the bot's comment carries the marker too, after `> `: it is someone else's, never updated.
    const [, devDiff, , prodDiff, last] = github.addComments(7, `> ${DIFF_MARKER}\n> old prod diff\n\nwhy?`, '<!-- groundwork-diff:dev -->\ndev diff', 'question', `${DIFF_MARKER}\nold prod diff`, 'thanks');

    const outcome = await upsertPullRequestComment(client, 7, DIFF_MARKER, `${DIFF_MARKER}\nnew prod diff`);

    expect(outcome).toMatchObject({ action: 'updated', id: prodDiff.id });
    expect(github.writes()).toEqual([expect.objectContaining({ method: 'PATCH', path: `${REPO}/issues/comments/${prodDiff.id}`, body: { body: `${DIFF_MARKER}\nnew prod diff` } })]);
    expect(github.comments.get(7)!.map((comment) => comment.body)).toEqual([`> ${DIFF_MARKER}\n> old prod diff\n\nwhy?`, devDiff.body, 'question', `${DIFF_MARKER}\nnew prod diff`, last.body]);
  });

  it('puts the marker in a body that lacks it, so the next run finds the comment', async () => {
    await upsertPullRequestComment(client, 7, DIFF_MARKER, 'no marker here');
    await upsertPullRequestComment(client, 7, DIFF_MARKER, 'second run');

    expect(github.comments.get(7)!.map((comment) => comment.body)).toEqual([`${DIFF_MARKER}\nsecond run`]);
  });

  it('fails on a 403 naming the status and the API path', async () => {
    github.forbidden.add(`POST ${REPO}/issues/7/comments`);

    await expect(upsertPullRequestComment(client, 7, DIFF_MARKER, 'diff')).rejects.toThrow(
      `GitHub API POST ${REPO}/issues/7/comments answered 403 Forbidden: Resource not accessible by integration`,
    );
  });

  it('never follows a next page to another host, which would get the token', async () => {
    github.addComments(7, 'a', 'b', 'c');
    github.foreignNextLink = true;

    await expect(upsertPullRequestComment(client, 7, DIFF_MARKER, 'diff')).rejects.toThrow(/next page http:\/\/evil\.example.* is not on http:\/\/127\.0\.0\.1/);
    expect(github.requests).toHaveLength(1);
  });
});

describe('upsertIssue', () => {
  const options = { title: 'Drift detected', label: 'drift', marker: DRIFT_MARKER, runUrl: RUN_URL };

  it('opens an issue with the title, label and body when no open issue has both the label and the marker', async () => {
    github.addIssue({ title: 'Old drift', body: `${DRIFT_MARKER}\nlast week`, labels: ['drift'], state: 'closed' });
    github.addIssue({ title: 'Unrelated', body: 'about drift', labels: ['drift'], state: 'open' });
    github.addIssue({ title: 'Other label', body: `${DRIFT_MARKER}\n`, labels: ['bug'], state: 'open' });
    github.addIssue({ title: 'A pull request', body: `${DRIFT_MARKER}\n`, labels: ['drift'], state: 'open', pull_request: {} });

    const outcome = await upsertIssue(client, { ...options, body: `${DRIFT_MARKER}\n# Drift detected\nprod` });

    expect(outcome.action).toBe('created');
    expect(github.requests[0]).toMatchObject({ method: 'GET', path: `${REPO}/issues?state=open&labels=drift&sort=created&direction=asc&per_page=100` });
    expect(github.writes()).toEqual([
      expect.objectContaining({ method: 'POST', path: `${REPO}/issues`, body: { title: 'Drift detected', labels: ['drift'], body: `${DRIFT_MARKER}\n# Drift detected\nprod` } }),
    ]);
  });

  it("updates the open marked issue's body in place", async () => {
    github.addIssue({ title: 'Unrelated', body: 'x', labels: ['drift'], state: 'open' });
    github.addIssue({ title: 'Unrelated too', body: 'y', labels: ['drift'], state: 'open' });
    const open = github.addIssue({ title: 'Drift detected', body: `${DRIFT_MARKER}\nyesterday`, labels: ['drift'], state: 'open' });

    const outcome = await upsertIssue(client, { ...options, body: `${DRIFT_MARKER}\ntoday` });

    expect(outcome).toMatchObject({ action: 'updated', id: open.number });
    expect(github.writes()).toEqual([expect.objectContaining({ method: 'PATCH', path: `${REPO}/issues/${open.number}`, body: { body: `${DRIFT_MARKER}\ntoday` } })]);
    expect(github.issues.filter((issue) => issue.state === 'open')).toHaveLength(3);
  });
});

describe('resolveIssues', () => {
  it('closes the open marked issue with a comment linking the run', async () => {
    const open = github.addIssue({ title: 'Drift detected', body: `${DRIFT_MARKER}\nprod drifted`, labels: ['drift'], state: 'open' });
    const other = github.addIssue({ title: 'Keep me', body: 'no marker', labels: ['drift'], state: 'open' });

    const outcomes = await resolveIssues(client, { label: 'drift', marker: DRIFT_MARKER, runUrl: RUN_URL });

    expect(outcomes).toEqual([expect.objectContaining({ action: 'closed', id: open.number })]);
    expect(github.writes()).toEqual([
      expect.objectContaining({ method: 'POST', path: `${REPO}/issues/${open.number}/comments`, body: { body: `No drift found in the run ${RUN_URL}.` } }),
      expect.objectContaining({ method: 'PATCH', path: `${REPO}/issues/${open.number}`, body: { state: 'closed', state_reason: 'completed' } }),
    ]);
    expect(open.state).toBe('closed');
    expect(other.state).toBe('open');
  });

  it('does nothing when no marked issue is open', async () => {
    github.addIssue({ title: 'Drift detected', body: `${DRIFT_MARKER}\n`, labels: ['drift'], state: 'closed' });

    expect(await resolveIssues(client, { label: 'drift', marker: DRIFT_MARKER })).toEqual([{ action: 'none' }]);
    expect(github.writes()).toEqual([]);
  });
});

describe('retries and rate limits', () => {
  const comments = `${REPO}/issues/7/comments`;
  const secondary = { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' };

  it('retries a 5xx, boundedly, and then succeeds', async () => {
    github.failures.push({ call: `GET ${comments}`, status: 502, body: { message: 'Bad gateway' } }, { call: `GET ${comments}`, status: 503, body: 'unavailable' });

    await expect(upsertPullRequestComment(client, 7, DIFF_MARKER, 'diff')).resolves.toMatchObject({ action: 'created' });
    expect(github.requests.map((request) => `${request.method} ${request.path}`)).toEqual([`GET ${comments}?per_page=100`, `GET ${comments}?per_page=100`, `GET ${comments}?per_page=100`, `POST ${comments}`]);
  });

  it('gives up after the retries the policy allows, naming the last status', async () => {
    for (let i = 0; i < 5; i++) github.failures.push({ call: `GET ${comments}`, status: 500, body: { message: 'Server Error' } });
    client = new GitHubClient(settings, { ...fast, retries: 2 });

    await expect(upsertPullRequestComment(client, 7, DIFF_MARKER, 'diff')).rejects.toThrow(`GitHub API GET ${comments}?per_page=100 answered 500 Internal Server Error: Server Error`);
    expect(github.requests).toHaveLength(3);
  });

  it('never retries what a retry cannot fix: a 403 that is no rate limit, a 404, a 422', async () => {
    github.failures.push({ call: `POST ${comments}`, status: 422, body: { message: 'Validation Failed' } });

    await expect(upsertPullRequestComment(client, 7, DIFF_MARKER, 'diff')).rejects.toThrow(`GitHub API POST ${comments} answered 422 Unprocessable Entity: Validation Failed`);
    expect(github.writes()).toHaveLength(1);
  });

  it("waits out a secondary rate limit for the Retry-After GitHub gives, and says so", async () => {
    github.failures.push({ call: `POST ${comments}`, status: 403, body: secondary, headers: { 'retry-after': '3' } });

    await expect(upsertPullRequestComment(client, 7, DIFF_MARKER, 'diff')).resolves.toMatchObject({ action: 'created' });
    expect(github.writes()).toHaveLength(2);
    expect(github.comments.get(7)).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/^GitHub API POST .*: secondary rate limit; retrying in 3 s \(retry 1 of 2\)$/)]);
  });

  it('waits for a primary rate limit to reset', async () => {
    const reset = String(Math.floor(Date.now() / 1000));
    github.failures.push({ call: `GET ${REPO}/issues`, status: 403, body: { message: 'API rate limit exceeded' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } });

    await expect(upsertIssue(client, { title: 'Drift detected', label: 'drift', marker: DRIFT_MARKER, body: 'prod' })).resolves.toMatchObject({ action: 'created' });
    expect(warnings).toEqual([expect.stringContaining('primary rate limit; retrying in')]);
  });

  it('gives up on a rate limit that does not lift after the retries the policy allows', async () => {
    for (let i = 0; i < 4; i++) github.failures.push({ call: `POST ${comments}`, status: 403, body: secondary, headers: { 'retry-after': '1' } });

    await expect(upsertPullRequestComment(client, 7, DIFF_MARKER, 'diff')).rejects.toThrow(`GitHub API POST ${comments} answered 403 Forbidden: You have exceeded a secondary rate limit`);
    expect(github.writes()).toHaveLength(3);
    expect(warnings[2]).toMatch(/secondary rate limit, 2 retries spent; giving up$/);
  });

  it('says a call got no answer when nothing listens, after its retries', async () => {
    await github.stop();
    client = new GitHubClient(settings, { ...fast, retries: 1 });

    await expect(upsertPullRequestComment(client, 7, DIFF_MARKER, 'diff')).rejects.toThrow(`GitHub API GET ${comments}?per_page=100: no answer`);
  });

  it('spaces writes a second apart by default, as GitHub asks of integrations', async () => {
    const open = github.addIssue({ title: 'Drift detected', body: `${DRIFT_MARKER}\n`, labels: ['drift'], state: 'open' });
    const started = Date.now();

    await resolveIssues(new GitHubClient(settings, { warn: fast.warn }), { label: 'drift', marker: DRIFT_MARKER });

    expect(open.state).toBe('closed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('fitBody', () => {
  it('leaves a body within the limit as it is', () => {
    expect(fitBody(`${DIFF_MARKER}\nshort`, DIFF_MARKER, RUN_URL)).toBe(`${DIFF_MARKER}\nshort`);
  });

  it("cuts a body over GitHub's limit, keeps the marker, closes an open code fence and points at the run's artifacts", () => {
    const long = `${DIFF_MARKER}\n## prod\n\`\`\`\n${'resource changed\n'.repeat(5_000)}\`\`\`\n`;
    expect(long.length).toBeGreaterThan(GITHUB_BODY_LIMIT);

    const fitted = fitBody(long, DIFF_MARKER, RUN_URL);

    expect(fitted.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(fitted.startsWith(`${DIFF_MARKER}\n## prod\n`)).toBe(true);
    expect(fitted).toContain(`Read it whole in the artifacts of [the workflow run](${RUN_URL})`);
    expect(fitted).toContain(`(${long.length} characters)`);
    expect((fitted.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  it('keeps the marker even when the body carries it only past the cut', () => {
    const fitted = fitBody(`${'x'.repeat(GITHUB_BODY_LIMIT)}\n${DRIFT_MARKER}`, DRIFT_MARKER);
    expect(fitted.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(fitted.startsWith(`${DRIFT_MARKER}\n`)).toBe(true);
  });

  it('never splits a character made of two UTF-16 units', () => {
    const fitted = fitBody(`${DIFF_MARKER}\n${'🚧'.repeat(GITHUB_BODY_LIMIT)}`, DIFF_MARKER);
    expect(fitted).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('settings and links', () => {
  it('reads the runner environment, defaults the API URL and builds the run link', () => {
    expect(githubSettingsFromEnv({ GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'acme/platform', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '42' })).toEqual({
      token: TOKEN,
      repository: 'acme/platform',
      apiUrl: 'https://api.github.com',
      runUrl: 'https://github.com/acme/platform/actions/runs/42',
    });
    expect(() => githubSettingsFromEnv({ GITHUB_REPOSITORY: 'acme/platform' })).toThrow(/GITHUB_TOKEN is not set/);
    expect(() => githubSettingsFromEnv({ GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'platform' })).toThrow(/owner\/name/);
  });
});

describe('npm run github', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'groundwork-github-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) =>
    promisify(execFile)(TSX, [path.join(ROOT, 'scripts', 'github.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'acme/platform', GITHUB_API_URL: github.apiUrl, GITHUB_SERVER_URL: 'https://github.example', GITHUB_RUN_ID: '42' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('comment: updates the marked comment from the file and says where it is', async () => {
    const [marked] = github.addComments(12, `${DIFF_MARKER}\nold`);
    fs.writeFileSync(path.join(dir, 'diff-prod.md'), `${DIFF_MARKER}\nnew\n`);

    const result = await run(['comment', '--pr', '12', '--marker', DIFF_MARKER, '--file', path.join(dir, 'diff-prod.md')]);

    expect(result).toMatchObject({ code: 0, stdout: `Updated comment ${marked.id} on pull request #12: https://github.example/acme/platform/pull/1#issuecomment-${marked.id}\n` });
    expect(github.comments.get(12)![0].body).toBe(`${DIFF_MARKER}\nnew\n`);
  });

  it('issue --resolved: closes the open drift issue, linking this run', async () => {
    const open = github.addIssue({ title: 'Drift detected', body: `${DRIFT_MARKER}\n`, labels: ['drift'], state: 'open' });

    const result = await run(['issue', '--title', 'Drift detected', '--label', 'drift', '--marker', DRIFT_MARKER, '--resolved']);

    expect(result).toMatchObject({ code: 0, stdout: `Closed issue #${open.number}: https://github.example/acme/platform/issues/${open.number}\n` });
    expect(open.state).toBe('closed');
    expect(github.writes()[0].body).toEqual({ body: 'No drift found in the run https://github.example/acme/platform/actions/runs/42.' });
  });

  it('exits 1 on a 403 naming the status and path, and never prints the token', async () => {
    github.forbidden.add(`GET ${REPO}/issues/12/comments`);
    fs.writeFileSync(path.join(dir, 'diff-prod.md'), 'diff');

    const result = await run(['comment', '--pr', '12', '--marker', DIFF_MARKER, '--file', path.join(dir, 'diff-prod.md')]);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`github failed: GitHub API GET ${REPO}/issues/12/comments?per_page=100 answered 403 Forbidden: Resource not accessible by integration\n`);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('exits 2 on wrong usage, before any call', async () => {
    const result = await run(['issue', '--label', 'drift', '--marker', DRIFT_MARKER, '--file', 'x.md', '--resolved']);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^github: give exactly one of --file and --resolved/);
    expect(github.requests).toEqual([]);
  });
});
