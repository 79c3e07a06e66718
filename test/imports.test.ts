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

/** Every project file `entry` loads, following relative imports (static and dynamic) from it. */
function loadedFrom(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, target] of fs.readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\(\s*|require\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = path.resolve(path.dirname(file), target);
      const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
      if (found && found.endsWith('.ts')) visit(found);
    }
  };
  visit(path.join(ROOT, entry));
  return [...seen].map((file) => path.relative(ROOT, file));
}

it('synth loads nothing of operations/ or scripts/: what runs Terraform, AWS and GitHub stays out of the app', () => {
  const loaded = loadedFrom('main.ts');
  // The walk sees the app's folders, so an empty result below means something.
  for (const folder of ['environments/', 'stacks/', 'constructs/', 'lib/']) expect(loaded.some((file) => file.startsWith(folder))).toBe(true);
  expect(loaded.filter((file) => file.startsWith('operations/') || file.startsWith('scripts/'))).toEqual([]);
  // And the scripts do reach operations/ through the same walk.
  expect(loadedFrom('scripts/deploy.ts').some((file) => file.startsWith('operations/'))).toBe(true);
});
