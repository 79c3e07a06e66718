import { PLATFORM_SECRETS } from './service-schema';

/**
 * Refuses credentials in an environment's configuration. The configuration is committed, and synth
 * copies it into plans, state and task definitions; secrets live in Secrets Manager instead (docs/secrets.md).
 *
 * Three checks over the raw configuration, before the schema, so a secret is caught even in a field the
 * schema rejects:
 * - every string (and every object key) through secretlint's recommended rules: token formats of AWS,
 *   GitHub, Slack, npm, OpenAI, private key blocks, database connection strings and more;
 * - every string that parses as a URL with a password (`scheme://user:password@host`), whatever the
 *   scheme or the password's characters, which secretlint's own URL rules do not all cover, and a few
 *   token formats its preset does not know (Stripe, Docker Hub, Vault, Google API keys, JWTs, bearer and
 *   basic credentials, Azure keys, a bare AWS secret access key);
 * - the names of `service.environment`, whose values end up in the task definition in plain text.
 *
 * Knowingly not flagged: a PagerDuty Events integration URL (`observability.subscriptions[].endpoint`).
 * Its key can only open incidents on one service, no rule of secretlint knows it, and an SNS subscription
 * takes its endpoint in plain text only: there is no way to inject it by ARN, so refusing it would leave
 * no way to page at all. A Slack incoming webhook URL is refused: secretlint knows it, and it lets anyone
 * post to the channel.
 */

/** A value that looks like a secret: the field's path in the raw configuration, and what it looks like. */
export interface SecretProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** What a scan found, and how to take what it found out of any text (such as other problems' messages). */
export interface SecretScan {
  readonly problems: readonly SecretProblem[];
  /** Replaces every occurrence of a detected secret in `text` with `<redacted>`. */
  redact(text: string): string;
}

/** The problems of `secretScan`; empty when the configuration holds nothing that looks like a secret. */
export function secretProblems(config: unknown): SecretProblem[] {
  return [...secretScan(config).problems];
}

/** What stands in a message for a detected secret. */
const REDACTED = '<redacted>';

const WHERE_SECRETS_GO =
  'configuration is committed and copied into plans and task definitions, so it may hold no secret: keep it in ' +
  `AWS Secrets Manager and inject it by ARN, as Groundwork does with ${PLATFORM_SECRETS.join(', ')} (see docs/secrets.md)`;

/**
 * Walks every string and key of a raw environment configuration. Messages never hold the value: they name
 * the kind of secret (a secretlint rule's id and its message without the matched text).
 */
export function secretScan(config: unknown): SecretScan {
  return secretScans([config])[0];
}

/**
 * `secretScan` of several configurations at once: secretlint's rules run once over all their strings,
 * which costs about what one configuration does (a rule's setup outweighs its scan of a short text).
 */
export function secretScans(configs: readonly unknown[]): SecretScan[] {
  const fieldsOfEach = configs.map(fieldsOf);
  const foundInAll = secretlintFindings(fieldsOfEach.flat().map((field) => field.text ?? ''));
  let next = 0;
  return fieldsOfEach.map((fields) => {
    const found = foundInAll.slice(next, (next += fields.length));
    return scanOf(fields, found);
  });
}

function scanOf(fields: readonly Field[], found: readonly Finding[][]): SecretScan {
  const flagged: SecretProblem[] = [];
  const secrets = new Set<string>();
  const secretKeys = new Set<string>();
  fields.forEach((field, i) => {
    const findings = field.text === undefined ? [] : [...found[i], ...urlPasswordFindings(field.text), ...tokenFormatFindings(field.text)];
    const kinds = [
      ...(field.nameSays === undefined ? [] : [`its name says "${field.nameSays}"`]),
      ...findings.map((finding) => (field.isKey ? `a field name: ${finding.kind}` : finding.kind)),
    ];
    if (kinds.length === 0) return;
    flagged.push({ path: field.path, message: `looks like a secret (${kinds.join('; ')}); ${WHERE_SECRETS_GO}` });
    for (const secret of [field.text ?? '', ...findings.map((finding) => finding.text)]) if (secret !== '') secrets.add(secret);
    if (field.isKey && findings.length > 0) secretKeys.add(field.text ?? '');
  });
  // A field under a key that is itself a secret would print it in its path.
  const problems = flagged.map(({ path, message }) => ({ path: path.map((part) => (secretKeys.has(String(part)) ? REDACTED : part)), message }));
  const longestFirst = [...secrets].sort((a, b) => b.length - a.length);
  return { problems, redact: (text) => longestFirst.reduce(redactOne, text) };
}

/**
 * A string of the configuration (a value, or an object's key), or a variable whose name says secret
 * whatever its value. A key is reported on its object: a path holding the key would print the secret.
 */
interface Field {
  readonly path: readonly (string | number)[];
  readonly text: string | undefined;
  readonly isKey: boolean;
  readonly nameSays?: string;
}

function fieldsOf(config: unknown): Field[] {
  const fields: Field[] = [];
  const visit = (value: unknown, path: readonly (string | number)[], nameSays?: string) => {
    if (typeof value === 'string' || nameSays !== undefined) {
      fields.push({ path, text: typeof value === 'string' ? value : undefined, isKey: false, nameSays });
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        fields.push({ path, text: key, isKey: true });
        visit(item, [...path, key], isEnvironmentVariables(path) ? secretWordOf(key) : undefined);
      }
    }
  };
  visit(config, []);
  return fields;
}

