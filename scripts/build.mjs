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
/** What the bundle was built from: every input file esbuild read, and a digest over them and the options. */
const RECORD = `${APP_BUNDLE}.inputs.json`;

const OPTIONS = {
  entryPoints: ['main.ts'],
  absWorkingDir: ROOT,
  outfile: APP_BUNDLE,
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
};

export async function buildApp() {
  const esbuildVersion = createRequire(import.meta.url)('esbuild/package.json').version;
  const record = readRecord();
  if (record && fs.existsSync(APP_BUNDLE) && digestOf(record.inputs, esbuildVersion) === record.digest) return;
  const { build } = await import('esbuild');
  const result = await build({ ...OPTIONS, metafile: true });
  const inputs = Object.keys(result.metafile.inputs).sort();
  const partial = `${RECORD}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify({ inputs, digest: digestOf(inputs, esbuildVersion) }));
  fs.renameSync(partial, RECORD);
}

/** A digest over the inputs' names and contents, the options and esbuild's version; undefined if an input is gone. */
function digestOf(inputs, esbuildVersion) {
  const hash = createHash('sha256').update(JSON.stringify(OPTIONS)).update(esbuildVersion);
  for (const input of inputs) {
    const file = path.join(ROOT, input);
    if (!fs.existsSync(file)) return undefined;
    hash.update(input).update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

function readRecord() {
  try {
    return JSON.parse(fs.readFileSync(RECORD, 'utf8'));
  } catch {
    return undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildApp();
