import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { EMULATOR_PLAN_RESIDUE, splitEmulatorResidue } from '../operations/emulator-plan-residue';
import { dependencyOrder, environmentStacks, inDependencyOrder, type StackOutcome, type SynthesizedStack } from '../operations/environment-stacks';
import { describeChange, planChanges, type ResourceChange } from '../operations/plan-changes';
import { stackNames, synthesizeInto, tempDir } from './support/synthesized';

// How `npm run local`, `diff`, `deploy` and `dr:drill` order, run, read and report their work, without Terraform
// or an emulator: the end-to-end run is test/e2e/local-platform.test.ts.
const ROOT = path.resolve(__dirname, '..');

const stack = (name: string, ...dependencies: string[]): SynthesizedStack => ({ name, dir: `/nowhere/${name}`, dependencies });

describe('environmentStacks', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = synthesizeInto();
  });

  it.each(['local', 'prod'])('lists every stack of %s, state first and each after all its dependencies', (env) => {
    const stacks = environmentStacks(outdir, env);
    expect(stacks.map((s) => s.name).sort()).toEqual(stackNames([env]).sort());
    expect(stacks[0].name).toBe(`state-${env}`);
    stacks.forEach((s, index) => {
      const before = stacks.slice(0, index).map((earlier) => earlier.name);
      for (const dependency of s.dependencies) expect({ stack: s.name, dependency, placed: before.includes(dependency) }).toEqual({ stack: s.name, dependency, placed: true });
      expect(fs.existsSync(path.join(s.dir, 'cdk.tf.json'))).toBe(true);
    });
    // Not vacuous: some stacks depend on more than the state backend.
    expect(stacks.some((s) => s.dependencies.some((dependency) => dependency !== `state-${env}`))).toBe(true);
  });

  it('leaves out excluded stacks and keeps the others in order', () => {
    const all = environmentStacks(outdir, 'local').map((s) => s.name);
    const rest = environmentStacks(outdir, 'local', ['state-local', 'observability-local']).map((s) => s.name);
    expect(rest).toEqual(all.filter((name) => name !== 'state-local' && name !== 'observability-local'));
  });

  it('fails clearly for an environment with no stacks, and before synthesis', () => {
    expect(() => environmentStacks(outdir, 'nowhere')).toThrow(`${outdir} holds no stack of environment "nowhere"`);
    const empty = tempDir('no-manifest');
    expect(() => environmentStacks(empty, 'local')).toThrow(`${path.join(empty, 'manifest.json')} does not exist: synthesize first`);
  });
});

describe('dependencyOrder', () => {
  it('puts dependencies first, ignoring those outside the set', () => {
    const ordered = dependencyOrder([stack('c', 'b'), stack('b', 'a', 'elsewhere'), stack('a')]).map((s) => s.name);
    expect(ordered).toEqual(['a', 'b', 'c']);
  });

  it('fails on a cycle, naming a stack in it', () => {
    const cycle = [stack('independent'), stack('a', 'c'), stack('b', 'a'), stack('c', 'b')];
    expect(() => dependencyOrder(cycle)).toThrow(/in a cycle through [abc]$/);
  });
});

/**
 * Tasks that finish only when the test says so, recording `start <name>` and `finish <name>` (or `fail`)
 * in the order they happen, and the most tasks ever running at once.
 */
function controlledTasks() {
  const events: string[] = [];
  const pending = new Map<string, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  let maxRunning = 0;
  const task = (s: SynthesizedStack) =>
    new Promise<string>((resolve, reject) => {
      events.push(`start ${s.name}`);
      pending.set(s.name, { resolve, reject });
      maxRunning = Math.max(maxRunning, pending.size);
    });
  // The scheduler reacts in promise callbacks: let them all run before the test looks again.
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const end = async (name: string, error?: Error) => {
    const running = pending.get(name);
    if (!running) throw new Error(`${name} is not running (events: ${events.join(', ')})`);
    pending.delete(name);
    events.push(`${error ? 'fail' : 'finish'} ${name}`);
    if (error) running.reject(error);
    else running.resolve(`${name} value`);
    await settle();
  };
  return {
    task,
    events,
    running: () => [...pending.keys()].sort(),
    maxRunning: () => maxRunning,
    finish: (name: string) => end(name),
    fail: (name: string) => end(name, new Error(`${name} broke`)),
    settle,
  };
}

