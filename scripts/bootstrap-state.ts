// npm run bootstrap -- --env <name> [--yes]
// Creates an environment's state bucket and key, then moves the state stack's own state into that bucket.
// Safe to re-run: it does nothing once the bucket holds the state, and resumes a bootstrap that failed.
// Exit 0 when bootstrapped (or already); 2 on an unknown environment or wrong usage; 1 otherwise.
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import { bootstrapState } from '../operations/bootstrap';
import { environmentName, parseArguments, runScript } from '../lib/cli';
import { emulatorCredentials } from '../operations/moto';
import { synthesize } from '../lib/synthesize';
import { requireTerraform, scriptTerraformEnv } from '../operations/terraform-cli';

const USAGE = 'usage: npm run bootstrap -- --env <name> [--yes]';

async function main(argv: string[]): Promise<void> {
  const { values } = parseArguments(USAGE, () => parseArgs({ args: argv, options: { env: { type: 'string' }, yes: { type: 'boolean', default: false } } }));
  const name = environmentName(environments, values.env, { usage: USAGE });
  requireTerraform();
  const outdir = process.env.CDKTF_OUTDIR || 'cdktf.out';
  synthesize(environments, { outdir });
  const { env, providerSource } = scriptTerraformEnv('.groundwork');
  console.log(`AWS provider from ${providerSource}.`);
  const config = environments[name as keyof typeof environments];
  const credentials = 'emulator' in config && config.emulator && !env.AWS_ACCESS_KEY_ID ? emulatorCredentials(config.accountId) : {};
  await bootstrapState({ environment: name, outdir, workDir: '.groundwork', terraformEnv: { ...env, ...credentials }, autoApprove: values.yes, log: console.log });
}

void runScript('bootstrap', () => main(process.argv.slice(2)));
