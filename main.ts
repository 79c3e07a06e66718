// Groundwork's cdktf app: every stack of every environment in environments/.
// Under the cdktf CLI, CDKTF_OUTDIR names the output directory and the CLI removes orphaned stacks itself.
import { environments } from './environments';
import { runSynth } from './lib/cli';

process.exitCode = runSynth(environments, process.env.CDKTF_OUTDIR ?? 'cdktf.out', process.env.CDKTF_OUTDIR !== undefined);
