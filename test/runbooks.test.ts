// The runbooks and every command the docs tell a reader to run: docs/runbooks/ holds each runbook and
// its index links them all; every `npm run <script>` in the README, docs/ and the GitHub workflows names a
// script of package.json, and every `--flag` after its `--` is an option that script declares to
// parseArgs; every relative link in the runbooks leads to a file (and heading) that exists.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const RUNBOOK_DIR = path.join(ROOT, 'docs', 'runbooks');
const RUNBOOKS = [
  'deploy.md',
  'promote.md',
  'rollback.md',
  'rotate-secret.md',
  'restore-database.md',
  'disaster-recovery.md',
  'region-outage.md',
  'import.md',
  'stale-lock.md',
  'orphaned-resources.md',
  'orphans.md',
  'gitops-alerts.md',
  'emergency-sync.md',
];

const packageScripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

// ---------------------------------------------------------------------------------------------------
// Markdown: links and headings

/** The text with fenced code blocks and inline code spans blanked out (line numbers kept): a link there is not a link. */
function withoutCode(markdown: string): string {
  return withoutFencedCode(markdown).replace(/(`+)[^`\n]*?\1/g, '');
}

/** Targets of the inline links `[text](target)` and images, outside code. */
function linkTargets(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]);
}

/** A link to a file of this repository (or an anchor in the same file), not to a site or a mail address. */
function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a Markdown file's headings define, repeated headings numbered as GitHub numbers them. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutFencedCode(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = headingSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The text with its fenced code blocks (fences included) blanked out, line numbers kept. */
function withoutFencedCode(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
      if (fence === undefined && marker) fence = marker;
      else if (fence !== undefined && marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      else if (fence === undefined) return line;
      return '';
    })
    .join('\n');
}