const isEnvironmentVariables = (path: readonly (string | number)[]) => path.length === 2 && path[0] === 'service' && path[1] === 'environment';

/** One thing found in a text: what kind of secret, and the text it matched (kept only to redact it). */
interface Finding {
  readonly kind: string;
  readonly text: string;
}

/**
 * Token formats of widely used services that secretlint's recommended rules do not know (checked against
 * its 12.0.0 preset): each is a fixed prefix no ordinary value starts with.
 */
const TOKEN_FORMATS: readonly [kind: string, pattern: RegExp][] = [
  ['a Stripe secret or restricted key', /\b[sr]k_(live|test)_[0-9A-Za-z]{16,}/g],
  ['a Docker Hub access token', /\bdckr_pat_[0-9A-Za-z_-]{20,}/g],
  ['a HashiCorp Vault token', /\bhv[sb]\.[0-9A-Za-z_-]{24,}/g],
  ['a Google API key', /\bAIza[0-9A-Za-z_-]{35}/g],
  ['a JSON Web Token', /\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}/g],
  ['a bearer token', /\bBearer\s+[0-9A-Za-z._~+/-]{16,}=*/g],
  ['HTTP basic credentials', /\bBasic\s+[0-9A-Za-z+/]{12,}={0,2}/g],
  ['an Azure storage or service bus key', /\b(AccountKey|SharedAccessKey)=[0-9A-Za-z+/]{20,}={0,2}/g],
  // An AWS secret access key alone: 40 characters of base64, mixed case and digits (a hex digest has no capitals).
  ['an AWS secret access key', /(?<![0-9A-Za-z/+=])(?=[0-9A-Za-z/+]*[a-z])(?=[0-9A-Za-z/+]*[A-Z])(?=[0-9A-Za-z/+]*\d)[0-9A-Za-z/+]{40}(?![0-9A-Za-z/+=])/g],
];

function tokenFormatFindings(text: string): Finding[] {
  return TOKEN_FORMATS.flatMap(([kind, pattern]) => [...text.matchAll(pattern)].map((match) => ({ kind, text: match[0] })));
}

function urlPasswordFindings(text: string): Finding[] {
  if (!text.includes('@')) return [];
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return [];
  }
  return url.password === '' ? [] : [{ kind: 'a URL with a password (user:password@)', text: url.password }];
}

// --- Variable names -------------------------------------------------------------------------------

