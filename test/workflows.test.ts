import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { environments } from '../environments';
import { realEnvironments } from '../operations/affected-environments';

// The GitHub Actions workflows' security and release properties, read from the parsed YAML (docs/ci.md
// explains each). Nothing here runs a workflow: these are the properties a review would otherwise check by eye.

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

interface Job {
  readonly if?: string;
  readonly needs?: string | string[];
  readonly permissions?: unknown;
  readonly environment?: string | { name: string };
  readonly concurrency?: { group?: string; 'cancel-in-progress'?: unknown };
  readonly strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> };
  readonly outputs?: Record<string, string>;
  readonly steps: Step[];
}

interface Workflow {
  readonly on: Record<string, any>;
  readonly permissions?: unknown;
  readonly concurrency?: unknown;
  readonly jobs: Record<string, Job>;
}

const ROOT = path.resolve(__dirname, '..');
const WORKFLOW_DIR = path.join(ROOT, '.github', 'workflows');
const NAMES = ['pull-request', 'deploy', 'drift'] as const;
const text = (name: string) => fs.readFileSync(path.join(WORKFLOW_DIR, `${name}.yml`), 'utf8');
const workflows = Object.fromEntries(NAMES.map((name) => [name, parse(text(name)) as Workflow])) as Record<(typeof NAMES)[number], Workflow>;
const allJobs = NAMES.flatMap((workflow) => Object.entries(workflows[workflow].jobs).map(([id, job]) => ({ workflow, id, job })));
const packageScripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const scripts = Object.keys(packageScripts);

const runs = (job: Job) => job.steps.flatMap((step) => (step.run ? [step.run] : []));
const runsCommand = (job: Job, command: RegExp) => runs(job).some((run) => command.test(run));
const configuresAws = (job: Job) => job.steps.some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
const roleOf = (job: Job) => job.steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.['role-to-assume'];
const environmentOf = (job: Job) => (typeof job.environment === 'object' ? job.environment.name : job.environment);
const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
const stepUsing = (job: Job, action: string) => job.steps.find((step) => step.uses?.startsWith(`${action}@`));
const idOf = (workflow: Workflow, job: Job) => Object.keys(workflow.jobs).find((id) => workflow.jobs[id] === job);

/**
 * The parts of a job's `if:` that must all hold for it to run, or none when it is not a plain conjunction
 * (an `||` could let the job run without any one of them).
 */