const summary = <T>(outcomes: StackOutcome<T>[]) => outcomes.map((o) => (o.status === 'done' ? `${o.stack.name}: done` : `${o.stack.name}: ${o.status} (${o.reason})`));

/** Fails instead of hanging when the outcomes never come. */
const within = <T>(promise: Promise<T>, ms = 1000) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms).unref())]);

describe('inDependencyOrder', () => {
  // The shape of an environment: state, then network and secrets, data on both, service on data.
  const platform = [stack('state'), stack('network', 'state'), stack('secrets', 'state'), stack('data', 'network', 'secrets'), stack('service', 'data', 'state')];

  it('starts each stack only after all its dependencies finished, and resolves with every value', async () => {
    const t = controlledTasks();
    const result = inDependencyOrder(platform, t.task, { concurrency: 4 });
    await t.settle();
    expect(t.running()).toEqual(['state']);
    await t.finish('state');
    expect(t.running()).toEqual(['network', 'secrets']);
    await t.finish('network');
    expect(t.running()).toEqual(['secrets']); // data still waits for secrets
    await t.finish('secrets');
    expect(t.running()).toEqual(['data']);
    await t.finish('data');
    expect(t.running()).toEqual(['service']);
    await t.finish('service');
    const outcomes = await within(result);
    expect(outcomes.map((o) => o.stack.name)).toEqual(platform.map((s) => s.name));
    expect(outcomes.map((o) => (o.status === 'done' ? o.value : o.status))).toEqual(platform.map((s) => `${s.name} value`));
  });

  it.each([1, 2, 3])('never runs more than %i tasks at once', async (concurrency) => {
    const independent = ['a', 'b', 'c', 'd', 'e'].map((name) => stack(name));
    const t = controlledTasks();
    const result = inDependencyOrder(independent, t.task, { concurrency });
    await t.settle();
    while (t.running().length > 0) {
      expect(t.running()).toHaveLength(Math.min(concurrency, independent.length - t.events.filter((e) => e.startsWith('finish')).length));
      await t.finish(t.running()[0]);
    }
    expect(summary(await within(result))).toEqual(['a: done', 'b: done', 'c: done', 'd: done', 'e: done']);
    expect(t.maxRunning()).toBe(concurrency);
  });

  it('runs two at a time by default', async () => {
    const t = controlledTasks();
    const result = inDependencyOrder([stack('a'), stack('b'), stack('c')], t.task);
    await t.settle();
    expect(t.running()).toEqual(['a', 'b']);
    for (const name of ['a', 'b', 'c']) await t.finish(name);
    await within(result);
  });

  it('skips the dependents of a failed stack, naming why, while independent stacks still run', async () => {
    const stacks = [stack('a'), stack('b', 'a'), stack('c', 'b'), stack('independent')];
    const t = controlledTasks();
    const result = inDependencyOrder(stacks, t.task, { concurrency: 1 });
    await t.settle();
    await t.fail('a');
    // The independent stack starts after the failure (concurrency 1), so a failure does not stop the run.
    expect(t.running()).toEqual(['independent']);
    await t.finish('independent');
    expect(summary(await within(result))).toEqual(['a: failed (a broke)', 'b: skipped (a did not succeed)', 'c: skipped (b did not succeed)', 'independent: done']);
    expect(t.events).toEqual(['start a', 'fail a', 'start independent', 'finish independent']);
  });

  it('lets a stack already running finish when another fails', async () => {
    const t = controlledTasks();
    const result = inDependencyOrder([stack('a'), stack('b'), stack('after-a', 'a')], t.task, { concurrency: 2 });
    await t.settle();
    await t.fail('a');
    expect(t.running()).toEqual(['b']);
    await t.finish('b');
    expect(summary(await within(result))).toEqual(['a: failed (a broke)', 'b: done', 'after-a: skipped (a did not succeed)']);
  });

  it('reversed, runs each stack only after every stack that depends on it (destroy order)', async () => {
    const t = controlledTasks();
    const result = inDependencyOrder(platform, t.task, { concurrency: 4, reverse: true });
    await t.settle();
    expect(t.running()).toEqual(['service']);
    await t.finish('service');
    expect(t.running()).toEqual(['data']);
    await t.finish('data');
    expect(t.running()).toEqual(['network', 'secrets']);
    await t.finish('network');
    expect(t.running()).toEqual(['secrets']); // state still waits for secrets
    await t.finish('secrets');
    await t.finish('state');
    expect(summary(await within(result))).toEqual(platform.map((s) => `${s.name}: done`));
  });

  // KNOWN BUG (reported, operations/environment-stacks.ts): a skip propagates only to stacks later in the list within
  // one scheduling pass. Reversed, the stacks that wait come earlier, so when the failed stack was the last
  // one running, nothing schedules again and the run never ends: `npm run dr:drill` hangs when the
  // destroy of observability-local fails after backup-local finished. Drop `.failing` once fixed.
  it('reversed, skips what a failed stack depends on, also when nothing else is running', async () => {
    const t = controlledTasks();
    const result = inDependencyOrder([stack('a'), stack('b', 'a'), stack('c', 'b')], t.task, { reverse: true });
    await t.settle();
    await t.fail('c');
    expect(summary(await within(result))).toEqual(['a: skipped (b did not succeed)', 'b: skipped (c did not succeed)', 'c: failed (c broke)']);
  });
});

