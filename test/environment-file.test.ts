import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentFileError, hasProperty, readValue, setValue } from '../operations/environment-file';

const ENVIRONMENTS = path.join(__dirname, '..', 'environments');
const shipped = (name: string) => fs.readFileSync(path.join(ENVIRONMENTS, `${name}.ts`), 'utf8');

/** The lines of `after` that differ from `before`, when both have the same number of lines. */
function changedLines(before: string, after: string): string[] {
  const old = before.split('\n');
  const now = after.split('\n');
  expect(now).toHaveLength(old.length);
  return now.filter((line, i) => line !== old[i]);
}

/** `after` with `inserted` taken out again: equal to the original when nothing else moved. */
function withoutInserted(after: string, inserted: string): string {
  expect(after).toContain(inserted);
  return after.replace(inserted, '');
}

const sample = [
  '// A hand-written environment.',
  "import type { EnvironmentConfig } from './schema';",
  '',
  'export const sample: EnvironmentConfig = {',
  "  name: 'sample', // trailing comment",
  '  quoted: "double",',
  '  template: `template`,',
  '  count: 0x10,',
  '  negative: -3,',
  '  enabled: false,',
  '  computed: process.env.VALUE ?? "x",',
  '  spreadAfter: { value: 1, ...defaults },',
  '  spreadBefore: { ...defaults, value: 1 },',
  '  made: makeObject(),',
  '  empty: {},',
  '  noTrailingComma: {',
  '    first: 1,',
  '    last: 2 // the last one',
  '  },',
  '};',
  '',
].join('\n');

describe('readValue', () => {
  it('reads string, template, number and boolean literals', () => {
    expect(readValue(sample, ['name'])).toBe('sample');
    expect(readValue(sample, ['quoted'])).toBe('double');
    expect(readValue(sample, ['template'])).toBe('template');
    expect(readValue(sample, ['count'])).toBe(16);
    expect(readValue(sample, ['negative'])).toBe(-3);
    expect(readValue(sample, ['enabled'])).toBe(false);
    expect(readValue(shipped('prod'), ['service', 'image', 'keepImages'])).toBe(100);
  });

  it('is undefined for a property, or an object on its way, that is not there', () => {
    expect(readValue(sample, ['missing'])).toBeUndefined();
    expect(readValue(sample, ['empty', 'a', 'b'])).toBeUndefined();
    expect(readValue(shipped('staging'), ['gitops', 'repository', 'revision'])).toBeUndefined();
    expect(hasProperty(shipped('staging'), ['gitops', 'repository'])).toBe(true);
    expect(hasProperty(shipped('local'), ['gitops'])).toBe(false);
  });

  it('refuses a value that is not a literal, naming the file and the path', () => {
    expect(() => readValue(sample, ['computed'], 'environments/sample.ts')).toThrow(
      'environments/sample.ts: computed: is an expression `process.env.VALUE ?? "x"`, not a string, number or boolean literal',
    );
    expect(() => readValue(shipped('local'), ['emulator', 'endpoint'], 'environments/local.ts')).toThrow(/^environments\/local\.ts: emulator\.endpoint: is an expression/);
    expect(() => readValue(sample, ['noTrailingComma'])).toThrow(/noTrailingComma: is an object literal .*not a string, number or boolean literal/);
  });

  it('refuses a path through a call or a spread that may set it', () => {
    expect(() => readValue(sample, ['made', 'value'], 'sample.ts')).toThrow('sample.ts: made: is a call `makeObject()`, not an object literal, so made.value cannot be read or edited inside it');
    expect(() => readValue(sample, ['spreadAfter', 'value'], 'sample.ts')).toThrow('sample.ts: spreadAfter.value: may be set by `...defaults`');
    expect(() => readValue(sample, ['spreadAfter', 'other'], 'sample.ts')).toThrow('sample.ts: spreadAfter.other: may be set by `...defaults`');
    // Set after the spread, the file alone says what it is.
    expect(readValue(sample, ['spreadBefore', 'value'])).toBe(1);
    expect(() => readValue(shipped('local'), ['policy', 'waivers', 'rule'], 'local.ts')).toThrow(/^local\.ts: policy\.waivers: is an array/);
  });

  it('refuses a file that is not valid TypeScript, or exports no object literal', () => {
    expect(() => readValue('export const x = { a: ', ['a'], 'broken.ts')).toThrow(/^broken\.ts: is not valid TypeScript/);
    expect(() => readValue('const x = { a: 1 };', ['a'], 'private.ts')).toThrow('private.ts: expected exactly one exported object literal');
  });
});

