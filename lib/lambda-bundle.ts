import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The project root: `lambda/` entry points are named relative to it, and bundles reproduce from any working directory. */
const ROOT = path.resolve(__dirname, '..');

/** Where packages are kept between synths, by name and content. */
const CACHE = path.join(os.tmpdir(), 'groundwork-lambda');

/** Every entry of the zip gets this time, so the same code always zips to the same bytes. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // The Lambda Node.js runtime provides the AWS SDK v3; leaving it out keeps each package a few kilobytes.
  // pg requires pg-native only when asked for native bindings, which no function does.
  external: ['@aws-sdk/*', 'pg-native'],
  legalComments: 'none',
  // Modules are named by their path under the project, as reached (a checkout whose node_modules is a link
  // to another's bundles to the same bytes as that one).
  preserveSymlinks: true,
  // Whitespace and syntax only: identifiers keep their names, so a rotation's stack trace stays readable.
  minifyWhitespace: true,
  minifySyntax: true,
} as const;

/** What a package was built from: every input file esbuild read, and a digest over them and the options. */
interface BuildRecord {
  readonly inputs: string[];
  readonly digest: string;
  readonly zip: string;
}

const packages = new Map<string, string>();

/**
 * Bundles `lambda/<name>.ts` with esbuild into a deployment package (a zip holding `index.js`) and
 * returns its path. The zip's bytes depend on the code alone, so its asset hash changes exactly when the
 * code does, whoever synthesizes and wherever. Synth is a hot path: the zip is made in-process (cdktf's
 * archive assets start a Node.js process each, about 0.35 s apiece), and a package whose input files
 * are unchanged since the last build is reused without running esbuild at all.
 */
export function bundleLambda(name: string): string {
  const known = packages.get(name);
  if (known) return known;
  const esbuildVersion: string = require('esbuild/package.json').version;
  const recordFile = path.join(CACHE, `${name}.json`);
  const record = readRecord(recordFile);
  const zip = record && fs.existsSync(record.zip) && digestOf(record.inputs, esbuildVersion) === record.digest ? record.zip : build(name, esbuildVersion, recordFile);
  packages.set(name, zip);
  return zip;
}

function build(name: string, esbuildVersion: string, recordFile: string): string {
  // Loaded only when a package must be built.
  const esbuild: typeof import('esbuild') = require('esbuild');
  const { zipSync }: typeof import('fflate') = require('fflate');
  const result = esbuild.buildSync({ ...BUILD_OPTIONS, external: [...BUILD_OPTIONS.external], absWorkingDir: ROOT, entryPoints: [`lambda/${name}.ts`], write: false, metafile: true, logLevel: 'silent' });
  const code = zipSync({ 'index.js': [result.outputFiles[0].contents, { mtime: FIXED_MTIME }] }, { level: 9 });
  const zip = path.join(CACHE, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.zip`);
  const inputs = Object.keys(result.metafile.inputs).sort();
  writeAtomically(zip, code);
  writeAtomically(recordFile, JSON.stringify({ inputs, digest: digestOf(inputs, esbuildVersion) ?? '', zip } satisfies BuildRecord));
  return zip;
}

/** A digest over the inputs' names and contents, the build options and esbuild's version; undefined if an input is gone. */
function digestOf(inputs: readonly string[], esbuildVersion: string): string | undefined {
  const hash = createHash('sha256').update(JSON.stringify(BUILD_OPTIONS)).update(esbuildVersion);
  for (const input of inputs) {
    const file = path.join(ROOT, input);
    if (!fs.existsSync(file)) return undefined;
    hash.update(input).update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

function readRecord(file: string): BuildRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
}

/** Written beside and renamed into place, so a concurrent synth never reads half a file. */
function writeAtomically(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}`;
  fs.writeFileSync(partial, content);
  fs.renameSync(partial, file);
}
