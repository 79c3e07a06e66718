// npm run local:plan
// Plans every stack of `local` against the emulator at AWS_ENDPOINT_URL. Exit 0 when no stack would change
// anything (beyond the emulator's documented artefacts, lib/emulator-plan-residue.ts); exit 2 when some
// would, naming the stack, resource and attributes; exit 1 when a plan could not be made.
import { splitEmulatorResidue } from '../lib/emulator-plan-residue';
import { planAll } from '../lib/environment-operations';
import { prepareLocalEnvironment } from '../lib/local-environment';
import { describeChange } from '../lib/plan-changes';

async function main(): Promise<number> {
  const local = await prepareLocalEnvironment({ startEmulator: false, log: console.log });
  try {
    console.log(`Planning ${local.stacks.length} stacks of local against ${local.endpoint}:`);
    const outcomes = await planAll(local.stacks, local.context, console.log);
    let changed = 0;
    for (const outcome of outcomes) {
      if (outcome.status !== 'done') continue;
      const { unexpected, residue } = splitEmulatorResidue(outcome.value.resources);
      for (const { change, reason } of residue) console.log(`  ${outcome.stack.name}: ${describeChange(change)}: known emulator artefact, ignored (${reason})`);
      for (const change of unexpected) console.log(`  ${outcome.stack.name}: ${describeChange(change)}`);
      for (const output of outcome.value.outputs) console.log(`  ${outcome.stack.name}: output ${output} would change`);
      changed += unexpected.length + outcome.value.outputs.length;
    }
    console.log(changed === 0 ? 'No changes: the emulator matches the code.' : `${changed} change${changed === 1 ? '' : 's'}: the emulator does not match the code.`);
    return changed === 0 ? 0 : 2;
  } finally {
    await local.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(`npm run local:plan failed: ${error.message}`);
    process.exitCode = 1;
  },
);
