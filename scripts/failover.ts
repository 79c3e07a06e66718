// npm run failover -- --env <name> [--yes] [--detach] [--wait-for-tasks <seconds>]
// npm run failback -- --env <name> [--yes] [--wait-for-tasks <seconds>]
// Failover: the standby takes over. It promotes the standby's database (a switchover, losing nothing,
// when the primary's database answers; a failover that allows the loss of what had not replicated when
// it does not; a detach with --detach; a replica's promotion for the postgres engine), scales the
// standby's service to the serving size and waits for its tasks, then moves the traffic (Route 53 or
// the accelerator's dials). Failback: the writer switches back, the traffic returns, the standby shrinks
// to its waiting size. Each prints what it found (the primary's health, the writer, the replication lag:
// the data-loss window), the steps, each step's time and the time to recovery. Without --yes it asks on
// a terminal and changes nothing without one. Exit 0: done; 1: refused or failed (saying at which
// step; re-running carries on); 2: wrong usage. See docs/runbooks/region-outage.md.
import * as readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { environments, loadEnvironments } from '../environments';
import { environmentName, parseArguments, runScript, UsageError } from '../lib/cli';
import { describeLag, FailoverClients, observe, runSteps } from '../operations/failover';
import { describeStep, failoverSites, FailoverRefused, losesUnreplicatedWrites, planSteps, type FailoverDirection } from '../operations/failover-plan';
import { emulatorCredentials } from '../operations/moto';
import { awsAccess } from '../operations/orphans';

const USAGE = 'usage: npm run failover -- --env <name> [--yes] [--detach] [--wait-for-tasks <seconds>]\n       npm run failback -- --env <name> [--yes] [--wait-for-tasks <seconds>]';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArguments(USAGE, () =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { env: { type: 'string' }, yes: { type: 'boolean', default: false }, detach: { type: 'boolean', default: false }, 'wait-for-tasks': { type: 'string', default: '600' } },
    }),
  );
  const direction = positionals[0] as FailoverDirection;
  if (direction !== 'failover' && direction !== 'failback') throw new UsageError(`expected failover or failback first, not "${positionals[0] ?? ''}"\n${USAGE}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}\n${USAGE}`);
  const waitForTasks = Number(values['wait-for-tasks']);
  if (!Number.isInteger(waitForTasks) || waitForTasks < 0) throw new UsageError(`--wait-for-tasks must be a whole number of seconds (0: do not wait)\n${USAGE}`);
  const name = environmentName(environments, values.env, { usage: USAGE });
  const [env] = loadEnvironments({ [name]: environments[name as keyof typeof environments] });
  if (!env.failover) throw new UsageError(`${name} has no failover, so no standby to fail over to (README, "Region failover")`);
  const sites = failoverSites(env);

  const access = awsAccess({ ...process.env, ...(env.emulator && !process.env.AWS_ACCESS_KEY_ID ? { AWS_ENDPOINT_URL: env.emulator.endpoint, ...emulatorCredentials(env.accountId) } : {}) });
  const clients = new FailoverClients(access);
  try {
    const started = Date.now();
    const observed = await observe(sites, clients);
    console.log(`${direction} of ${name}: primary ${sites.primary.region}, standby ${sites.standby.region}`);
    console.log(`  primary's database: ${observed.primaryHealthy ? 'available' : `not available (${observed.primaryProblem})`}`);
    const detached = observed.joined.standby === false && sites.engine === 'aurora-postgresql';
    console.log(`  writer now: ${observed.writer ?? 'unknown'}${detached ? ` (the standby's cluster left ${sites.globalClusterIdentifier} and writes on its own)` : ''}`);
    console.log(`  replication lag: ${describeLag(observed.lag)}`);
    let steps;
    try {
      steps = planSteps(sites, direction, observed, { detach: values.detach, awaitTasks: waitForTasks > 0 });
    } catch (error) {
      if (!(error instanceof FailoverRefused)) throw error;
      console.error(`${direction} of ${name} refused, nothing was changed: ${error.message}`);
      return 1;
    }
    console.log('Steps:');
    for (const [i, step] of steps.entries()) console.log(`  ${i + 1}. ${describeStep(step, sites)}`);
    if (!(await confirmed(direction, name, values.yes))) {
      console.error(`${direction} of ${name}: nothing was changed.`);
      return 1;
    }
    const ran = await runSteps(steps, sites, clients, (line) => console.log(line), { tasksSeconds: waitForTasks });
    const total = (Date.now() - started) / 1000;
    console.log(`${direction} of ${name} done: ${direction === 'failover' ? 'the standby serves' : 'the primary serves'} in ${sites[direction === 'failover' ? 'standby' : 'primary'].region}.`);
    console.log(`  time to recovery: ${total.toFixed(1)} s from the start of the command (${ran.toFixed(1)} s of changes)${waitForTasks === 0 ? ", without waiting for the tasks to run" : ''}`);
    const loses = losesUnreplicatedWrites(steps);
    if (loses === true) console.log(`  data-loss window: what had not replicated at the promotion; the lag was ${describeLag(observed.lag)}`);
    if (loses === false) console.log('  data-loss window: none (a switchover waits for the replication to catch up)');
    return 0;
  } finally {
    clients.destroy();
  }
}

async function confirmed(direction: FailoverDirection, name: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    console.error('There is no terminal to confirm on: re-run with --yes to carry these steps out.');
    return false;
  }
  const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(`Carry out the ${direction} of ${name}? Only 'yes' is accepted: `);
  prompt.close();
  return answer.trim() === 'yes';
}

void runScript(process.argv[2] === 'failback' ? 'failback' : 'failover', () => main(process.argv.slice(2)));
