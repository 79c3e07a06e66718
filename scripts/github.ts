// npm run github -- comment --pr <n> --marker <text> --file <md>
// npm run github -- issue --title <t> --label <l> --marker <text> (--file <md> | --resolved)
// What the workflows say on GitHub. `comment` creates, or updates in place, the one comment on a pull request
// whose body carries the marker (the diff of one environment). `issue` opens, or updates, the open issue with
// the label whose body carries the marker (the drift report); with --resolved it closes it with a comment
// linking the run, or does nothing when none is open. Reads GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL,
// and GITHUB_SERVER_URL + GITHUB_RUN_ID for the run link. A body over GitHub's limit is cut with a note
// pointing at the run's artifacts. Calls go through Octokit: a 5xx or unanswered call is retried up to 3 times
// (after 1, 4 and 9 s), a primary or secondary rate limit is waited out up to twice as GitHub asks (each wait
// told on stderr), and writes are spaced a second apart. Exit 0 done; 2 on wrong usage; 1 when a call fails
// for good (naming the HTTP status and the API path, never the token).
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { parseArguments, runScript, UsageError } from '../lib/cli';
import { GitHubClient, githubSettingsFromEnv, resolveIssues, upsertIssue, upsertPullRequestComment, type Outcome } from '../operations/github';

const USAGE = [
  'usage: npm run github -- comment --pr <n> --marker <text> --file <md>',
  '       npm run github -- issue --title <t> --label <l> --marker <text> (--file <md> | --resolved)',
].join('\n');

const OPTIONS = {
  pr: { type: 'string' },
  marker: { type: 'string' },
  file: { type: 'string' },
  title: { type: 'string' },
  label: { type: 'string' },
  resolved: { type: 'boolean', default: false },
} as const;

type Values = { pr?: string; marker?: string; file?: string; title?: string; label?: string; resolved?: boolean };

function parse(argv: string[]): { command: string; values: Values } {
  const { values, positionals } = parseArguments(USAGE, () => parseArgs({ args: argv, strict: true, allowPositionals: true, options: OPTIONS }));
  if (positionals.length !== 1) throw new UsageError(`${positionals.length === 0 ? 'say comment or issue' : `unexpected ${positionals.slice(1).join(' ')}`}\n${USAGE}`);
  return { command: positionals[0], values };
}

/** The value of a required option, or a usage error naming it. */
function required(values: Values, name: 'pr' | 'marker' | 'file' | 'title' | 'label'): string {
  const value = values[name];
  if (!value) throw new UsageError(`--${name} is missing\n${USAGE}`);
  return value;
}

function readBody(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --file ${file}: ${(error as Error).message}`);
  }
}

/** One line for the log, e.g. "Updated comment 12 on pull request #7: <url>". */
function describe(outcome: Outcome, what: (id?: number) => string): string {
  return `${outcome.action[0].toUpperCase()}${outcome.action.slice(1)} ${what(outcome.id)}: ${outcome.url}`;
}

async function comment(values: Values): Promise<string[]> {
  const pr = Number(required(values, 'pr'));
  if (!Number.isInteger(pr) || pr <= 0) throw new UsageError(`--pr must be a pull request number (got "${values.pr}")\n${USAGE}`);
  const marker = required(values, 'marker');
  const body = readBody(required(values, 'file'));
  const settings = githubSettingsFromEnv();
  const outcome = await upsertPullRequestComment(new GitHubClient(settings), pr, marker, body, settings.runUrl);
  return [describe(outcome, (id) => `comment ${id} on pull request #${pr}`)];
}

async function issue(values: Values): Promise<string[]> {
  const label = required(values, 'label');
  const marker = required(values, 'marker');
  if (values.resolved === Boolean(values.file)) throw new UsageError(`give exactly one of --file and --resolved\n${USAGE}`);
  if (values.resolved) {
    const settings = githubSettingsFromEnv();
    const outcomes = await resolveIssues(new GitHubClient(settings), { label, marker, runUrl: settings.runUrl });
    return outcomes.map((outcome) => (outcome.action === 'none' ? `No open issue labelled ${label} carries the marker; nothing to close.` : describe(outcome, (id) => `issue #${id}`)));
  }
  const title = required(values, 'title');
  const body = readBody(required(values, 'file'));
  const settings = githubSettingsFromEnv();
  const outcome = await upsertIssue(new GitHubClient(settings), { title, label, marker, body, runUrl: settings.runUrl });
  return [describe(outcome, (id) => `issue #${id}`)];
}

async function main(argv: string[]): Promise<number> {
  const { command, values } = parse(argv);
  if (command !== 'comment' && command !== 'issue') throw new UsageError(`no command "${command}"\n${USAGE}`);
  const lines = command === 'comment' ? await comment(values) : await issue(values);
  for (const line of lines) console.log(line);
  return 0;
}

void runScript('github', () => main(process.argv.slice(2)));