/** Words that, in a variable's name, say its value is a secret. */
const SECRET_WORDS = new Set(['SECRET', 'SECRETS', 'PASSWORD', 'PASSWORDS', 'PASSWD', 'PASS', 'PASSPHRASE', 'TOKEN', 'TOKENS', 'KEY', 'KEYS', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS']);
/**
 * A word after the secret word that says the value is about a secret but is not one: `KMS_KEY_ID`,
 * `KEY_PREFIX`, `STRIPE_SECRET_ARN`, `OAUTH_TOKEN_URL`, `PASSWORD_MIN_LENGTH`, `TOKEN_TTL_SECONDS`,
 * `API_KEY_HEADER`, `SESSION_TOKEN_TIMEOUT`.
 */
const NOT_SECRET_WORDS = new Set([
  'ID', 'ARN', 'NAME', 'PREFIX', 'SUFFIX', 'FILE', 'PATH', 'URL', 'URI', 'HEADER', 'LENGTH', 'TTL', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS',
  'TIMEOUT', 'EXPIRY', 'LIFETIME', 'SIZE', 'COUNT', 'ENABLED', 'ALGORITHM', 'ROTATION', 'ISSUER', 'AUDIENCE',
]);
/** Keys made to be public: `STRIPE_PUBLISHABLE_KEY`, `VAPID_PUBLIC_KEY`. */
const PUBLIC_QUALIFIERS = new Set(['PUBLIC', 'PUBLISHABLE']);

/**
 * The secret word a variable's name is built on, if any: `DB_PASSWORD`, `API_KEY`, `STRIPE_SECRET`,
 * `AUTH_TOKEN`, `SECRET_KEY_BASE`, `apiKey`. Names are split into words (at "_", case changes and digits),
 * so `MONKEY` or `KEYCLOAK_URL` hold no such word. `KEY_PREFIX`-like names are allowed (see above): a
 * describing word anywhere after the secret word makes the value about the secret, not the secret; a bare
 * `CACHE_KEY` is refused even if it names a cache key: rename it (`CACHE_KEY_PREFIX`, `CACHE_NAMESPACE`).
 * `PWD` is not a secret word: it is also the shell's working directory.
 */
export function secretWordOf(name: string): string | undefined {
  const words = name
    .split(/_+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])/)
    .filter((word) => word !== '')
    .map((word) => word.toUpperCase());
  const at = words.findIndex((word, i) => SECRET_WORDS.has(word) && !PUBLIC_QUALIFIERS.has(words[i - 1] ?? ''));
  if (at < 0 || words.slice(at + 1).some((word) => NOT_SECRET_WORDS.has(word))) return undefined;
  return words[at];
}

// --- secretlint -------------------------------------------------------------------------------------

/**
 * The part of secretlint's rule API (`@secretlint/types`) used here. A rule's `create(context, options)`
 * returns handlers; `file(source)` scans a text and calls `context.report` for each secret it finds, with
 * a message made by the translator the rule got from `context.createTranslator`.
 */
interface SecretlintRule {
  readonly meta: { readonly id: string };
  readonly messages?: Readonly<Record<string, MessageTemplate | Readonly<Record<string, MessageTemplate>>>>;
  create(context: RuleContext, options: object): { file?(source: SourceCode): unknown };
}
type MessageTemplate = (props: Record<string, unknown>) => string;
interface RuleContext {
  readonly sharedOptions: object;
  createTranslator(messages: unknown): (messageId: string, props?: unknown) => { message: string; messageId: string };
  report(descriptor: { message: { messageId: string }; range: readonly [number, number] }): void;
  ignore(descriptor: unknown): void;
}
interface SourceCode {
  readonly content: string;
  readonly filePath: undefined;
  readonly ext: string;
  readonly contentType: 'text';
}

/** Options by rule id. The AWS rule finds access key ids (AKIA..., ASIA...) only when asked to. */
const RULE_OPTIONS: Readonly<Record<string, object>> = { '@secretlint/secretlint-rule-aws': { enableIDScanRule: true } };

let loadedRules: readonly SecretlintRule[] | undefined;

/**
 * The rules of `@secretlint/secretlint-rule-preset-recommend`, loaded on first use (about 20 ms).
 * The package is ES modules only. Node.js's own `require` loads an ES module without top-level await
 * synchronously (Node.js 20.19+ and 22.12+), so it is loaded with that, from this file's location: from
 * the esbuild bundle (the package stays external) as from tsx. It is Node.js's `module` asked through
 * `process.getBuiltinModule`, not `import`: under Jest, an imported `module` is Jest's, whose
 * `createRequire` runs every file as CommonJS and fails on the package's `import` statements.
 */
function secretlintRules(): readonly SecretlintRule[] {
  if (loadedRules) return loadedRules;
  if (!process.features.require_module) throw new Error(`Groundwork needs Node.js 22.19+ (npm runs the project's own, from its node package); this is ${process.version}`);
  const { createRequire } = process.getBuiltinModule('node:module');
  loadedRules = (createRequire(__filename)('@secretlint/secretlint-rule-preset-recommend') as { rules: SecretlintRule[] }).rules;
  return loadedRules;
}

