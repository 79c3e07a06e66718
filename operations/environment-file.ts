/**
 * Reads and edits one property of an environment file (`export const prod: EnvironmentConfig = { ... }`)
 * through the TypeScript syntax tree, so an edit touches only the literal it changes (or the property it
 * adds): comments, quotes and layout everywhere else stay byte for byte.
 *
 * A property path names nested object-literal properties from the exported object, e.g.
 * `['service', 'image', 'tag']`. Only literals are read or replaced: a value computed by an expression, a
 * variable, a call or a spread is the author's logic, so the functions refuse it rather than overwrite it.
 */
import * as ts from 'typescript';

/** A value an environment file holds as a plain literal. */
export type LiteralValue = string | number | boolean;

/** Why an environment file cannot be read or edited as asked; the message names the file and the path. */
export class EnvironmentFileError extends Error {
  constructor(
    readonly file: string,
    readonly path: readonly string[],
    detail: string,
  ) {
    super(path.length > 0 ? `${file}: ${path.join('.')}: ${detail}` : `${file}: ${detail}`);
    this.name = 'EnvironmentFileError';
  }
}

const DEFAULT_FILE_NAME = 'environment file';

/**
 * The literal at `path` in the file's exported object literal, or undefined when the property (or one
 * of the objects leading to it) is not there.
 * @param file - the file's name, for error messages
 * @throws EnvironmentFileError when the value is not a string, number or boolean literal, or the path
 *   runs through something other than an object literal (a call, a variable, a spread that may set it).
 */
export function readValue(text: string, path: readonly string[], file = DEFAULT_FILE_NAME): LiteralValue | undefined {
  const location = locate(parse(text, file), path, file);
  if (location.kind === 'missing') return undefined;
  return literalAt(location.value, path, file);
}

/**
 * Whether the property at `path` is written in the file, whatever its value.
 * @throws EnvironmentFileError as {@link readValue} does for a path it cannot follow.
 */
export function hasProperty(text: string, path: readonly string[], file = DEFAULT_FILE_NAME): boolean {
  return locate(parse(text, file), path, file).kind === 'found';
}

/**
 * The file's text with the property at `path` set to `value`. An existing literal is replaced in place,
 * in its own quote style; the text is returned unchanged when it already holds the value. A missing
 * property is added to the deepest object literal on the path that exists, laid out like its siblings
 * (one per line with their indentation and trailing comma, or inline after the last one), with object
 * literals for any missing intermediate segments (`gitops: { repository: { revision: 'v1' } }`).
 * @param file - the file's name, for error messages
 * @throws EnvironmentFileError when the current value is not a literal, the path runs through something
 *   other than an object literal, or the value is not a finite number, a string or a boolean.
 */
export function setValue(text: string, path: readonly string[], value: LiteralValue, file = DEFAULT_FILE_NAME): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new EnvironmentFileError(file, path, `cannot be set to ${value}: only finite numbers are literals`);
  const source = parse(text, file);
  const location = locate(source, path, file);
  const edited = location.kind === 'found' ? replaceLiteral(source, location.value, path, value, file) : insertProperty(source, location, value, file);
  // The edit is text surgery: prove it reads back as intended before anyone writes it.
  const readBack = readValue(edited, path, file);
  if (readBack !== value) throw new EnvironmentFileError(file, path, `the edit did not take (reads back as ${String(readBack)}); the file was not changed`);
  return edited;
}

// ---- Finding the property ----

type Location =
  | { readonly kind: 'found'; readonly value: ts.Expression }
  /** `object` is the deepest object literal on the path; `missing` the segments below it that are absent. */
  | { readonly kind: 'missing'; readonly object: ts.ObjectLiteralExpression; readonly missing: readonly string[] };

function parse(text: string, file: string): ts.SourceFile {
  const syntaxErrors = ts.transpileModule(text, { fileName: 'environment.ts', reportDiagnostics: true }).diagnostics ?? [];
  if (syntaxErrors.length > 0) {
    const first = ts.flattenDiagnosticMessageText(syntaxErrors[0].messageText, ' ');
    throw new EnvironmentFileError(file, [], `is not valid TypeScript (${first}); fix it before editing it`);
  }
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function locate(source: ts.SourceFile, path: readonly string[], file: string): Location {
  if (path.length === 0) throw new EnvironmentFileError(file, path, 'an empty property path names no value');
  let object = exportedObject(source, file);
  for (let depth = 0; depth < path.length; depth++) {
    const value = propertyValue(object, path[depth], path.slice(0, depth + 1), file);
    if (value === undefined) return { kind: 'missing', object, missing: path.slice(depth) };
    if (depth === path.length - 1) return { kind: 'found', value };
    const inner = unwrap(value);
    if (!ts.isObjectLiteralExpression(inner)) {
      throw new EnvironmentFileError(file, path.slice(0, depth + 1), `is ${describe(value)}, not an object literal, so ${path.join('.')} cannot be read or edited inside it; edit it by hand`);
    }
    object = inner;
  }
  throw new Error('unreachable');
}

/** The object literal the file exports: the one `export const <name> = { ... }` it must have. */
function exportedObject(source: ts.SourceFile, file: string): ts.ObjectLiteralExpression {
  const objects = source.statements
    .filter(ts.isVariableStatement)
    .filter((statement) => statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword))
    .flatMap((statement) => statement.declarationList.declarations)
    .map((declaration) => (declaration.initializer ? unwrap(declaration.initializer) : undefined))
    .filter((initializer): initializer is ts.ObjectLiteralExpression => initializer !== undefined && ts.isObjectLiteralExpression(initializer));
  if (objects.length !== 1) {
    throw new EnvironmentFileError(file, [], `expected exactly one exported object literal (export const <name>: EnvironmentConfig = { ... }), found ${objects.length}`);
  }
  return objects[0];
}

