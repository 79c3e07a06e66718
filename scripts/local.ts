// npm run local
// The whole platform of the `local` environment, applied stack by stack with real Terraform into an
// AWS emulator: the one at AWS_ENDPOINT_URL (then it exits), or moto started on a free loopback port (then
// it stays up until Ctrl-C, so you can look around and run `npm run diff -- --env local`). Takes no
// arguments: exit 2 on any, before anything starts.
import { parseArgs } from 'node:util';
import { bootstrapState } from '../operations/bootstrap';
import { parseArguments, runScript } from '../lib/cli';
import { deployInOrder } from '../operations/environment-operations';
import { prepareLocalEnvironment, secondsSince, WORK_DIR, type LocalEnvironment } from '../operations/local-environment';
import { stackOutputs } from '../operations/stack-operations';

/** What a user wants to see once the platform is up: stack, output, label. */
const SUMMARY: readonly [string, string, string][] = [
  ['service-local', 'service_url', 'Service URL'],
  ['service-local', 'load_balancer_dns_name', 'Load balancer DNS name'],
  ['data-local', 'database_endpoint', 'Database endpoint'],
  ['data-local', 'database_secret_arn', 'Database credentials (secret ARN)'],
  ['secrets-local', 'secret_key_base_secret_arn', 'SECRET_KEY_BASE (secret ARN)'],
  ['secrets-local', 'cache_auth_token_secret_arn', 'Cache AUTH token (secret ARN)'],
  ['data-local', 'cache_primary_endpoint', 'Cache endpoint'],
  ['data-local', 'graph_uri', 'Graph (Neo4j) URI'],
  ['data-local', 'graph_secret_arn', 'Graph credentials (secret ARN)'],
  ['service-local', 'repository_url', 'Image repository'],
  ['observability-local', 'dashboard_name', 'Dashboard'],
  ['observability-local', 'alarm_topic_arn', 'Alarm topic'],
  ['backup-local', 'plan_id', 'Backup plan'],
  ['network-local', 'vpc_id', 'VPC'],
];

/** Bootstraps `state-local`, then deploys every other stack of `local` in dependency order. */
async function deployLocal(local: LocalEnvironment, log: (line: string) => void): Promise<void> {
  log(`State backend (state-local):`);
  const bootstrap = await bootstrapState({
    environment: 'local',
    outdir: local.outdir,
    workDir: WORK_DIR,
    terraformEnv: local.context.env,
    autoApprove: true,
    log: (line) => log(`  ${line}`),
  });
  // A fresh bootstrap has just applied state-local; an existing one is brought up to date with the rest.
  const stacks = local.stacks.filter((stack) => bootstrap === 'already-bootstrapped' || stack.name !== 'state-local');
  log(`Deploying ${stacks.length} stacks (logs in ${local.context.logDir}):`);
  await deployInOrder(stacks, local.context, log);
}

/**
 * Resolves with the signal when the user interrupts (Ctrl-C) or the process is told to stop. A signal
 * can arrive twice (from the terminal, and relayed by tsx); the first one counts.
 */
const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
  process.on('SIGINT', () => resolve('SIGINT'));
  process.on('SIGTERM', () => resolve('SIGTERM'));
});

const USAGE = 'usage: npm run local   (no arguments; AWS_ENDPOINT_URL names an emulator to deploy into, else moto is started)';

async function main(argv: string[]): Promise<void> {
  parseArguments(USAGE, () => parseArgs({ args: argv, options: {} }));
  const start = Date.now();
  const local = await prepareLocalEnvironment({ startEmulator: true, log: console.log });
  let deployed = false;
  // Interrupted part-way, stop the emulator this process started (Terraform, in this process group,
  // gets the same Ctrl-C and stops cleanly) and exit 130 as a shell would.
  void stopRequested.then(async (signal) => {
    if (deployed) return;
    console.error(`\nnpm run local: stopped by ${signal} before the platform was up.`);
    await local.close();
    process.exit(130);
  });
  try {
    console.log(`Emulator: ${local.endpoint}. AWS provider from ${local.providerSource}.`);
    await deployLocal(local, console.log);
    deployed = true;
    console.log(`\nThe local platform is up (${secondsSince(start)}):`);
    const outputs = new Map<string, Record<string, unknown>>();
    for (const [stackName, output, label] of SUMMARY) {
      const stack = local.stacks.find((candidate) => candidate.name === stackName)!;
      if (!outputs.has(stackName)) outputs.set(stackName, await stackOutputs(stack, local.context));
      const value = outputs.get(stackName)![output];
      if (value !== undefined) console.log(`  ${`${label}:`.padEnd(36)} ${String(value)}`);
    }
    console.log(`\nCheck it: AWS_ENDPOINT_URL=${local.endpoint} npm run diff -- --env local   (every stack should show no changes)`);
    if (local.startedEmulator) {
      console.log(`moto keeps running at ${local.endpoint}; Ctrl-C stops it (and everything in it).`);
      await stopRequested;
    }
  } finally {
    await local.close();
  }
}

void runScript('local', () => main(process.argv.slice(2)));