describe('setValue', () => {
  it('replaces only the literal, in the quote style it had', () => {
    const prod = shipped('prod');
    const edited = setValue(prod, ['service', 'image', 'tag'], '2099.01.01-abc1234');
    expect(changedLines(prod, edited)).toEqual(["    image: { tag: '2099.01.01-abc1234', keepImages: 100 },"]);
    expect(setValue(sample, ['quoted'], 'it\'s "here"')).toContain('  quoted: "it\'s \\"here\\"",');
    expect(setValue(sample, ['template'], 'a ${b} `c`')).toContain('  template: `a \\${b} \\`c\\``,');
    expect(setValue(sample, ['enabled'], 'yes')).toContain("  enabled: 'yes',");
    expect(setValue(sample, ['negative'], 7)).toContain('  negative: 7,');
    for (const [key, value] of [['quoted', 'it\'s "here"'], ['template', 'a ${b} `c`\n'], ['name', 'back\\slash']] as const) {
      expect(readValue(setValue(sample, [key], value), [key])).toBe(value);
    }
  });

  it('returns the text unchanged when it already holds the value', () => {
    expect(setValue(sample, ['count'], 16)).toBe(sample);
    expect(setValue(shipped('prod'), ['name'], 'prod')).toBe(shipped('prod'));
  });

  it('adds a property to a one-line object literal, inline after its last property', () => {
    const local = shipped('local');
    const edited = setValue(local, ['database', 'databaseName'], 'x');
    expect(changedLines(local, edited)).toEqual(["  database: { engine: 'aurora-postgresql', readers: 0, backup: { retentionDays: 1 }, databaseName: 'x' },"]);
    expect(readValue(edited, ['database', 'databaseName'])).toBe('x');
    expect(setValue(sample, ['empty', 'a'], 1)).toContain('  empty: { a: 1 },');
    expect(setValue('export const x = { a: { b: 1, }, };', ['a', 'c'], 2)).toBe('export const x = { a: { b: 1, c: 2, }, };');
  });

  it('adds a property to a multi-line object literal on its own line, indented and comma-terminated like its siblings', () => {
    const prod = shipped('prod');
    const edited = setValue(prod, ['service', 'platform'], 'ARM64');
    expect(withoutInserted(edited, "    platform: 'ARM64',\n")).toBe(prod);
    expect(edited).toContain("    logRetentionDays: 365,\n    platform: 'ARM64',\n  },\n  state:");

    const noTrailingComma = setValue(sample, ['noTrailingComma', 'added'], true);
    expect(noTrailingComma).toContain('    first: 1,\n    last: 2, // the last one\n    added: true\n  },');
  });

  it('creates object literals for missing intermediate segments', () => {
    const prod = shipped('prod');
    const edited = setValue(prod, ['observability', 'trail', 'logging'], false);
    expect(withoutInserted(edited, '    trail: { logging: false },\n')).toBe(prod);
    expect(setValue(sample, ['deep', 'er', 'still'], 'v')).toContain("  deep: { er: { still: 'v' } },\n};");
    expect(setValue(shipped('prod'), ['tags', 'team-name'], 'platform')).toContain("'data-classification': 'confidential', 'team-name': 'platform' },");
  });

  it('keeps Windows line endings', () => {
    const crlf = sample.replace(/\n/g, '\r\n');
    const edited = setValue(crlf, ['added'], 1);
    expect(edited).toContain("  noTrailingComma: {\r\n    first: 1,\r\n    last: 2 // the last one\r\n  },\r\n  added: 1,\r\n};\r\n");
    expect(edited.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('refuses to replace something that is not a literal or to go through something that is not an object literal', () => {
    expect(() => setValue(sample, ['computed'], 'y', 'sample.ts')).toThrow(EnvironmentFileError);
    expect(() => setValue(sample, ['computed'], 'y', 'sample.ts')).toThrow(/^sample\.ts: computed: is an expression/);
    expect(() => setValue(sample, ['made', 'value'], 1, 'sample.ts')).toThrow(/^sample\.ts: made: is a call/);
    expect(() => setValue(sample, ['spreadAfter', 'other'], 1, 'sample.ts')).toThrow(/^sample\.ts: spreadAfter\.other: may be set by `\.\.\.defaults`/);
    expect(() => setValue(sample, ['count'], Number.NaN, 'sample.ts')).toThrow('sample.ts: count: cannot be set to NaN');
  });
});