function conjuncts(condition: unknown): string[] {
  if (typeof condition !== 'string') return [];
  const expression = condition.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1').trim();
  if (expression.includes('||')) return [];
  return expression.split('&&').map((part) => part.trim().replace(/\s+/g, ' ').replace(/"/g, "'"));
}

/** The one job of `workflow` that runs `command`, failing when there is none or more than one. */
function jobRunning(workflow: Workflow, command: RegExp, filter: (job: Job) => boolean = () => true): Job {
  const found = Object.values(workflow.jobs).filter((job) => runsCommand(job, command) && filter(job));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('every workflow', () => {
  it.each(NAMES)('%s grants nothing at the top level and declares permissions on every job', (name) => {
    const workflow = workflows[name];
    expect(workflow.permissions).toEqual({});
    for (const job of Object.values(workflow.jobs)) {
      expect(job.permissions).toEqual(expect.any(Object));
      for (const access of Object.values(job.permissions as object)) expect(['read', 'write', 'none']).toContain(access);
    }
  });

  it('asks for an OIDC token (id-token: write) exactly in the jobs that assume an AWS role', () => {
    for (const { workflow, id, job } of allJobs) {
      const idToken = (job.permissions as Record<string, string>)['id-token'];
      expect({ job: `${workflow}/${id}`, idToken: idToken === 'write' }).toEqual({ job: `${workflow}/${id}`, idToken: configuresAws(job) });
    }
    expect(allJobs.filter(({ job }) => configuresAws(job)).length).toBeGreaterThanOrEqual(5);
  });

  it('reaches AWS only by OIDC: a role from a GitHub variable, never access keys or secrets', () => {
    for (const name of NAMES) {
      expect(text(name)).not.toMatch(/aws-access-key-id|aws-secret-access-key|aws-session-token|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|secrets\./);
    }
    for (const { job } of allJobs.filter(({ job }) => configuresAws(job))) {
      const step = job.steps.find((candidate) => candidate.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
      expect(step.uses).toMatch(/^aws-actions\/configure-aws-credentials@[0-9a-f]{40}$/);
      expect(step.with?.['role-to-assume']).toMatch(/^\$\{\{ vars\.AWS_(PLAN|DEPLOY)_ROLE_ARN \}\}$/);
      expect(Object.keys(step.with ?? {}).filter((key) => /key|secret|token/i.test(key))).toEqual([]);
    }
  });

  it('assumes the deploy role only in deploy jobs bound to a deploy environment, and the plan role only from a <env>-plan one', () => {
    for (const { workflow, id, job } of allJobs.filter(({ job }) => configuresAws(job))) {
      const deploys = runsCommand(job, /npm run deploy\b/);
      expect({ job: `${workflow}/${id}`, role: roleOf(job) }).toEqual({ job: `${workflow}/${id}`, role: deploys ? '${{ vars.AWS_DEPLOY_ROLE_ARN }}' : '${{ vars.AWS_PLAN_ROLE_ARN }}' });
      expect(environmentOf(job)).toMatch(deploys ? /^(dev|\$\{\{ inputs\.environment \}\})$/ : /-plan$/);
    }
  });

  it('names only npm scripts that exist in package.json', () => {
    const named = allJobs.flatMap(({ job }) => runs(job)).flatMap((run) => [...run.matchAll(/npm run((?:\s+(?:--silent|-s))*)\s+([^\s]+)/g)].map((match) => match[2]));
    expect(named.length).toBeGreaterThan(10);
    for (const script of named) expect(scripts).toContain(script);
  });

  it('never interpolates an expression into a shell script (values reach run: through env:)', () => {
    for (const { workflow, id, job } of allJobs) {
      for (const run of runs(job)) {
        expect({ job: `${workflow}/${id}`, run }).not.toEqual({ job: `${workflow}/${id}`, run: expect.stringMatching(/\$\{\{/) });
        expect(run).not.toMatch(/github\.event\.pull_request\.(title|body|head\.ref)|github\.head_ref/);
      }
    }
  });

  it('installs with npm ci and runs Terraform 1.11.4 without the wrapper, which would mangle its output', () => {
    for (const { job } of allJobs) {
      const setups = job.steps.filter((step) => step.uses?.startsWith('hashicorp/setup-terraform@'));
      for (const setup of setups) expect(setup).toMatchObject({ uses: expect.stringMatching(/^hashicorp\/setup-terraform@[0-9a-f]{40}$/), with: { terraform_version: '1.11.4', terraform_wrapper: false } });
      // Merging records (diff --merge) plans nothing and needs no Terraform.
      if (runsCommand(job, /npm run (diff -- --env|deploy)\b/)) expect(setups).toHaveLength(1);
      if (runs(job).some((run) => /npm run|npx /.test(run))) expect(runsCommand(job, /^npm ci\b/)).toBe(true);
      expect(runsCommand(job, /npm (install|i)\b/)).toBe(false);
    }
  });
});

describe('third-party actions', () => {
  // Every `uses:` line of every workflow file, as written (the version comment is not in the parsed YAML).
  const uses = fs
    .readdirSync(WORKFLOW_DIR)
    .filter((name) => /\.ya?ml$/.test(name))
    .flatMap((name) =>
      fs
        .readFileSync(path.join(WORKFLOW_DIR, name), 'utf8')
        .split('\n')
        .flatMap((line, index) => {
          const match = /^\s*(?:-\s+)?uses:\s*(.*)$/.exec(line);
          return match ? [{ where: `${name}:${index + 1}`, text: match[1].trim() }] : [];
        }),
    );

  it('are each pinned by a full commit SHA, with the version it is in a comment', () => {
    expect(uses.length).toBeGreaterThan(20);
    for (const { where, text } of uses) {
      // A tag or branch can be moved to other code; a commit cannot. The comment says which release it is.
      expect({ where, text }).toEqual({ where, text: expect.stringMatching(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/) });
    }
  });

  it('name one commit per action everywhere, and one version per commit', () => {
    const pins = new Map<string, Set<string>>();
    for (const { text } of uses) {
      const [action, rest] = text.split('@');
      pins.set(action, (pins.get(action) ?? new Set()).add(rest));
    }
    for (const [action, seen] of pins) expect({ action, pins: [...seen] }).toEqual({ action, pins: [expect.any(String)] });
  });
});

describe('pull-request.yml', () => {
  const workflow = workflows['pull-request'];
  const environmentsJob = jobRunning(workflow, /^list=\$\(npm run --silent affected -- --base "origin\/\$BASE_REF"\)$/m);
  const environmentsId = idOf(workflow, environmentsJob)!;
  const plan = jobRunning(workflow, /npm run diff -- --env "\$ENVIRONMENT" --stack "\$STACK"/);
  const planId = idOf(workflow, plan)!;
  const merge = jobRunning(workflow, /npm run diff -- --merge/);

  it('runs on pull requests to main, and on pushes to main for the tests only', () => {
    expect(workflow.on.pull_request.branches).toEqual(['main']);
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    // Nothing that plans or comments runs on a push.
    for (const job of [environmentsJob, plan, merge]) expect(conjuncts(job.if)).toEqual(expect.arrayContaining(["github.event_name == 'pull_request'"]));
  });

  it('checks type, unit tests, policy and synth as separate steps, without the emulator', () => {
    const check = workflow.jobs.check;
    expect(check.permissions).toEqual({ contents: 'read' });
    for (const command of [/^npm run lint$/, /^npm run test:unit$/, /^npm run policy -- --all$/, /^npm run synth$/]) expect(runsCommand(check, command)).toBe(true);
    expect(check.if).toBeUndefined();
    expect(runsCommand(check, /moto/)).toBe(false);
    expect(stepUsing(check, 'actions/setup-python')).toBeUndefined();
  });

  it('runs the emulator suites on main and when a pull request touches what they exercise', () => {
    const emulator = jobRunning(workflow, /^npm run test:emulator$/);
    expect(emulator.permissions).toEqual({ contents: 'read' });
    expect(runsCommand(emulator, /pip install 'moto\[server\]==/)).toBe(true);
    expect(needsOf(emulator)).toEqual([environmentsId]);
    expect(emulator.if).toBe("${{ !cancelled() && (github.event_name == 'push' || needs.environments.outputs.emulator == 'true') }}");
    expect(runsCommand(environmentsJob, /npm run --silent affected -- --base "origin\/\$BASE_REF" --emulator-tests/)).toBe(true);
  });

  it('splits the suite in two that together are npm test: unit (no emulator) and emulator', () => {
    // npm test, what CI ran before the split and what a developer runs, still runs every suite.
    expect(packageScripts.test).toMatch(/&& jest &&/);
    // Each as npm runs it: through sh, with node_modules/.bin on PATH.
    const list = (command: string) =>
      execFileSync('sh', ['-c', `${command} --listTests`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` } })
        .split('\n')
        .filter(Boolean)
        .map((file) => path.relative(ROOT, file))
        .sort();
    const all = list('jest');
    const unit = list(packageScripts['test:unit']);
    const emulator = list(packageScripts['test:emulator']);
    expect([...unit, ...emulator].sort()).toEqual(all);
    expect(unit.filter((file) => emulator.includes(file))).toEqual([]);
    // A suite that starts moto, itself or by spawning `npm run local`'s script, cannot run in the fast check.
    const needsMoto = all.filter((file) => file !== path.relative(ROOT, __filename) && /\bstartMoto\(|spawn\(.*['"]scripts\/local\.ts['"]/.test(fs.readFileSync(path.join(ROOT, file), 'utf8')));
    expect(needsMoto.length).toBeGreaterThanOrEqual(6);
    expect(emulator).toEqual(expect.arrayContaining(needsMoto));
  });

  it('finds the affected environments and their stacks from the merge base, with full history', () => {
    expect(environmentsJob.permissions).toEqual({ contents: 'read' });
    expect(stepUsing(environmentsJob, 'actions/checkout')?.with?.['fetch-depth']).toBe(0);
    expect(runsCommand(environmentsJob, /npm run --silent affected -- --base "origin\/\$BASE_REF" --stacks/)).toBe(true);
    expect(environmentsJob.outputs).toEqual(expect.objectContaining({ list: expect.any(String), stacks: expect.any(String) }));
  });

  it('plans every affected stack on a runner of its own, with its environment\'s plan role, never from a fork', () => {
    expect(plan.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(plan.strategy?.matrix).toEqual({ include: '${{ fromJSON(needs.environments.outputs.stacks) }}' });
    expect(plan.strategy?.['fail-fast']).toBe(false);
    expect(needsOf(plan)).toEqual(expect.arrayContaining(['check', environmentsId]));
    expect(conjuncts(plan.if)).toEqual(expect.arrayContaining(["needs.environments.outputs.stacks != '[]'", 'github.event.pull_request.head.repo.full_name == github.repository']));
    // An unprotected environment: a required reviewer must never gate a pull request's diff.
    expect(environmentOf(plan)).toBe('${{ matrix.environment }}-plan');
    const step = plan.steps.find((candidate) => candidate.run?.includes('npm run diff'))!;
    expect(step.run).toContain('npm run diff -- --env "$ENVIRONMENT" --stack "$STACK" --json "records/$STACK.json"');
    expect(step.env).toEqual({ ENVIRONMENT: '${{ matrix.environment }}', STACK: '${{ matrix.stack }}' });
    const upload = stepUsing(plan, 'actions/upload-artifact');
    expect(upload?.with).toMatchObject({ name: 'record-${{ matrix.environment }}--${{ matrix.stack }}', path: 'records/${{ matrix.stack }}.json' });
    expect(upload?.if).toMatch(/!cancelled\(\)/);
  });

  it("merges each environment's records into one comment, with no AWS access and no other write", () => {
    expect(merge.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(configuresAws(merge)).toBe(false);
    expect(merge.environment).toBeUndefined();
    expect(merge.strategy?.matrix?.environment).toBe('${{ fromJSON(needs.environments.outputs.list) }}');
    expect(merge.strategy?.['fail-fast']).toBe(false);
    expect(needsOf(merge)).toEqual(expect.arrayContaining([environmentsId, planId]));
    // After a failed leg too (its record names the failed stack); never when no leg ran, nor for a fork.
    expect(conjuncts(merge.if)).toEqual(
      expect.arrayContaining(['!cancelled()', "needs.environments.outputs.list != '[]'", 'github.event.pull_request.head.repo.full_name == github.repository', "needs.plan.result != 'skipped'"]),
    );
    expect(stepUsing(merge, 'actions/download-artifact')?.with).toMatchObject({ pattern: 'record-${{ matrix.environment }}--*', 'merge-multiple': true });
    expect(runsCommand(merge, /npm run diff -- --merge "\$\{records\[@\]\}" --json "diff-\$ENVIRONMENT\.json" --out "diff-\$ENVIRONMENT\.md"/)).toBe(true);
    expect(runsCommand(merge, /^npm run github -- comment --pr "\$PR_NUMBER" --marker "<!-- groundwork-diff:\$ENVIRONMENT -->" --file "diff-\$ENVIRONMENT\.md"$/)).toBe(true);
  });

  it('cancels the whole run of a superseded push to a pull request, so an older run never overwrites a newer diff comment', () => {
    expect(workflow.concurrency).toEqual({
      group: expect.stringMatching(/github\.event\.pull_request\.number/),
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
    // Nothing in it may wait on a group of its own that outlives the run's.
    expect(Object.values(workflow.jobs).filter((job) => job.concurrency !== undefined)).toEqual([]);
  });

  it('never writes to the repository', () => {
    for (const job of Object.values(workflow.jobs)) expect((job.permissions as Record<string, string>).contents).toBe('read');
  });
});

describe('deploy.yml', () => {
  const workflow = workflows.deploy;
  const applies = Object.values(workflow.jobs).filter((job) => runsCommand(job, /npm run deploy\b/));
  const devJob = jobRunning(workflow, /^npm run deploy -- --env dev --reviewed reviewed\/reviewed-dev\.json --yes$/);
  const gatedApply = jobRunning(workflow, /^npm run deploy -- --env "\$ENVIRONMENT" --reviewed "reviewed\/reviewed-\$ENVIRONMENT\.json" --yes$/);

  it('runs on pushes to main and by hand, choosing staging or prod only', () => {
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    const input = workflow.on.workflow_dispatch.inputs.environment;
    expect(input).toMatchObject({ type: 'choice', required: true });
    expect([...input.options].sort()).toEqual(['prod', 'staging']);
    expect(input.options).toEqual(realEnvironments(environments).filter((name) => name !== 'dev'));
  });

  it('deploys dev on a push to main only', () => {
    expect(environmentOf(devJob)).toBe('dev');
    expect(conjuncts(devJob.if)).toEqual(expect.arrayContaining(["github.event_name == 'push'", "github.ref == 'refs/heads/main'"]));
  });

  it('deploys staging or prod only when run by hand from main, in the chosen environment (its reviewers gate the job)', () => {
    expect(conjuncts(gatedApply.if)).toEqual(expect.arrayContaining(["github.event_name == 'workflow_dispatch'", "github.ref == 'refs/heads/main'"]));
    expect(environmentOf(gatedApply)).toBe('${{ inputs.environment }}');
    expect(gatedApply.steps.find((step) => step.run?.includes('npm run deploy'))?.env?.ENVIRONMENT).toBe('${{ inputs.environment }}');
  });

  it.each([
    ['dev', () => devJob, 'dev', 'reviewed-dev'],
    ['staging or prod', () => gatedApply, '${{ inputs.environment }}', 'reviewed-${{ inputs.environment }}'],
  ])(
    '%s: a plan job with the read-only role writes the reviewed record and the run summary; the apply applies that record, in one job',
    (_name, apply, environment, artifact) => {
      const needs = needsOf(apply());
      expect(needs).toHaveLength(1);
      const plan = workflow.jobs[needs[0]];
      const step = plan.steps.find((candidate) => candidate.run?.includes('npm run diff'))!;
      expect(step.run).toContain('npm run diff -- --env "$ENVIRONMENT" --json "reviewed-$ENVIRONMENT.json" --out "diff-$ENVIRONMENT.md"');
      expect(step.run).toContain('GITHUB_STEP_SUMMARY');
      expect(step.env?.ENVIRONMENT).toBe(environment);
      expect(runsCommand(plan, /deploy/)).toBe(false);
      expect(roleOf(plan)).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
      expect(environmentOf(plan)).toBe(`${environment}-plan`);
      // The record (names and actions, never values) is what crosses jobs; the plan files, which hold state
      // values, never do.
      expect(stepUsing(plan, 'actions/upload-artifact')?.with).toMatchObject({ name: artifact, path: `${artifact}.json` });
      expect(stepUsing(apply(), 'actions/download-artifact')?.with).toEqual({ name: artifact, path: 'reviewed' });
      for (const job of [plan, apply()]) {
        for (const upload of job.steps.filter((candidate) => candidate.uses?.startsWith('actions/upload-artifact@'))) expect(String(upload.with?.path)).toMatch(/^reviewed-.*\.json$/);
      }
      // Nothing to approve when nothing changes.
      expect(conjuncts(apply().if)).toEqual(expect.arrayContaining([`needs.${needs[0]}.outputs.changes == 'true'`]));
      expect(plan.outputs?.changes).toBe('${{ steps.plan.outputs.changes }}');
      // One apply job for the whole environment, every stack in dependency order (docs/ci.md says why).
      expect(apply().strategy).toBeUndefined();
    },
  );

  it('never cancels an apply in progress, and applies one at a time per environment', () => {
    expect(applies).toHaveLength(2);
    for (const job of applies) {
      expect(job.concurrency).toEqual({ group: expect.stringMatching(/^deploy-/), 'cancel-in-progress': false });
      expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    }
    expect(devJob.concurrency?.group).toBe('deploy-dev');
    expect(gatedApply.concurrency?.group).toBe('deploy-${{ inputs.environment }}');
  });
});

describe('drift.yml', () => {
  const workflow = workflows.drift;
  const stacks = jobRunning(workflow, /npm run --silent affected -- --all --stacks/);
  const stacksId = idOf(workflow, stacks)!;
  const plan = jobRunning(workflow, /npm run diff -- --env/);
  const planId = idOf(workflow, plan)!;
  const report = jobRunning(workflow, /npm run github -- issue/);

  it('runs nightly on a schedule and by hand', () => {
    expect(workflow.on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/) }]);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
  });

  it('plans every stack of every real environment, each on a runner of its own, and never applies', () => {
    expect(stacks.permissions).toEqual({ contents: 'read' });
    expect(stacks.outputs?.stacks).toBe('${{ steps.stacks.outputs.stacks }}');
    expect(needsOf(plan)).toEqual([stacksId]);
    expect(plan.strategy?.matrix).toEqual({ include: '${{ fromJSON(needs.stacks.outputs.stacks) }}' });
    expect(plan.strategy?.['fail-fast']).toBe(false);
    expect(environmentOf(plan)).toBe('${{ matrix.environment }}-plan');
    expect(runsCommand(plan, /npm run diff -- --env "\$ENVIRONMENT" --stack "\$STACK" --json "records\/\$STACK\.json"/)).toBe(true);
    expect(roleOf(plan)).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
    for (const job of Object.values(workflow.jobs)) expect(runsCommand(job, /\bdeploy\b|\bapply\b|--auto-approve/)).toBe(false);
    const upload = stepUsing(plan, 'actions/upload-artifact');
    expect(upload?.with).toMatchObject({ name: 'drift-record-${{ matrix.environment }}--${{ matrix.stack }}', path: 'records/${{ matrix.stack }}.json' });
  });

  it('merges each environment and reports in one issue, with issues: write and nothing else to write', () => {
    expect(report.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(configuresAws(report)).toBe(false);
    expect(needsOf(report)).toEqual([stacksId, planId]);
    // It runs when some stack's plan failed too: the others' drift is still reported.
    expect(conjuncts(report.if)).toEqual(expect.arrayContaining(['!cancelled()', "needs.stacks.result == 'success'"]));
    expect(stepUsing(report, 'actions/download-artifact')?.with).toMatchObject({ pattern: 'drift-record-*', 'merge-multiple': true });
    expect(runsCommand(report, /npm run diff -- --merge "\$\{records\[@\]\}" --out "drift\/\$environment\.md"/)).toBe(true);
    const open = report.steps.find((step) => step.run?.includes('--file'));
    const close = report.steps.find((step) => step.run?.includes('--resolved'));
    expect(open?.run).toBe("npm run github -- issue --title 'Drift detected' --label drift --marker '<!-- groundwork-drift -->' --file drift/combined.md");
    expect(close?.run).toBe("npm run github -- issue --title 'Drift detected' --label drift --marker '<!-- groundwork-drift -->' --resolved");
    expect(conjuncts(open?.if)).toEqual(["steps.combine.outputs.drifted == 'true'"]);
    // Closed only when every plan succeeded and none drifted.
    expect(conjuncts(close?.if)).toEqual(["steps.combine.outputs.drifted == 'false'", "needs.plan.result == 'success'"]);
  });
});
