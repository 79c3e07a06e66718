// What `npm run synth` prints when the bundled app throws. Positions in the bundle are mapped back to
// the TypeScript sources through the bundle's source map, read here only when there is an error.
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';

/** A stack frame: `at [function (]file:line:column[)]`. */
const FRAME = /^(\s+at (?:.*?\()?)(.+?):(\d+):(\d+)(\)?)$/;

/**
 * Describes an error the bundled app threw. When every frame of it in the project's sources lies in an
 * environment file (environments/*.ts but Groundwork's own loader, schemas and rules; the entry main.ts,
 * which loads them, aside), the error is that
 * file's: `text` is its file, line and message alone, plus the environment files that called into it.
 * Otherwise it is a bug: `text` is its stack with the bundle's positions mapped to the sources.
 * @param bundle the app bundle, with its source map beside it as `<bundle>.map`
 * @param root the project root, holding `environments/` and `main.ts`
 */
export function describeAppError(error, { bundle, root }) {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return { fromEnvironmentFile: false, text: `${String(error)}\n` };
  const sourceMap = readSourceMap(`${bundle}.map`);
  const sources = [];
  const lines = error.stack.split('\n').map((line) => {
    const frame = FRAME.exec(line);
    if (!frame || frame[2] !== bundle || !sourceMap) return line;
    const original = sourceMap.findEntry(Number(frame[3]) - 1, Number(frame[4]) - 1);
    // esbuild's own helpers at the top of the bundle come from no source.
    if (original.originalSource === undefined) return line;
    const file = path.resolve(path.dirname(bundle), original.originalSource);
    const where = `${displayPath(file)}:${original.originalLine + 1}:${original.originalColumn + 1}`;
    sources.push({ file, where });
    return `${frame[1]}${where}${frame[5]}`;
  });

  const isEnvironmentFile = environmentFileTest(path.join(root, 'environments'));
  const own = sources.filter((frame) => frame.file !== path.join(root, 'main.ts'));
  const inEnvironmentFile = (frame) => isEnvironmentFile(frame.file);
  if (own.length > 0 && own.every(inEnvironmentFile)) {
    const [thrower, ...callers] = own;
    const text = [`${thrower.where}: ${error.name}: ${error.message}`, ...callers.map((frame) => `  called from ${frame.where}`), ''].join('\n');
    return { fromEnvironmentFile: true, text };
  }
  return { fromEnvironmentFile: false, text: `${lines.join('\n')}\n` };
}

/**
 * Whether a file is an environment file: in environments/, and not one of Groundwork's own modules there
 * (the loader and every schema, rule and catalog it imports), whose errors are bugs with a stack.
 */
function environmentFileTest(environments) {
  const own = new Set();
  const visit = (file) => {
    if (own.has(file) || !fs.existsSync(file)) return;
    own.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/from\s*'\.\/([\w.-]+)'/g)) visit(path.join(environments, `${match[1]}.ts`));
  };
  visit(path.join(environments, 'load.ts'));
  return (file) => path.dirname(file) === environments && file.endsWith('.ts') && !own.has(file);
}

function readSourceMap(file) {
  try {
    return new SourceMap(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    // Without its map (deleted by hand), the stack is still shown, in the bundle's positions.
    return undefined;
  }
}

/** A path as the user would type it: relative to the working directory when under it. */
function displayPath(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
