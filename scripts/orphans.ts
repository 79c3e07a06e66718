// npm run orphans -- --env <name> [--delete [--yes] [--confirm <name>]] [--json]
// Lists every AWS resource tagged as the environment's (environment=<env>, managed-by=groundwork: the
// stacks' default tags) in every region its stacks use, and IAM, that no stack's state holds, each with the
// `imports` entry that would adopt it or the step to take by hand. --delete then deletes the stateless ones
// (IAM roles, network pieces, topics, alarms, functions, rules, empty buckets and vaults) once confirmed:
// by typing the environment's name; without a terminal only with --yes; in a prod-tier environment only
// with --yes and --confirm <name>. It never deletes a database, cache, key, secret, log group, queue, a
// bucket with objects or a vault with recovery points. Exit 0: no orphans (left); 3: orphans (left); 1: a
// failure, a refused or failed deletion; 2: wrong usage, refused before any AWS call.
import * as readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import { environmentName, parseArguments, runScript } from '../lib/cli';
import { prepareEnvironment } from '../operations/environment-target';
import { deleteOrphans, deletionConsent, formatReport, inspectContainer } from '../operations/orphan-deletion';
import { awsAccess, findOrphans } from '../operations/orphans';

const USAGE = 'usage: npm run orphans -- --env <name> [--delete [--yes] [--confirm <name>]] [--json]';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArguments(USAGE, () =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        env: { type: 'string' },
        delete: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        confirm: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }),
  );
  const name = environmentName(environments, values.env, { usage: USAGE });
  const config = environments[name as keyof typeof environments];
  // Settled from the flags alone, before anything is synthesized or any AWS call is made.
  const consent = deletionConsent(name, config.tier, { delete: values.delete, yes: values.yes, confirm: values.confirm }, !!process.stdin.isTTY && !values.json);

  const log = (line: string) => console.error(line);
  const target = await prepareEnvironment(name, log);
  try {
    const access = awsAccess(target.context.env);
    log(`Reading the state of ${target.stacks.length} stacks of ${name} and the resources tagged for it...`);
    const report = await findOrphans(name, config.accountId, target.stacks, target.context.outdir, access, (arn) => inspectContainer(arn, access, config.region));
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, `environments/${name}.ts`));
    const left = () => (report.orphans.length ? 3 : 0);
    if (consent === 'list') return left();

    const deletable = report.orphans.filter((orphan) => orphan.action === 'delete');
    if (report.locked.length) {
      console.error(`Nothing was deleted: ${report.locked.map((locked) => locked.stack).join(', ')} ${report.locked.length === 1 ? 'is' : 'are'} locked, so an apply may be creating resources its state does not show yet.`);
      return 1;
    }
    if (deletable.length === 0) {
      console.error('Nothing to delete: every orphan is kept (see above).');
      return left();
    }
    if (consent === 'prompt') {
      const prompt = readline.createInterface({ input: process.stdin, output: process.stderr });
      const answer = await prompt.question(`Delete the ${deletable.length} resource${deletable.length === 1 ? '' : 's'} marked "deletes it" above, for good? Type the environment's name (${name}) to confirm: `);
      prompt.close();
      if (answer.trim() !== name) {
        console.error('Nothing was deleted.');
        return 1;
      }
    }
    const result = await deleteOrphans(report.orphans, access, log);
    const kept = report.orphans.length - result.deleted.length;
    console.error(`Deleted ${result.deleted.length} of ${deletable.length}; ${kept} orphan${kept === 1 ? '' : 's'} left${result.failed.length ? `, ${result.failed.length} of them after a failed deletion` : ''}.`);
    if (result.failed.length) return 1;
    return kept ? 3 : 0;
  } finally {
    await target.close();
  }
}

void runScript('orphans', () => main(process.argv.slice(2)));