/** What is wrong with each relative link of a Markdown file: a missing file, or a missing heading in a Markdown one. */
function brokenLinks(file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown).filter(isRelative)) {
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURI(pathPart));
    if (!fs.existsSync(resolved)) {
      problems.push(`${path.relative(ROOT, file)}: ${target} (no file ${path.relative(ROOT, resolved)})`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
      problems.push(`${path.relative(ROOT, file)}: ${target} (no heading #${anchor} in ${path.relative(ROOT, resolved)})`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// `npm run` commands in documents

interface NpmRun {
  readonly file: string;
  readonly line: number;
  readonly script: string;
  /** The flags after `--` (names without the dashes). */
  readonly flags: readonly string[];
  /** Flags written before any `--`: npm takes those itself and never passes them on. */
  readonly flagsForNpm: readonly string[];
}

const FLAG = /(?:^|[\s[(])--([A-Za-z][\w-]*)/g;

/**
 * Every `npm run <script> [-- <args>]` in a text (Markdown prose, code blocks, workflow YAML). A command
 * ends at the end of its line (a trailing `\` continues it), a backtick, a shell comment, `;`, `&&`, `|`
 * or `)`.
 */
function npmRuns(file: string, text: string): NpmRun[] {
  const runs: NpmRun[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const start = index;
    let line = lines[index];
    while (/\\\s*$/.test(line) && index + 1 < lines.length) line = line.replace(/\\\s*$/, ' ') + lines[++index];
    // npm's own options may come between `run` and the script (`npm run --silent affected -- ...`).
    for (const match of line.matchAll(/\bnpm run (?:-{1,2}[A-Za-z][\w-]*\s+)*([A-Za-z0-9][\w:.-]*)/g)) {
      const script = match[1].replace(/[.:]+$/, '');
      const rest = line.slice(match.index! + match[0].length).split(/`|\s#|;|&&|\||\)|\bnpm run\b/)[0];
      const separated = /^\s+--(?=\s|$)/.exec(rest);
      const args = separated ? rest.slice(separated[0].length) : '';
      const before = separated ? '' : rest;
      runs.push({
        file,
        line: start + 1,
        script,
        flags: [...args.matchAll(FLAG)].map((flag) => flag[1]),
        flagsForNpm: [...before.matchAll(FLAG)].map((flag) => flag[1]),
      });
    }
  }
  return runs;
}

/** The README, every Markdown file under docs/, and the GitHub workflows when there are any. */
function documents(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(ROOT, 'docs', name));
  const workflowDir = path.join(ROOT, '.github', 'workflows');
  const workflows = fs.existsSync(workflowDir)
    ? fs
        .readdirSync(workflowDir)
        .filter((name) => /\.ya?ml$/.test(name))
        .map((name) => path.join(workflowDir, name))
    : [];
  return [path.join(ROOT, 'README.md'), ...docs.sort(), ...workflows.sort()];
}

function where(run: NpmRun): string {
  return `${path.relative(ROOT, run.file)}:${run.line}`;
}

// ---------------------------------------------------------------------------------------------------
// The options a script declares to parseArgs

function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isSatisfiesExpression(current) || ts.isTypeAssertionExpression(current)) {
    current = current.expression;
  }
  return current;
}

/**
 * The names of the options every `parseArgs({ options: { name: { type } } })` call in a script declares:
 * written inline, or through constants of the same file (spreads included). Throws, naming the script,
 * when a call's options cannot be read that way.
 */
function declaredOptions(fileName: string, source: string): Set<string> {
  const kind = /\.[cm]?js$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, kind);
  const constants = new Map<string, ts.Expression>();
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && !constants.has(node.name.text)) {
      constants.set(node.name.text, node.initializer);
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if ((ts.isIdentifier(callee) && callee.text === 'parseArgs') || (ts.isPropertyAccessExpression(callee) && callee.name.text === 'parseArgs')) calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);

  const unreadable = (what: string, node: ts.Node) =>
    new Error(`${fileName}: cannot read the parseArgs options statically (${what} at line ${file.getLineAndCharacterOfPosition(node.getStart()).line + 1})`);
  const resolve = (expression: ts.Expression, seen: Set<string> = new Set()): ts.ObjectLiteralExpression => {
    const bare = unwrap(expression);
    if (ts.isObjectLiteralExpression(bare)) return bare;
    if (ts.isIdentifier(bare) && constants.has(bare.text) && !seen.has(bare.text)) return resolve(constants.get(bare.text)!, new Set([...seen, bare.text]));
    throw unreadable(`\`${bare.getText(file)}\``, bare);
  };
  /** An object literal's properties, by name, with spreads and shorthands resolved. */
  const properties = (object: ts.ObjectLiteralExpression): Map<string, ts.Expression> => {
    const found = new Map<string, ts.Expression>();
    for (const property of object.properties) {
      if (ts.isSpreadAssignment(property)) {
        for (const [name, value] of properties(resolve(property.expression))) found.set(name, value);
      } else if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
        found.set(property.name.text, property.initializer);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        found.set(property.name.text, property.name);
      } else if (ts.isMethodDeclaration(property) || ts.isGetAccessorDeclaration(property)) {
        throw unreadable('a method or accessor', property);
      } else {
        throw unreadable(`\`${property.getText(file)}\``, property);
      }
    }
    return found;
  };

  const names = new Set<string>();
  for (const call of calls) {
    if (call.arguments.length === 0) continue;
    const options = properties(resolve(call.arguments[0])).get('options');
    if (options === undefined) continue;
    for (const name of properties(resolve(options)).keys()) names.add(name);
  }
  return names;
}

/** The script file a package.json command runs (`tsx scripts/x.ts`, `node scripts/x.mjs`), or undefined. */
function scriptFile(command: string): string | undefined {
  return /^(?:tsx|node)\s+([\w./-]+\.(?:ts|mts|cts|mjs|cjs|js))(?:\s|$)/.exec(command.trim())?.[1];
}

/** What is wrong with the flags of each `npm run` command: flags npm would swallow, and flags its script does not declare. */
function flagProblems(runs: readonly NpmRun[], scripts: Readonly<Record<string, string>>, root: string): string[] {
  const problems: string[] = [];
  const options = new Map<string, Set<string> | Error>();
  const optionsOf = (script: string): Set<string> | Error => {
    if (!options.has(script)) {
      const relative = scriptFile(scripts[script]);
      const file = relative && path.join(root, relative);
      let result: Set<string> | Error;
      if (!relative) result = new Error(`its command \`${scripts[script]}\` runs no script file whose options can be read`);
      else if (!fs.existsSync(file!)) result = new Error(`its script ${relative} does not exist`);
      else {
        try {
          result = declaredOptions(relative, fs.readFileSync(file!, 'utf8'));
        } catch (error) {
          result = error as Error;
        }
      }
      options.set(script, result);
    }
    return options.get(script)!;
  };
  for (const run of runs) {
    if (run.flagsForNpm.length > 0) {
      problems.push(`${where(run)}: npm run ${run.script}: ${run.flagsForNpm.map((flag) => `--${flag}`).join(' ')} before \`--\` goes to npm, not to the script`);
    }
    if (run.flags.length === 0 || !(run.script in scripts)) continue;
    const declared = optionsOf(run.script);
    if (declared instanceof Error) {
      problems.push(`${where(run)}: npm run ${run.script} -- ${run.flags.map((flag) => `--${flag}`).join(' ')}: cannot check, ${declared.message}`);
      continue;
    }
    for (const flag of run.flags.filter((name) => !declared.has(name))) {
      problems.push(`${where(run)}: npm run ${run.script} has no option --${flag} (${scriptFile(scripts[run.script])} declares ${[...declared].map((name) => `--${name}`).join(', ') || 'none'})`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------

describe('the runbooks', () => {
  const index = fs.readFileSync(path.join(RUNBOOK_DIR, 'README.md'), 'utf8');
  const indexLinks = new Set(linkTargets(index).filter(isRelative).map((target) => target.split('#')[0].replace(/^\.\//, '')));

  it.each(RUNBOOKS)('%s exists and the index links it', (runbook) => {
    expect(fs.existsSync(path.join(RUNBOOK_DIR, runbook))).toBe(true);
    expect(indexLinks).toContain(runbook);
  });

  it('the index links every file of the folder', () => {
    const files = fs.readdirSync(RUNBOOK_DIR).filter((name) => name !== 'README.md');
    expect(files.filter((name) => !indexLinks.has(name))).toEqual([]);
  });

  it('every relative link in the runbooks leads to an existing file and heading', () => {
    const files = fs.readdirSync(RUNBOOK_DIR).filter((name) => name.endsWith('.md'));
    const links = files.flatMap((name) => linkTargets(fs.readFileSync(path.join(RUNBOOK_DIR, name), 'utf8')).filter(isRelative));
    expect(links.length).toBeGreaterThan(RUNBOOKS.length);
    expect(files.flatMap((name) => brokenLinks(path.join(RUNBOOK_DIR, name), fs.readFileSync(path.join(RUNBOOK_DIR, name), 'utf8')))).toEqual([]);
  });
});

describe('npm run commands in the README, docs/ and the workflows', () => {
  const runs = documents().flatMap((file) => npmRuns(file, fs.readFileSync(file, 'utf8')));

  it('are found, the runbooks\' included', () => {
    expect(runs.length).toBeGreaterThan(30);
    expect(runs.filter((run) => run.file.startsWith(`${RUNBOOK_DIR}${path.sep}`)).length).toBeGreaterThan(RUNBOOKS.length);
  });

  it('each name a script of package.json', () => {
    expect(runs.filter((run) => !(run.script in packageScripts)).map((run) => `${where(run)}: npm run ${run.script}`)).toEqual([]);
  });

  it('pass only flags their script declares, after `--`', () => {
    expect(flagProblems(runs, packageScripts, ROOT)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find commands, their flags and flags npm would take', () => {
    const text = [
      'Run `npm run unlock -- --env prod --stack network-prod` ([docs](x.md)).',
      '```sh',
      'npm run deploy -- --env <env> \\',
      '  --yes          # not a --comment flag',
      'npm run bootstrap -- --env <name> [--yes] && npm run diff -- --env x | tee out',
      'npm run deploy --env prod',
      '```',
      '`npm run` commands, and npm run local.',
      "run: npm run github -- comment --pr 1 --marker '<!-- groundwork-diff:prod -->' --file d.md",
      'run: echo "list=$(npm run --silent affected -- --base "origin/$BASE_REF")" >> "$GITHUB_OUTPUT"',
    ].join('\n');
    const found = npmRuns('doc.md', text).map(({ line, script, flags, flagsForNpm }) => ({ line, script, flags, flagsForNpm }));
    expect(found).toEqual([
      { line: 1, script: 'unlock', flags: ['env', 'stack'], flagsForNpm: [] },
      { line: 3, script: 'deploy', flags: ['env', 'yes'], flagsForNpm: [] },
      { line: 5, script: 'bootstrap', flags: ['env', 'yes'], flagsForNpm: [] },
      { line: 5, script: 'diff', flags: ['env'], flagsForNpm: [] },
      { line: 6, script: 'deploy', flags: [], flagsForNpm: ['env'] },
      { line: 8, script: 'local', flags: [], flagsForNpm: [] },
      { line: 9, script: 'github', flags: ['pr', 'marker', 'file'], flagsForNpm: [] },
      { line: 10, script: 'affected', flags: ['base'], flagsForNpm: [] },
    ]);
  });

  it('read the options a script declares, however they are written', () => {
    const source = `
      import { parseArgs } from 'node:util';
      const common = { env: { type: 'string' } } as const;
      const issue = { ...common, label: { type: 'string' }, 'dry-run': { type: 'boolean' } } satisfies Record<string, unknown>;
      const yes = { type: 'boolean' } as const;
      function comment(args: string[]) { return parseArgs({ args, options: { pr: { type: 'string' }, yes } }); }
      const config = { allowPositionals: true, options: issue };
      parseArgs(config);
      void comment;`;
    expect([...declaredOptions('x.ts', source)].sort()).toEqual(['dry-run', 'env', 'label', 'pr', 'yes']);
    expect(declaredOptions('none.ts', 'console.log(process.argv);').size).toBe(0);
    expect(() => declaredOptions('computed.ts', "import { parseArgs } from 'node:util'; parseArgs({ options: makeOptions() });")).toThrow(/computed\.ts: cannot read the parseArgs options statically \(`makeOptions\(\)` at line 1\)/);
  });

  it('report an unknown script file, an undeclared flag, a missing script file and flags npm would take', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runbooks-'));
    fs.mkdirSync(path.join(root, 'scripts'));
    fs.writeFileSync(path.join(root, 'scripts', 'unlock.ts'), "import { parseArgs } from 'node:util'; parseArgs({ options: { env: { type: 'string' }, stack: { type: 'string' } } });");
    const scripts = { unlock: 'tsx scripts/unlock.ts', deploy: 'tsx scripts/deploy.ts', lint: 'tsc --noEmit -p .' };
    const runs = npmRuns(
      'doc.md',
      ['npm run unlock -- --env prod --stack network-prod --force', 'npm run deploy -- --env prod', 'npm run lint -- --pretty', 'npm run unlock --env prod', 'npm run unlock -- --env prod'].join('\n'),
    );
    expect(flagProblems(runs, scripts, root)).toEqual([
      'doc.md:1: npm run unlock has no option --force (scripts/unlock.ts declares --env, --stack)',
      'doc.md:2: npm run deploy -- --env: cannot check, its script scripts/deploy.ts does not exist',
      'doc.md:3: npm run lint -- --pretty: cannot check, its command `tsc --noEmit -p .` runs no script file whose options can be read',
      'doc.md:4: npm run unlock: --env before `--` goes to npm, not to the script',
    ]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('find links outside code, and report missing files and headings', () => {
    const markdown = ['See [deploy](deploy.md#steps), [site](https://example.com) and [here](#top).', '`[not](a-link.md)`', '```', '[not](either.md)', '```', '[gone](missing.md) [bad anchor](deploy.md#nowhere)'].join('\n');
    expect(linkTargets(markdown)).toEqual(['deploy.md#steps', 'https://example.com', '#top', 'missing.md', 'deploy.md#nowhere']);
    const file = path.join(RUNBOOK_DIR, 'example.md');
    expect(brokenLinks(file, markdown)).toEqual([
      'docs/runbooks/example.md: #top (no file docs/runbooks/example.md)',
      'docs/runbooks/example.md: missing.md (no file docs/runbooks/missing.md)',
      'docs/runbooks/example.md: deploy.md#nowhere (no heading #nowhere in docs/runbooks/deploy.md)',
    ]);
  });

  it('make GitHub\'s heading anchors', () => {
    expect(headingSlug('State: one bucket per environment, one object per stack')).toBe('state-one-bucket-per-environment-one-object-per-stack');
    expect(headingSlug('Import with `importFrom` (cdktf)')).toBe('import-with-importfrom-cdktf');
    expect([...anchorsOf('# A\n## Steps\n```\n# not a heading\n```\n## Steps\n')]).toEqual(['a', 'steps', 'steps-1']);
  });
});
