// Bundles the TypeScript program into dist/main.js. Packages stay external: the provider bindings must
// share the one cdktf instance, deep imports load only the classes used, and bundling zod measured slower.
// A bundle whose input files are unchanged since it was built is reused without loading esbuild (about
// 0.25 s of every synth otherwise). esbuild does not type-check; what it only warns about but `tsc`
// rejects (a key written twice in an environment's object literal) fails the build, as a syntax error does.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const APP_BUNDLE = path.join(ROOT, 'dist', 'main.js');

/**
 * esbuild's warnings that `tsc` rejects as errors too (each checked against TypeScript 5.9), so a bundle
 * is never built from code `npm run lint` refuses. Not promoted, because tsc accepts them: duplicate-case
 * and equals-negative-zero. assign-to-constant is an error already when bundling.
 */
const REJECTED_BY_TSC = ['duplicate-object-key', 'duplicate-class-member', 'equals-nan', 'equals-new-object', 'impossible-typeof', 'suspicious-boolean-not'];

/** esbuild refused the program; it has printed each error, with its file, line and source line, on stderr. */
export class BuildFailed extends Error {}

export function buildApp() {
  return bundleIfChanged({ root: ROOT, entry: 'main.ts', outfile: APP_BUNDLE });
}

/**
 * Bundles `entry` (relative to `root`) into `outfile`, unless the inputs of the last bundle are unchanged.
 * Beside the bundle, `<outfile>.inputs.json` records every input file esbuild read (and tsconfig.json)
 * and a digest over them, the options and esbuild's version. Returns whether it built.
 * @throws BuildFailed when esbuild reports an error; the previous bundle and its record are then left as
 *   they were, still describing each other.
 */
export async function bundleIfChanged({ root, entry, outfile }) {
  const options = {
    entryPoints: [entry],
    absWorkingDir: root,
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: 'linked',
    // Messages are printed by report(), without the source lines esbuild would quote: a line of an
    // environment file may hold a value that must not reach a log.
    logLevel: 'silent',
    logOverride: Object.fromEntries(REJECTED_BY_TSC.map((id) => [id, 'error'])),
  };
  const recordFile = `${outfile}.inputs.json`;
  const esbuildVersion = createRequire(import.meta.url)('esbuild/package.json').version;
  const digestOf = (inputs) => {
    const hash = createHash('sha256').update(JSON.stringify(options)).update(esbuildVersion);
    for (const input of inputs) {
      const file = path.join(root, input);
      // A file that is gone (or not there yet) counts as content of its own.
      hash.update(input).update(fs.existsSync(file) ? fs.readFileSync(file) : '\0absent');
    }
    return hash.digest('hex');
  };
  const record = readRecord(recordFile);
  if (record && fs.existsSync(outfile) && digestOf(record.inputs) === record.digest) return false;
  const { build } = await import('esbuild');
  let result;
  try {
    result = await build({ ...options, metafile: true, write: false });
  } catch (error) {
    if (!Array.isArray(error?.errors)) throw error;
    report('ERROR', error.errors);
    report('WARNING', error.warnings ?? []);
    throw new BuildFailed(error.message);
  }
  report('WARNING', result.warnings);
  // esbuild reads tsconfig.json too (it can change how code compiles), but does not list it as an input.
  const inputs = [...new Set([...Object.keys(result.metafile.inputs), 'tsconfig.json'])].sort();
  // The old record goes first: a run stopped while writing leaves no record, so the next one builds
  // again instead of trusting a bundle that may be part old, part new.
  fs.rmSync(recordFile, { force: true });
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  // The source map before the bundle that points at it.
  const outputs = [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')));
  for (const output of outputs) writeWhole(output.path, output.contents);
  writeWhole(recordFile, JSON.stringify({ inputs, digest: digestOf(inputs) }));
  return true;
}

/** esbuild's messages as its own log prints them (`✘ [ERROR] text [id]`, then where), without the source line. */
function report(kind, messages) {
  for (const { text, id, location } of messages) {
    const where = location ? `\n\n    ${location.file}:${location.line}:${location.column}:\n` : '\n';
    process.stderr.write(`${kind === 'ERROR' ? '✘' : '▲'} [${kind}] ${text}${id ? ` [${id}]` : ''}${where}\n`);
  }
}

/** Written beside and renamed into place, so a concurrent synth never reads half a file. */
function writeWhole(file, contents) {
  const partial = `${file}.${process.pid}`;
  fs.writeFileSync(partial, contents);
  fs.renameSync(partial, file);
}

function readRecord(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await buildApp();
  } catch (error) {
    if (!(error instanceof BuildFailed)) throw error;
    process.exitCode = 1;
  }
}
