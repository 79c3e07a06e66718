// npm run promote -- --from <env> --to <env> [--backwards] [--dir <environments directory>]
// Copies the release (service.image.tag, and gitops.repository.revision when the source pins one) from
// environments/<from>.ts to environments/<to>.ts, editing only those literals through the TypeScript
// syntax tree, then loads the edited environments with the real loader in a fresh tsx process; a result
// that fails the check is undone byte for byte (a run killed during the check leaves the edit for `git
// diff`). Prints what changed and the git / gh commands that open the pull request.
// Releases move up the tiers, dev -> staging -> prod. --backwards lets one move down (from a higher tier
// to a lower one, e.g. --from prod --to staging, to bring staging back to what prod runs); without it
// such a promotion is refused as a mistake.
// --dir points it at a copy of the environments directory (tests use one); default: environments/.
// Exit 0 when promoted or when the target already runs the source's release; 2 on wrong usage (an
// unknown, emulator or same environment, or a backwards move without --backwards); 1 otherwise.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Environment } from '../environments/schema';
import { environmentName, parseArguments, runScript, UsageError } from '../lib/cli';
import { DEFAULT_ENVIRONMENTS_DIR, displayPath, isBackwards, planPromotion, writePromotion, type PlannedEdit, type PromotionPlan } from '../operations/promotion';

type Registry = typeof import('../environments');

const USAGE = 'usage: npm run promote -- --from <env> --to <env> [--backwards] [--dir <environments directory>]';

function main(argv: string[]): number {
  const { values } = parseArguments(USAGE, () =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { from: { type: 'string' }, to: { type: 'string' }, backwards: { type: 'boolean', default: false }, dir: { type: 'string' } },
    }),
  );
  const environmentsDir = path.resolve(values.dir ?? DEFAULT_ENVIRONMENTS_DIR);
  const registry = loadRegistry(environmentsDir);
  const from = releaseEnvironment(registry, '--from', values.from);
  const to = releaseEnvironment(registry, '--to', values.to);
  if (from === to) throw new UsageError(`--from and --to are both ${from}; a promotion moves a release from one environment to another`);
  const environments = validEnvironments(registry);
  const tierOf = (name: string) => environments.find((env) => env.name === name)!.tier;
  const backwards = isBackwards(tierOf(from), tierOf(to));
  if (backwards && !values.backwards) {
    throw new UsageError(
      `--from ${from} --to ${to} moves a release backwards, from tier ${tierOf(from)} to tier ${tierOf(to)} (releases go dev -> staging -> prod). ` +
        `If ${to} should run ${from}'s release (to undo a bad release there), pass --backwards.`,
    );
  }

  const plan = planPromotion({ from, to, environmentsDir });
  for (const note of plan.notes) console.log(`Note: ${note}`);
  if (plan.edits.length === 0) {
    console.log(`${to} already runs ${from}'s release (service.image.tag ${plan.tag}); ${displayPath(plan.targetFile)} is unchanged.`);
    return 0;
  }
  const problems = writePromotion(plan);
  if (problems.length > 0) {
    console.error(`The promoted ${displayPath(plan.targetFile)} is not a valid environment, so it was left as it was:`);
    for (const problem of problems) console.error(`  - ${problem}`);
    return 1;
  }
  for (const edit of plan.edits) console.log(`${displayPath(plan.targetFile)}: ${describeEdit(edit)}`);
  console.log(`The environment loader accepts the result.\n\nNext, open the pull request:\n${nextCommands(plan, backwards).map((command) => `  ${command}`).join('\n')}`);
  return 0;
}

/** The registry of the environments directory; the project's own unless --dir names a copy. */
function loadRegistry(environmentsDir: string): Registry {
  const index = path.join(environmentsDir, 'index.ts');
  if (!fs.existsSync(index)) throw new UsageError(`${displayPath(environmentsDir)} has no index.ts; --dir must name an environments directory`);
  // Loaded at run time (tsx compiles it) because --dir decides which registry it is.
  return require(index) as Registry;
}

function releaseEnvironment(registry: Registry, flag: string, name: string | undefined): string {
  const known = environmentName(registry.environments, name, { flag, usage: USAGE });
  const config = registry.environments[known as keyof Registry['environments']];
  if ('emulator' in config && config.emulator) {
    throw new UsageError(`${flag}: ${known} is an emulator environment (its AWS is an emulator on this machine); releases are not promoted to or from it`);
  }
  return known;
}

/** The environments resolved; refuses to start from invalid ones, so a problem found after the edit is the edit's. */
function validEnvironments(registry: Registry): Environment[] {
  try {
    return registry.loadEnvironments(registry.environments);
  } catch (error) {
    if (!(error instanceof registry.ConfigError)) throw error;
    throw new Error(`the environments are not valid before promoting anything; fix them first.\n${error.message}`);
  }
}

function describeEdit(edit: PlannedEdit): string {
  return `${edit.path} ${edit.from === undefined ? '(not set)' : String(edit.from)} -> ${String(edit.to)}`;
}

/** The commands that open the pull request; a backwards move says so in its body, for the reviewers. */
function nextCommands(plan: PromotionPlan, backwards: boolean): string[] {
  const branch = `promote/${plan.to}-${plan.tag}`;
  const title = `Promote ${plan.tag} from ${plan.from} to ${plan.to}`;
  const body = [
    `Promotes the release of ${plan.from} to ${plan.to} (\`npm run promote -- --from ${plan.from} --to ${plan.to}${backwards ? ' --backwards' : ''}\`)${backwards ? ', backwards: to a lower tier' : ''}:`,
    '',
    ...plan.edits.map((edit) => `- ${describeEdit(edit)}`),
    '',
    `The pull-request workflow posts the plan of ${plan.to} on this pull request.`,
    // deploy.yml deploys dev on every push to main, and staging and prod only when run by hand.
    plan.to === 'dev'
      ? 'Merging deploys dev: the deploy workflow runs on every push to main.'
      : `Merging does not deploy ${plan.to}: it deploys through the deploy workflow (workflow_dispatch), once the reviewers of the ${plan.to} environment approve.`,
  ].join('\n');
  return [
    `git switch -c ${shellQuote(branch)}`,
    `git commit -m ${shellQuote(title)} ${shellQuote(displayPath(plan.targetFile))}`,
    `git push -u origin ${shellQuote(branch)}`,
    `gh pr create --base main --title ${shellQuote(title)} --body ${shellQuote(body)}`,
  ];
}

/** The word as a POSIX shell reads it back: bare when it is only safe characters, else single-quoted. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

void runScript('promote', () => main(process.argv.slice(2)));