/**
 * Runs every rule over the texts, synchronously; returns each text's findings. secretlint's own engine
 * (`@secretlint/core`) is async throughout, and synth is not, so this does what the engine does for a rule,
 * without its promises: `create` the rule with a context whose `report` collects, and call its `file`
 * handler. Every rule of the preset scans in plain synchronous code, except the GCP rule's check of `.p12`
 * files, which runs only for a file named so (here there is no file). A handler that returned a promise
 * could report after this returns, so that is an error rather than a silent miss.
 *
 * The texts are scanned as the lines of one file: a rule's setup costs more than its regular expressions
 * on a short text, and one call per rule instead of one per field makes the scan of all shipped
 * environments about 10 ms instead of 40. A match is found on every text it overlaps.
 *
 * The translator given to the rules keeps only the message id: the rules' messages quote the secret.
 * `ignore` does nothing, so a `secretlint-disable` comment in a value cannot switch the check off.
 */
function secretlintFindings(texts: readonly string[]): Finding[][] {
  const content = texts.join('\n');
  const starts: number[] = [];
  texts.reduce((start, text) => (starts.push(start), start + text.length + 1), 0);
  const findings = texts.map((): Finding[] => []);
  const source: SourceCode = { content, filePath: undefined, ext: '', contentType: 'text' };
  for (const rule of secretlintRules()) {
    const report = (messageId: string, [from, to]: readonly [number, number]) => {
      texts.forEach((text, i) => {
        const [start, end] = [starts[i], starts[i] + text.length];
        if (from < end && start < to) findings[i].push({ kind: describe(rule, messageId), text: content.slice(Math.max(from, start), Math.min(to, end)) });
      });
    };
    const context: RuleContext = {
      sharedOptions: {},
      createTranslator: () => (messageId) => ({ messageId, message: messageId }),
      report: ({ message, range }) => report(message.messageId, range),
      ignore: () => undefined,
    };
    const pending = rule.create(context, RULE_OPTIONS[rule.meta.id] ?? {}).file?.(source);
    if (typeof (pending as { then?: unknown } | undefined)?.then === 'function') {
      throw new Error(`secretlint rule ${rule.meta.id} scanned asynchronously; it cannot run while synth loads the configuration`);
    }
  }
  return findings;
}

const PLACEHOLDER = '\u0000';

/**
 * `secretlint <rule id>: <its English message up to the matched text>`, e.g.
 * `secretlint @secretlint/secretlint-rule-github: found GitHub Token`. The message is rendered with a
 * placeholder for every value it would quote and cut before the first one, so it cannot hold the secret.
 */
function describe(rule: SecretlintRule, messageId: string): string {
  const entry = rule.messages?.[messageId];
  const template = typeof entry === 'function' ? entry : entry?.en;
  const rendered = template?.(new Proxy({}, { get: () => PLACEHOLDER })) ?? messageId;
  const cut = rendered.includes(PLACEHOLDER) ? rendered.slice(0, rendered.indexOf(PLACEHOLDER)) : rendered;
  return `secretlint ${rule.meta.id}: ${cut.replace(/[\s:(]+$/, '')}`;
}

// --- Redaction --------------------------------------------------------------------------------------

const isWordChar = (char: string | undefined) => char !== undefined && /[A-Za-z0-9_]/.test(char);

/** Shorter secrets are redacted only where they stand as a whole word. */
const SHORT_SECRET = 8;

/**
 * Replaces every occurrence of `secret`. A short one (a `DB_PASSWORD` of "1") only where it stands as a
 * whole word, so it does not garble every number in the message; a longer one even inside a longer word,
 * since another value that contains it would print it.
 */
function redactOne(text: string, secret: string): string {
  const wholeWordOnly = secret.length < SHORT_SECRET;
  let out = '';
  let from = 0;
  for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
    const end = at + secret.length;
    const cutsWordBefore = wholeWordOnly && isWordChar(secret[0]) && isWordChar(text[at - 1]);
    const cutsWordAfter = wholeWordOnly && isWordChar(secret[secret.length - 1]) && isWordChar(text[end]);
    if (at < from || cutsWordBefore || cutsWordAfter) continue;
    out += `${text.slice(from, at)}${REDACTED}`;
    from = end;
  }
  return out + text.slice(from);
}