/**
 * The value of the property `name` of an object literal, or undefined when it has none. JavaScript
 * takes the last of repeated properties, and a spread after it (or with none) may set it too: then the
 * file alone does not say what it is, so that is an error.
 */
function propertyValue(object: ts.ObjectLiteralExpression, name: string, path: readonly string[], file: string): ts.Expression | undefined {
  let value: ts.Expression | undefined;
  let opaque: ts.ObjectLiteralElementLike | undefined;
  for (const element of object.properties) {
    if (ts.isSpreadAssignment(element)) {
      opaque = element;
      value = undefined;
      continue;
    }
    const key = propertyName(element.name);
    if (key === undefined) {
      opaque = element;
      value = undefined;
    } else if (key === name) {
      opaque = undefined;
      value = elementValue(element, path, file);
    }
  }
  if (value === undefined && opaque !== undefined) {
    throw new EnvironmentFileError(file, path, `may be set by \`${snippet(opaque)}\`, which is not an object literal; edit it by hand`);
  }
  return value;
}

function elementValue(element: ts.ObjectLiteralElementLike, path: readonly string[], file: string): ts.Expression {
  if (ts.isPropertyAssignment(element)) return element.initializer;
  if (ts.isShorthandPropertyAssignment(element)) return element.name;
  throw new EnvironmentFileError(file, path, `is ${describe(element)}, not a property with a value; edit it by hand`);
}

/** The name a property key stands for, or undefined when only evaluating it would tell (`[key]`). */
function propertyName(name: ts.PropertyName | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name) && (ts.isStringLiteral(name.expression) || ts.isNoSubstitutionTemplateLiteral(name.expression))) return name.expression.text;
  return undefined;
}

/** The expression under parentheses and type-only wrappers (`as const`, `satisfies T`, `!`). */
function unwrap(expression: ts.Expression): ts.Expression {
  let inner = expression;
  while (ts.isParenthesizedExpression(inner) || ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isNonNullExpression(inner) || ts.isTypeAssertionExpression(inner)) {
    inner = inner.expression;
  }
  return inner;
}

// ---- Literals ----

function literalAt(expression: ts.Expression, path: readonly string[], file: string): LiteralValue {
  const value = literalValue(unwrap(expression));
  if (value === undefined) throw new EnvironmentFileError(file, path, `is ${describe(expression)}, not a string, number or boolean literal`);
  return value;
}

