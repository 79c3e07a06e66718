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
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

const runs = (job: Job) => job.steps.flatMap((step) => (step.run ? [step.run] : []));
const runsCommand = (job: Job, command: RegExp) => runs(job).some((run) => command.test(run));
const configuresAws = (job: Job) => job.steps.some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
const roleOf = (job: Job) => job.steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.['role-to-assume'];
const environmentOf = (job: Job) => (typeof job.environment === 'object' ? job.environment.name : job.environment);
const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

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
      expect(step.uses).toBe('aws-actions/configure-aws-credentials@v4');
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
      for (const setup of setups) expect(setup).toMatchObject({ uses: 'hashicorp/setup-terraform@v3', with: { terraform_version: '1.11.4', terraform_wrapper: false } });
      if (runsCommand(job, /npm run (diff|deploy)\b/)) expect(setups).toHaveLength(1);
      if (runs(job).some((run) => /npm run|npx /.test(run))) expect(runsCommand(job, /^npm ci\b/)).toBe(true);
      expect(runsCommand(job, /npm (install|i)\b/)).toBe(false);
    }
  });
});

describe('pull-request.yml', () => {
  const workflow = workflows['pull-request'];

  it('runs on pull requests to main and checks type, tests, policy and synth as separate steps', () => {
    expect(workflow.on.pull_request.branches).toEqual(['main']);
    const check = workflow.jobs.check;
    expect(check.permissions).toEqual({ contents: 'read' });
    for (const command of [/^npm run lint$/, /^npx jest$/, /^npm run policy -- --all$/, /^npm run synth$/]) expect(runsCommand(check, command)).toBe(true);
  });

  it('finds the affected environments from the merge base, with full history', () => {
    const job = jobRunning(workflow, /npm run --silent affected -- --base "origin\/\$BASE_REF"/);
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(job.steps.find((step) => step.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth']).toBe(0);
  });

  it('plans each affected environment with its plan role and comments the diff, never from a fork', () => {
    const job = jobRunning(workflow, /npm run diff\b/);
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    expect(runsCommand(job, /^npm run github -- comment --pr "\$PR_NUMBER" --marker "<!-- groundwork-diff:\$ENVIRONMENT -->" --file "diff-\$ENVIRONMENT\.md"$/)).toBe(true);
    expect(job.strategy?.matrix?.environment).toBe('${{ fromJSON(needs.environments.outputs.list) }}');
    expect(job.strategy?.['fail-fast']).toBe(false);
    expect(needsOf(job)).toEqual(expect.arrayContaining(['check', 'environments']));
    expect(conjuncts(job.if)).toEqual(expect.arrayContaining(["needs.environments.outputs.list != '[]'", 'github.event.pull_request.head.repo.full_name == github.repository']));
    // An unprotected environment: a required reviewer must never gate a pull request's diff.
    expect(environmentOf(job)).toBe('${{ matrix.environment }}-plan');
  });

  it('cancels the whole run of a superseded push, so an older run never overwrites a newer diff comment', () => {
    expect(workflow.concurrency).toEqual({ group: expect.stringMatching(/github\.event\.pull_request\.number/), 'cancel-in-progress': true });
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
  const devJob = jobRunning(workflow, /npm run deploy -- --env dev --yes/);
  const gatedApply = jobRunning(workflow, /npm run deploy -- --env "\$ENVIRONMENT" --yes/);

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

  it('plans into the run summary before the gated apply, with the read-only plan role and no reviewers', () => {
    const needs = needsOf(gatedApply);
    expect(needs).toHaveLength(1);
    const plan = workflow.jobs[needs[0]];
    expect(runsCommand(plan, /npm run diff -- --env "\$ENVIRONMENT"/)).toBe(true);
    expect(runsCommand(plan, /GITHUB_STEP_SUMMARY/)).toBe(true);
    expect(runsCommand(plan, /deploy/)).toBe(false);
    expect(roleOf(plan)).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
    expect(environmentOf(plan)).toBe('${{ inputs.environment }}-plan');
    expect(conjuncts(plan.if)).toEqual(expect.arrayContaining(["github.event_name == 'workflow_dispatch'"]));
  });

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
  const plan = jobRunning(workflow, /npm run diff\b/);
  const report = jobRunning(workflow, /npm run github -- issue/);

  it('runs nightly on a schedule and by hand', () => {
    expect(workflow.on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/) }]);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
  });

  it('plans every real environment, each on its own, and never applies', () => {
    expect(plan.strategy?.matrix?.environment).toEqual(realEnvironments(environments));
    expect(plan.strategy?.['fail-fast']).toBe(false);
    expect(runsCommand(plan, /npm run diff -- --env "\$ENVIRONMENT" --out "drift-\$ENVIRONMENT\.md"/)).toBe(true);
    expect(roleOf(plan)).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
    for (const job of Object.values(workflow.jobs)) expect(runsCommand(job, /\bdeploy\b|\bapply\b|--auto-approve/)).toBe(false);
    const upload = plan.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.path).toBe('drift-${{ matrix.environment }}.*');
  });

  it('reports in one issue with issues: write and nothing else to write', () => {
    expect(report.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(needsOf(report)).toEqual([Object.keys(workflow.jobs).find((id) => workflow.jobs[id] === plan)]);
    // It runs when some environment's plan failed too: the others' drift is still reported.
    expect(report.if).toMatch(/always\(\)|!cancelled\(\)/);
    const open = report.steps.find((step) => step.run?.includes('--file'));
    const close = report.steps.find((step) => step.run?.includes('--resolved'));
    expect(open?.run).toBe("npm run github -- issue --title 'Drift detected' --label drift --marker '<!-- groundwork-drift -->' --file drift/combined.md");
    expect(close?.run).toBe("npm run github -- issue --title 'Drift detected' --label drift --marker '<!-- groundwork-drift -->' --resolved");
    expect(conjuncts(open?.if)).toEqual(["steps.combine.outputs.drifted == 'true'"]);
    // Closed only when every plan succeeded and none drifted.
    expect(conjuncts(close?.if)).toEqual(["steps.combine.outputs.drifted == 'false'", 'needs.plan.result == \'success\'']);
  });
});
