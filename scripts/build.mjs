// Bundles the TypeScript program into dist/main.js. Packages stay external: the provider bindings must
// share the one cdktf instance, deep imports load only the classes used, and bundling zod measured slower.
// A bundle whose input files are unchanged since it was built is reused without loading esbuild (about
// 0.25 s of every synth otherwise).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const APP_BUNDLE = path.join(ROOT, 'dist', 'main.js');

export function buildApp() {
  return bundleIfChanged({ root: ROOT, entry: 'main.ts', outfile: APP_BUNDLE });
}

/**
 * Bundles `entry` (relative to `root`) into `outfile`, unless the inputs of the last bundle are unchanged.
 * Beside the bundle, `<outfile>.inputs.json` records every input file esbuild read (and tsconfig.json)
 * and a digest over them, the options and esbuild's version. Returns whether it built.
 */
export async function bundleIfChanged({ root, entry, outfile }) {
  const options = {
    entryPoints: [entry],
    absWorkingDir: root,
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    logLevel: 'warning',
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
  const result = await build({ ...options, metafile: true });
  // esbuild reads tsconfig.json too (it can change how code compiles), but does not list it as an input.
  const inputs = [...new Set([...Object.keys(result.metafile.inputs), 'tsconfig.json'])].sort();
  // Written beside and renamed into place, so a concurrent synth never reads half a record.
  const partial = `${recordFile}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify({ inputs, digest: digestOf(inputs) }));
  fs.renameSync(partial, recordFile);
  return true;
}

function readRecord(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildApp();