function literalValue(expression: ts.Expression): LiteralValue | undefined {
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return expression.text;
  // The scanner normalizes numeric text (separators, hex), so Number() reads it as JavaScript would.
  if (ts.isNumericLiteral(expression)) return Number(expression.text);
  if (expression.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (expression.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isPrefixUnaryExpression(expression) && ts.isNumericLiteral(expression.operand)) {
    if (expression.operator === ts.SyntaxKind.MinusToken) return -Number(expression.operand.text);
    if (expression.operator === ts.SyntaxKind.PlusToken) return Number(expression.operand.text);
  }
  return undefined;
}

function replaceLiteral(source: ts.SourceFile, expression: ts.Expression, path: readonly string[], value: LiteralValue, file: string): string {
  const current = literalAt(expression, path, file);
  const text = source.text;
  if (current === value) return text;
  const literal = unwrap(expression);
  const start = literal.getStart(source);
  const quote = ts.isStringLiteral(literal) ? text[start] : ts.isNoSubstitutionTemplateLiteral(literal) ? '`' : preferredQuote(source);
  return text.slice(0, start) + renderLiteral(value, quote) + text.slice(literal.end);
}

function renderLiteral(value: LiteralValue, quote: string): string {
  if (typeof value !== 'string') return String(value);
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/[\u0000-\u001f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .split(quote)
    .join(`\\${quote}`);
  return quote + (quote === '`' ? escaped.replace(/\$\{/g, '\\${') : escaped) + quote;
}

/** The quote most of the file's strings use (single when it has none), for strings it gains. */
function preferredQuote(source: ts.SourceFile): string {
  let single = 0;
  let double = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node)) {
      if (source.text[node.getStart(source)] === '"') double++;
      else single++;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return double > single ? '"' : "'";
}

// ---- Inserting a missing property ----

function insertProperty(source: ts.SourceFile, location: Extract<Location, { kind: 'missing' }>, value: LiteralValue, file: string): string {
  const quote = preferredQuote(source);
  const property = renderProperty(location.missing, value, quote);
  const text = source.text;
  const { object } = location;
  const open = object.getStart(source);
  const close = object.end - 1;
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const closeLineStart = lineStart(text, close);
  const closeOnOwnLine = text.slice(closeLineStart, close).trim() === '';
  const last = object.properties[object.properties.length - 1];

  if (last === undefined) {
    const inside = text.slice(open + 1, close);
    if (inside.trim() !== '') {
      throw new EnvironmentFileError(file, location.missing, 'its object literal holds only comments; add the property by hand');
    }
    if (!inside.includes('\n')) return `${text.slice(0, open + 1)} ${property} ${text.slice(close)}`;
    const indent = indentation(text, closeLineStart);
    return `${text.slice(0, closeLineStart)}${indent}${indentUnit(text)}${property},${newline}${text.slice(closeLineStart)}`;
  }

  const oneLinePerProperty = closeOnOwnLine && lineStart(text, last.getStart(source)) > lineStart(text, open);
  if (oneLinePerProperty) {
    const line = `${indentation(text, lineStart(text, last.getStart(source)))}${property}`;
    if (object.properties.hasTrailingComma) return `${text.slice(0, closeLineStart)}${line},${newline}${text.slice(closeLineStart)}`;
    return `${text.slice(0, last.end)},${text.slice(last.end, closeLineStart)}${line}${newline}${text.slice(closeLineStart)}`;
  }
  // Inline: `{ a: 1, b: 2 }` becomes `{ a: 1, b: 2, c: 3 }`, keeping a trailing comma if there is one.
  if (object.properties.hasTrailingComma) {
    const afterComma = trailingCommaEnd(text, last.end);
    return `${text.slice(0, afterComma)} ${property},${text.slice(afterComma)}`;
  }
  return `${text.slice(0, last.end)}, ${property}${text.slice(last.end)}`;
}

/** `a: { b: 'v' }` for the missing segments ['a', 'b']. */
function renderProperty(segments: readonly string[], value: LiteralValue, quote: string): string {
  const [name, ...rest] = segments;
  const inner = rest.length === 0 ? renderLiteral(value, quote) : `{ ${renderProperty(rest, value, quote)} }`;
  return `${renderKey(name, quote)}: ${inner}`;
}

function renderKey(name: string, quote: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : renderLiteral(name, quote);
}

function lineStart(text: string, position: number): number {
  return text.lastIndexOf('\n', position - 1) + 1;
}

function indentation(text: string, start: number): string {
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** The file's indentation step: a tab, or the smallest run of leading spaces (2 when nothing is indented). */
function indentUnit(text: string): string {
  const widths = [...text.matchAll(/^( +)\S/gm)].map((match) => match[1].length);
  if (/^\t/m.test(text) && widths.length === 0) return '\t';
  return ' '.repeat(widths.length > 0 ? Math.min(...widths) : 2);
}

/** Where the comma after the property ending at `position` ends, skipping comments between them. */
function trailingCommaEnd(text: string, position: number): number {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  scanner.resetTokenState(position);
  while (scanner.scan() !== ts.SyntaxKind.CommaToken) {
    if (scanner.getToken() === ts.SyntaxKind.EndOfFileToken) throw new Error('no trailing comma after the last property');
  }
  return scanner.getTokenEnd();
}

// ---- Messages ----

/** What the node is (seen through `as`, `!` and parentheses) and how it is written. */
function describe(written: ts.Node): string {
  const node = ts.isExpression(written) ? unwrap(written) : written;
  const kind = ts.isIdentifier(node)
    ? 'the variable'
    : ts.isCallExpression(node)
      ? 'a call'
      : ts.isSpreadAssignment(node)
        ? 'a spread'
        : ts.isObjectLiteralExpression(node)
          ? 'an object literal'
          : ts.isArrayLiteralExpression(node)
            ? 'an array'
            : ts.isTemplateExpression(node)
              ? 'a template literal with substitutions'
              : ts.isMethodDeclaration(node) || ts.isAccessor(node)
                ? 'a method'
                : 'an expression';
  return `${kind} \`${snippet(written)}\``;
}

/** The node's source on one line, cut short: enough to find it, never a whole block. */
function snippet(node: ts.Node): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
