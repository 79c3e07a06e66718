// npm run policy -- --env <name> | --all [--dir <synthesized outdir>] [--verbose]
// The policy gate: every synthesized stack of the environment(s) against the rules in policy/, with the
// environment's waivers (`policy.waivers` in environments/<env>.ts). Exit 0 when nothing fails, 1 on
// any unwaived failure or stale waiver (or environments that are not valid), 2 on bad usage or an unknown
// environment. Without --dir it synthesizes every environment into a temporary directory first.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import { ConfigError, loadEnvironments } from '../environments/load';
import type { Environment } from '../environments/schema';
import { environmentName, parseArguments, runScript, UsageError } from '../lib/cli';
import { evaluate, formatReport, loadSynthesized, RULES, stacksOfEnvironment, type TerraformJson } from '../policy';

const USAGE = `usage: npm run policy -- (--env <name> | --all) [--dir <synthesized outdir>] [--verbose]
  --env <name>  evaluate one environment (${Object.keys(environments).join(', ')})
  --all         evaluate every environment
  --dir <path>  read an existing synthesized output (cdktf.out) instead of synthesizing into a temporary directory
  --verbose     print passing rows too`;

/** A usage mistake, followed by the usage. */
const usageError = (message: string) => new UsageError(`${message}\n${USAGE}`);

async function main(argv: string[]): Promise<number> {
  const { values } = parseArguments(USAGE, () =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { env: { type: 'string' }, all: { type: 'boolean' }, dir: { type: 'string' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }),
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.env === undefined && !values.all) throw usageError('name an environment with --env <name>, or pass --all');
  if (values.env !== undefined && values.all) throw usageError('pass --env <name> or --all, not both');
  if (values.env !== undefined) environmentName(environments, values.env, { usage: USAGE });

  let loaded: Environment[];
  try {
    loaded = loadEnvironments(environments);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new Error(`${error.message}\nThe policy gate needs valid environments.`);
  }
  const selected = values.all ? loaded : loaded.filter((env) => env.name === values.env);

  let stacks: Map<string, TerraformJson>;
  let temporary: string | undefined;
  if (values.dir !== undefined) {
    if (!fs.existsSync(path.join(values.dir, 'manifest.json'))) throw usageError(`--dir ${values.dir} is not a synthesized output: it has no manifest.json`);
    stacks = loadSynthesized(values.dir);
  } else {
    temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'groundwork-policy-'));
    // Loaded only when needed: the synthesizer brings cdktf and the provider classes.
    const { synthesize } = await import('../lib/synthesize');
    synthesize(environments, { outdir: path.join(temporary, 'cdktf.out') });
    stacks = loadSynthesized(path.join(temporary, 'cdktf.out'));
  }

  try {
    let failed = false;
    for (const env of selected) {
      const own = stacksOfEnvironment(stacks, env.name);
      if (own.size === 0) throw usageError(`${values.dir ?? 'the synthesized output'} has no stacks of environment ${env.name}`);
      const report = evaluate({ env: { name: env.name, tier: env.tier }, stacks: own, rules: RULES, waivers: env.policy.waivers });
      process.stdout.write(formatReport(report, { verbose: values.verbose }));
      failed ||= report.failed > 0;
    }
    if (failed) process.stdout.write('Policy gate FAILED: fix the failures above, or waive them with a reason in the environment\'s policy.waivers (never in prod).\n');
    return failed ? 1 : 0;
  } finally {
    if (temporary) fs.rmSync(temporary, { recursive: true, force: true });
  }
}

void runScript('policy', () => main(process.argv.slice(2)));