describe('planChanges', () => {
  /** One entry of `terraform show -json`'s resource_changes. */
  const resourceChange = (
    address: string,
    actions: string[],
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
    afterUnknown: Record<string, unknown> = {},
    mode: 'managed' | 'data' = 'managed',
  ) => {
    const [type, name] = address.replace(/^data\./, '').split('.');
    return {
      address,
      mode,
      type,
      name,
      provider_name: 'registry.terraform.io/hashicorp/aws',
      change: { actions, before, after, after_unknown: afterUnknown, before_sensitive: {}, after_sensitive: {} },
    };
  };
  const planJson = (resourceChanges: object[], outputChanges: Record<string, { actions: string[] }> = {}) =>
    JSON.stringify({ format_version: '1.2', terraform_version: '1.9.8', resource_changes: resourceChanges, output_changes: outputChanges });

  const bucket = { id: 'b', bucket: 'b', tags: { env: 'local' }, force_destroy: false };

  it('finds nothing in a plan of no-ops and reads, or an empty plan', () => {
    const plan = planJson(
      [
        resourceChange('aws_s3_bucket.state', ['no-op'], bucket, bucket),
        resourceChange('data.aws_caller_identity.current', ['read'], null, { account_id: '123456789012' }, { id: true }, 'data'),
        resourceChange('data.aws_iam_policy_document.policy', ['no-op'], { json: '{}' }, { json: '{}' }, {}, 'data'),
      ],
      { bucket_name: { actions: ['no-op'] } },
    );
    expect(planChanges(plan)).toEqual({ resources: [], outputs: [] });
    expect(planChanges(JSON.stringify({ format_version: '1.2' }))).toEqual({ resources: [], outputs: [] });
  });

  it('lists exactly the top-level attributes an update changes, and those known only during apply', () => {
    const before = { id: 'svc', desired_count: 1, task_definition: 'app:1', tags: { env: 'local' }, load_balancer: [{ port: 80 }], arn: 'arn:1' };
    // An unknown value is absent from `after`; after_unknown also describes nested blocks, which are not "unknown".
    const after = { id: 'svc', desired_count: 2, task_definition: 'app:1', tags: { env: 'local' }, load_balancer: [{ port: 80 }] };
    const [change] = planChanges(planJson([resourceChange('aws_ecs_service.app', ['update'], before, after, { arn: true, load_balancer: [{}], tags: {} })])).resources;
    expect(change).toEqual({ address: 'aws_ecs_service.app', type: 'aws_ecs_service', actions: ['update'], attributes: ['arn', 'desired_count'], unknown: ['arn'], forcedBy: [], importing: false });
    expect(describeChange(change)).toBe('aws_ecs_service.app: update (arn, desired_count)');
  });

  it('treats an empty list and null (or absent) as the same: Terraform writes an unset block either way', () => {
    const before = { id: 'x', logging_config: [], scaling_configuration: null, ingress: [] };
    const after = { id: 'x', logging_config: null, scaling_configuration: [] };
    const [change] = planChanges(planJson([resourceChange('aws_lambda_function.fn', ['update'], before, after)])).resources;
    expect(change.attributes).toEqual([]);
  });

  it('reads creates, deletes and replacements (either order) with their attributes', () => {
    const { resources } = planChanges(
      planJson([
        resourceChange('aws_s3_bucket.new', ['create'], null, { bucket: 'new', tags: null }, { id: true, arn: true }),
        resourceChange('aws_s3_bucket.old', ['delete'], bucket, null),
        resourceChange('aws_db_instance.db', ['delete', 'create'], { id: 'db', engine: 'aurora-postgresql' }, { engine: 'aurora-mysql' }, { id: true }),
        resourceChange('aws_lb.lb', ['create', 'delete'], { id: 'lb', name: 'a' }, { name: 'b' }, { id: true }),
      ]),
    );
    expect(resources.map((r) => [r.address, r.attributes])).toEqual([
      ['aws_s3_bucket.new', ['arn', 'bucket', 'id']],
      ['aws_s3_bucket.old', ['bucket', 'force_destroy', 'id', 'tags']],
      ['aws_db_instance.db', ['engine', 'id']],
      ['aws_lb.lb', ['id', 'name']],
    ]);
    expect(resources.map(describeChange)).toEqual(['aws_s3_bucket.new: create', 'aws_s3_bucket.old: delete', 'aws_db_instance.db: replace', 'aws_lb.lb: replace']);
  });

  it('ignores data sources, whatever they do', () => {
    const plan = planJson([resourceChange('data.aws_kms_key.key', ['read'], { rotation_period_in_days: 0 }, null, { rotation_period_in_days: true }, 'data')]);
    expect(planChanges(plan).resources).toEqual([]);
  });

  it('lists the outputs that would be added, changed or removed, sorted', () => {
    const plan = planJson([], {
      vpc_id: { actions: ['no-op'] },
      service_url: { actions: ['update'] },
      alarm_topic_arn: { actions: ['create'] },
      old_output: { actions: ['delete'] },
    });
    expect(planChanges(plan).outputs).toEqual(['alarm_topic_arn', 'old_output', 'service_url']);
  });
});

