// npm run synth, and the cdktf CLI's app command: bundle the program, then run it, in one Node process.
// Takes no arguments; CDKTF_OUTDIR names the output directory (default cdktf.out). Exit 0 when every
// stack was written; 1 when the program does not build, throws, or its config is invalid, with nothing
// written; 2 on wrong usage. An environment file that does not compile or throws while loading is named
// with its own file and line, without a stack; any other error (a bug) shows its stack, in the sources.
import { createRequire, enableCompileCache } from 'node:module';
import { APP_BUNDLE, BuildFailed, buildApp, ROOT } from './build.mjs';

const USAGE = 'usage: npm run synth   (no arguments; CDKTF_OUTDIR names the output directory, default cdktf.out)';
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
const nothingWritten = `Nothing was written to ${outdir}.\n`;

async function main() {
  const args = process.argv.slice(2);
  if (args.length > 0) {
    process.stderr.write(`synth: unexpected argument ${args.join(' ')}\n${USAGE}\n`);
    return 2;
  }
  try {
    await buildApp();
  } catch (error) {
    if (!(error instanceof BuildFailed)) throw error;
    // esbuild has printed each error above, with its file, line and source line.
    process.stderr.write(nothingWritten);
    return 1;
  }
  try {
    // Node.js 22 keeps the compiled code of the bundle and every package it loads on disk (in the system
    // temporary directory), so a synth after the first skips compiling them: 0.97 s to 0.80 s median.
    enableCompileCache?.();
    createRequire(import.meta.url)(APP_BUNDLE);
  } catch (error) {
    // Loaded only now: reading the source map costs nothing on a run that succeeds.
    const { describeAppError } = await import('./app-error.mjs');
    const { fromEnvironmentFile, text } = describeAppError(error, { bundle: APP_BUNDLE, root: ROOT });
    process.stderr.write(fromEnvironmentFile ? `${text}${nothingWritten}` : `synth failed: ${text}`);
    return 1;
  }
  return undefined;
}

const code = await main();
if (code !== undefined) process.exitCode = code;
