import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

// Every workflow parsed by GitHub's own workflow parser (@actions/workflow-parser), the one behind the
// Actions language service: a schema error (an unknown key, a wrong value, a `needs` naming no job, a bad
// expression) fails here instead of on GitHub after merge. The parser is ESM-only, so it runs in a child
// process (test/support/parse-workflows.mjs).

const ROOT = path.resolve(__dirname, '..');
const WORKFLOW_DIR = path.join(ROOT, '.github', 'workflows');
const PARSER = path.join(ROOT, 'test', 'support', 'parse-workflows.mjs');

interface Parsed {
  readonly file: string;
  readonly errors: string[];
  readonly jobs: string[];
}

async function parse(files: string[]): Promise<Parsed[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [PARSER, ...files], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(stdout) as Parsed[];
}

const workflows = fs
  .readdirSync(WORKFLOW_DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();

it('finds the workflows', () => {
  expect(workflows).toEqual(expect.arrayContaining(['deploy.yml', 'drift.yml', 'pull-request.yml']));
});

it("GitHub's workflow parser accepts every workflow, with no error", async () => {
  const results = await parse(workflows.map((name) => path.join(WORKFLOW_DIR, name)));
  expect(results.map(({ file, errors }) => ({ file: path.basename(file), errors }))).toEqual(workflows.map((file) => ({ file, errors: [] })));
  for (const { jobs } of results) expect(jobs.length).toBeGreaterThan(0);
});

it('reports what GitHub would refuse: an unknown key, a wrong permission, a need of no job', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'groundwork-workflow-'));
  const write = (name: string, lines: string[]) => {
    fs.writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
    return path.join(dir, name);
  };
  try {
    const schema = write('schema.yml', ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    permissions: { contents: reed }', '    steps:', '      - run: echo a', '        bogus: 1']);
    // Valid YAML for the schema; what conversion finds.
    const needs = write('needs.yml', ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    steps:', '      - run: echo a', '  b:', '    needs: nowhere', '    runs-on: ubuntu-latest', '    steps:', '      - run: echo b']);
    const [schemaErrors, needsErrors] = await parse([schema, needs]);
    expect(schemaErrors.errors).toEqual([expect.stringMatching(/Line: 5, .*Unexpected value 'reed'/), expect.stringMatching(/Line: 8, .*Unexpected value 'bogus'/)]);
    expect(needsErrors.errors).toEqual([expect.stringMatching(/nowhere/)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