describe('splitEmulatorResidue', () => {
  const change = (type: string, attributes: string[], actions = ['update'], unknown: string[] = []): ResourceChange => ({
    address: `${type}.example`,
    type,
    actions,
    attributes: [...attributes].sort(),
    unknown,
    forcedBy: [],
    importing: false,
  });
  // The listed attributes by resource type; the tests hold for whatever the list holds, even nothing.
  const listed = new Map<string, string[]>();
  for (const entry of EMULATOR_PLAN_RESIDUE) listed.set(entry.type, [...(listed.get(entry.type) ?? []), entry.attribute]);
  const NOT_LISTED = 'groundwork_not_an_emulator_artefact';

  it('counts an update of only listed attributes as residue, with the documented reason', () => {
    for (const [type, attributes] of listed) {
      const { unexpected, residue } = splitEmulatorResidue([change(type, attributes)]);
      expect(unexpected).toEqual([]);
      expect(residue).toHaveLength(1);
      for (const entry of EMULATOR_PLAN_RESIDUE.filter((e) => e.type === type)) expect(residue[0].reason).toContain(entry.reason);
    }
    if (listed.size === 0) expect(splitEmulatorResidue([change('aws_kms_key', ['rotation_period_in_days'])]).residue).toEqual([]);
  });

  it('counts any change with an attribute not listed for its type as unexpected, naming only its real attributes', () => {
    const changes = [
      change('aws_s3_bucket', [NOT_LISTED]),
      // A listed attribute of another type is not listed for this one.
      ...[...listed.values()].map((attributes) => change('aws_groundwork_unlisted_type', attributes)),
    ];
    expect(splitEmulatorResidue(changes)).toEqual({ unexpected: changes, residue: [] });
    const mixed = [...listed].map(([type, attributes]) => change(type, [...attributes, NOT_LISTED]));
    const { unexpected, residue } = splitEmulatorResidue(mixed);
    expect(residue).toEqual([]);
    expect(unexpected).toEqual(mixed.map((one) => ({ ...one, attributes: [NOT_LISTED] })));
  });

  it('counts creates, deletes and replacements as unexpected, even of listed attributes only', () => {
    const changes = [...listed].flatMap(([type, attributes]) => [change(type, attributes, ['create']), change(type, attributes, ['delete']), change(type, attributes, ['delete', 'create'])]);
    expect(splitEmulatorResidue(changes)).toEqual({ unexpected: changes, residue: [] });
  });

  it('never hides an update Terraform plans without a changed top-level attribute', () => {
    const empty = change('aws_ecs_service', []);
    expect(splitEmulatorResidue([empty]).unexpected).toEqual([empty]);
  });

  it('counts an update known only during apply as residue only beside residue and nothing unexpected', () => {
    const knockOn = change('aws_iam_policy', ['policy'], ['update'], ['policy']);
    // Alone, it is a change like any other.
    expect(splitEmulatorResidue([knockOn])).toEqual({ unexpected: [knockOn], residue: [] });
    const [type, attributes] = [...listed][0] ?? [];
    if (!type) return;
    const artefact = change(type, attributes);
    const beside = splitEmulatorResidue([artefact, knockOn]);
    expect(beside.unexpected).toEqual([]);
    expect(beside.residue.map((r) => r.change)).toEqual([artefact, knockOn]);
    expect(beside.residue[1].reason).toMatch(/known only during apply/);
    const real = change('aws_s3_bucket', [NOT_LISTED]);
    expect(splitEmulatorResidue([artefact, knockOn, real]).unexpected).toEqual([real, knockOn]);
  });
});

