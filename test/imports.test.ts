import * as fs from 'node:fs';
import * as path from 'node:path';

// A provider package's barrel loads every one of its ~2,100 modules: seconds and gigabytes per synth.
const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['main.ts', 'environments', 'stacks', 'constructs', 'lib', 'operations', 'scripts', 'policy', 'test'];

function sourceFiles(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (fs.statSync(full).isFile()) return [full];
  return fs.readdirSync(full, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|mjs|js)$/.test(f)).map((f) => path.join(full, f));
}

const BARREL_IMPORT = /(?:from\s+|require\(\s*|import\(\s*)['"](@cdktf\/provider-[a-z0-9-]+)(?:\/lib)?['"]/;

it('no source file imports a @cdktf/provider-* package through its barrel', () => {
  const files = SOURCE_DIRS.flatMap(sourceFiles);
  expect(files.length).toBeGreaterThan(20);
  const offenders = files.filter((file) => BARREL_IMPORT.test(fs.readFileSync(file, 'utf8'))).map((file) => path.relative(ROOT, file));
  expect(offenders).toEqual([]);
});

it('the check recognises a barrel import', () => {
  // Assembled from parts so that this file is not itself a barrel import to any grep.
  const aws = ['@cdktf', 'provider-aws'].join('/');
  expect(BARREL_IMPORT.test(`import { Vpc } from '${aws}';`)).toBe(true);
  expect(BARREL_IMPORT.test(`const { provider } = require("${['@cdktf', 'provider-helm', 'lib'].join('/')}")`)).toBe(true);
  expect(BARREL_IMPORT.test(`import { Vpc } from '${aws}/lib/vpc';`)).toBe(false);
});
