// npm run bootstrap -- --env <name> [--yes]
// Creates an environment's state bucket and key, then moves the state stack's own state into that bucket.
// Safe to re-run: it does nothing once the bucket holds the state, and resumes a bootstrap that failed.
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import { bootstrapState } from '../lib/bootstrap';
import { emulatorCredentials } from '../lib/moto';
import { synthesize } from '../lib/synthesize';
import { requireTerraform, scriptTerraformEnv } from '../lib/terraform-cli';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { env: { type: 'string' }, yes: { type: 'boolean', default: false } } });
  const name = values.env;
  if (!name || !(name in environments)) {
    throw new Error(`--env must name an environment: ${Object.keys(environments).join(', ')}`);
  }
  requireTerraform();
  const outdir = process.env.CDKTF_OUTDIR || 'cdktf.out';
  synthesize(environments, { outdir });
  const { env, providerSource } = scriptTerraformEnv('.groundwork');
  console.log(`AWS provider from ${providerSource}.`);
  const config = environments[name as keyof typeof environments];
  const credentials = 'emulator' in config && config.emulator && !env.AWS_ACCESS_KEY_ID ? emulatorCredentials(config.accountId) : {};
  await bootstrapState({ environment: name, outdir, workDir: '.groundwork', terraformEnv: { ...env, ...credentials }, autoApprove: values.yes, log: console.log });
}

main().catch((error: Error) => {
  console.error(`bootstrap failed: ${error.message}`);
  process.exitCode = 1;
});