describe('the local scripts fail clearly, before touching anything', () => {
  const SECONDS = 1000;

  /**
   * Runs `npx tsx scripts/<script>.ts` from the project root with its own work directory, and says what it
   * left there; kills it after a minute.
   */
  const runScript = (script: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number | null; output: string; wrote: string[] }> =>
    new Promise((resolve, reject) => {
      const base = { ...process.env };
      delete base.AWS_ENDPOINT_URL;
      const workDir = tempDir(`script-${script}`);
      const child = spawn('npx', ['tsx', path.join('scripts', `${script}.ts`), ...args], {
        cwd: ROOT,
        env: { ...base, GROUNDWORK_WORK_DIR: workDir, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60 * SECONDS);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        const wrote = fs.readdirSync(workDir);
        fs.rmSync(workDir, { recursive: true, force: true });
        resolve({ code, output, wrote });
      });
    });

  /** A loopback port nobody listens on: bound by the OS, then released. */
  const closedPort = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const server = net.createServer().once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });

  /** The directory of a command on this process's PATH. */
  const dirOf = (command: string): string => {
    const found = spawnSync('which', [command], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error(`${command} is not on PATH`);
    return path.dirname(found.stdout.trim());
  };

  // Concurrent: each is a separate process of a second or two.
  it.concurrent.each([
    ['diff --env local', 'diff', ['--env', 'local']],
    ['dr-drill', 'dr-drill', []],
  ])(
    '%s exits 1 when nothing answers at AWS_ENDPOINT_URL',
    async (_name, script, args) => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const run = await runScript(script, { AWS_ENDPOINT_URL: endpoint }, args);
      expect(run.output).toContain(`No emulator answers at ${endpoint} (AWS_ENDPOINT_URL)`);
      expect(run.code).toBe(1);
      expect(run.wrote).toEqual([]);
    },
    90 * SECONDS,
  );

  it.concurrent(
    'diff --env local exits 1 when AWS_ENDPOINT_URL is not set (it plans an emulator, it does not start one)',
    async () => {
      const run = await runScript('diff', {}, ['--env', 'local']);
      expect(run.output).toContain('AWS_ENDPOINT_URL is not set');
      expect(run.code).toBe(1);
      expect(run.wrote).toEqual([]);
    },
    90 * SECONDS,
  );

  it.concurrent(
    'diff exits 2 on an environment that does not exist, naming those that do',
    async () => {
      const run = await runScript('diff', {}, ['--env', 'qa']);
      expect(run.output).toContain('--env: no environment "qa"; environments: dev, staging, prod, local');
      expect(run.code).toBe(2);
      expect(run.wrote).toEqual([]);
    },
    90 * SECONDS,
  );

  it.concurrent(
    'deploy refuses to apply without a terminal to confirm on unless told --yes',
    async () => {
      const run = await runScript('deploy', {}, ['--env', 'dev']);
      expect(run.output).toContain('without a terminal to confirm on, pass --yes');
      expect(run.code).toBe(1);
      expect(run.wrote).toEqual([]);
    },
    90 * SECONDS,
  );

  it.concurrent(
    'local exits 1 when it would start moto but moto_server is not on PATH',
    async () => {
      // Terraform stays: the check for it comes first. Under npm, `node` is the project's own, and npx is
      // beside the system's.
      const dirs = [...new Set([dirOf('node'), dirOf('npx'), dirOf('terraform')])];
      expect(dirs.filter((dir) => fs.existsSync(path.join(dir, 'moto_server')))).toEqual([]);
      const run = await runScript('local', { PATH: dirs.join(path.delimiter) });
      expect(run.output).toContain('moto_server is not on PATH');
      expect(run.code).toBe(1);
      expect(run.wrote).toEqual([]);
    },
    90 * SECONDS,
  );
});
