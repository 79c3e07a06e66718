// The policy gate's engine: synthesized Terraform JSON in, one verdict per rule and resource out.
// It reads JSON only: no cdktf, no provider package, so the gate starts in a blink and runs on any
// synthesized output (`--dir`), including one copied and edited by hand.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tier } from '../environments/schema';

export type { Tier };

/** A resource or data block's body, as Terraform JSON has it (cdktf's `//` metadata included). */
export type Body = Record<string, unknown>;

/** The parts of a synthesized stack (`cdk.tf.json`) the gate reads. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Body>>;
  readonly data?: Record<string, Record<string, Body>>;
  readonly output?: Record<string, { readonly value?: unknown }>;
  /** Provider configurations by provider name: one block, or a list of them (cdktf writes a list). */
  readonly provider?: Record<string, Body | Body[]>;
}

/** One resource (or data source) of one stack. */
export interface Resource {
  readonly stack: string;
  readonly mode: 'resource' | 'data';
  readonly type: string;
  readonly name: string;
  /** The Terraform address inside its stack: `aws_s3_bucket.<name>` or `data.aws_iam_policy_document.<name>`. */
  readonly address: string;
  /**
   * What the gate prints and waivers name: cdktf's construct path from the resource's metadata, which
   * starts with the stack's name (`service-prod/load-balancer/access-logs/bucket`); `<stack>/<address>`
   * for a resource without metadata.
   */
  readonly path: string;
  readonly body: Body;
}

/** Where a reference such as `${aws_s3_bucket.logs.id}` leads: a resource and the attribute read from it. */
export interface Reference {
  readonly resource: Resource;
  /** `id`, `arn`, `master_user_secret[0].secret_arn`, ... */
  readonly attribute: string;
}

/** An IAM policy statement, the same shape whether it came from `aws_iam_policy_document` or from policy JSON. */
export interface Statement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  readonly principals: readonly Principal[];
  readonly notPrincipals: readonly Principal[];
  readonly conditions: readonly Condition[];
}
export interface Principal {
  /** `AWS`, `Service`, `Federated` or `*`. */
  readonly type: string;
  readonly identifiers: readonly string[];
}
export interface Condition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

/**
 * The region a resource is created in, read from the provider configuration it names. `region` is
 * undefined when the gate cannot tell, and `reason` says why: the stack declares no configuration of
 * that provider at all (`undeclared`, as in hand-written JSON: cdktf always writes one), it declares
 * none with that alias (`no-such-alias`), or the configuration has no literal `region` (`no-region`:
 * Terraform then takes the region from the environment of whoever runs it).
 */
export interface ProviderRegion {
  /** The provider configuration as Terraform names it: `aws` (the default) or `aws.dr`. */
  readonly provider: string;
  /** The stack whose configuration it is: the resource's own. */
  readonly stack: string;
  /** The configuration's body, when the stack declares it. */
  readonly config?: Body;
  readonly region?: string;
  readonly reason?: 'undeclared' | 'no-such-alias' | 'no-region';
}

/** What a `kms_key_id`-style field names. */
export type KeyReference =
  | { readonly kind: 'customer'; readonly key: Resource }
  | { readonly kind: 'aws-managed'; readonly value: string }
  | { readonly kind: 'external'; readonly value: string };

const REMOTE_STATE_PREFIX = 'cross-stack-reference-input-';
const WHOLE_INTERPOLATION = /^\$\{([^{}]+)\}$/;
const INTERPOLATION = /\$\{([^{}]*)\}/g;
const EXPRESSION = /^(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)((?:\.[A-Za-z0-9_-]+|\[\d+\])*)$/;
const EXPRESSION_IN_TEXT = /(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+|\[\d+\])*/g;
/** Not resource types, though they read like `<type>.<name>`. */
const NOT_RESOURCES = new Set(['var', 'local', 'module', 'each', 'count', 'path', 'terraform', 'self']);

/** Every resource of an environment's stacks, and the references between them, cross-stack ones included. */
export class PlatformGraph {
  private readonly byAddress = new Map<string, Resource>();
  private readonly byType = new Map<string, Resource[]>();
  private readonly byPath = new Map<string, Resource>();

  constructor(private readonly stacks: ReadonlyMap<string, TerraformJson>) {
    for (const [stack, json] of stacks) {
      for (const mode of ['resource', 'data'] as const) {
        for (const [type, byName] of Object.entries(json[mode] ?? {})) {
          for (const [name, body] of Object.entries(byName ?? {})) {
            const address = mode === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
            const metadataPath = ((body['//'] as Body | undefined)?.metadata as Body | undefined)?.path;
            const resource: Resource = {
              stack,
              mode,
              type,
              name,
              address,
              path: typeof metadataPath === 'string' ? metadataPath : `${stack}/${address}`,
              body,
            };
            this.byAddress.set(`${stack}\u0000${address}`, resource);
            this.byPath.set(resource.path, resource);
            const key = `${mode}:${type}`;
            this.byType.set(key, [...(this.byType.get(key) ?? []), resource]);
          }
        }
      }
    }
  }

  get stackNames(): string[] {
    return [...this.stacks.keys()];
  }

  /** Every resource (or, with `mode` `data`, data source) of a type, in every stack. */
  all(type: string, mode: 'resource' | 'data' = 'resource'): Resource[] {
    return this.byType.get(`${mode}:${type}`) ?? [];
  }

  /** The resource a path as the gate prints it names. */
  atPath(resourcePath: string): Resource | undefined {
    return this.byPath.get(resourcePath);
  }

  /** The resource at a Terraform address (`aws_kms_key.x`, `data.aws_iam_policy_document.y`) of a stack. */
  get(stack: string, address: string): Resource | undefined {
    return this.byAddress.get(`${stack}\u0000${address}`);
  }

  /**
   * Where a value that is exactly one reference leads, following cross-stack references into the stack
   * that produces them: `${data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.<o>}`
   * is the expression of output `<o>` of `<stack>`. Undefined for literals and anything unresolvable.
   */
  resolve(from: Resource | string, value: unknown): Reference | undefined {
    if (typeof value !== 'string') return undefined;
    const whole = WHOLE_INTERPOLATION.exec(value.trim());
    return whole ? this.resolveExpression(stackOf(from), whole[1].trim(), 0) : undefined;
  }

  /** Every reference anywhere inside a value (strings, lists, blocks), such as both in `"${a.b.arn}/${c.d.name}/*"`. */
  referencesIn(from: Resource | string, value: unknown): Reference[] {
    const found: Reference[] = [];
    const visit = (v: unknown): void => {
      if (typeof v === 'string') {
        for (const [, inner] of v.matchAll(INTERPOLATION)) {
          for (const [expression] of inner.matchAll(EXPRESSION_IN_TEXT)) {
            const reference = this.resolveExpression(stackOf(from), expression, 0);
            if (reference) found.push(reference);
          }
        }
      } else if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') Object.values(v).forEach(visit);
    };
    visit(value);
    return found;
  }

  /** True when `value` is a reference that leads to `target` (through any number of stacks). */
  refersTo(from: Resource | string, value: unknown, target: Resource): boolean {
    const reference = this.resolve(from, value);
    return reference !== undefined && reference.resource === target;
  }

  /**
   * Resources of `type` whose `field` (a path such as `bucket` or `logging_config.log_group`; lists are
   * searched element by element) refers to `target`, or, with `literal`, holds a literal that names it:
   * how a bucket finds its encryption configuration, a VPC its flow log, a secret its rotation.
   */
  referrers(target: Resource, type: string, field: string, literal?: (value: string) => boolean): Resource[] {
    return this.all(type).filter((candidate) =>
      valuesAt(candidate.body, field).some(
        (value) => this.refersTo(candidate, value, target) || (literal !== undefined && typeof value === 'string' && !value.includes('${') && literal(value)),
      ),
    );
  }

  /**
   * The statements of the IAM policy a field holds: a reference to a `data.aws_iam_policy_document`'s
   * `json` (with its `source_policy_documents` and `override_policy_documents`), or policy JSON written
   * out. Undefined when the gate cannot see the policy (a reference to something else, an expression).
   */
  policy(from: Resource | string, value: unknown, depth = 0): Statement[] | undefined {
    if (typeof value !== 'string' || depth > 8) return undefined;
    const reference = this.resolve(from, value);
    if (reference) {
      const { resource, attribute } = reference;
      if (resource.mode === 'data' && resource.type === 'aws_iam_policy_document' && attribute === 'json') {
        const included = [...asArray(resource.body.source_policy_documents), ...asArray(resource.body.override_policy_documents)].flatMap(
          (source) => this.policy(resource, source, depth + 1) ?? [],
        );
        return [...included, ...blocks(resource.body.statement).map(statementOfDocument)];
      }
      if (resource.type === 'aws_iam_policy' && attribute === 'policy') return this.policy(resource, resource.body.policy, depth + 1);
      return undefined;
    }
    if (value.includes('${')) return undefined;
    try {
      return statementsOfJson(JSON.parse(value));
    } catch {
      return undefined;
    }
  }

  /**
   * The KMS key a field such as `kms_key_id` names: a customer-managed key of the environment (directly
   * or through an alias), an AWS-managed key (`alias/aws/<service>`), or a key the gate cannot see.
   */
  key(from: Resource | string, value: unknown): KeyReference | undefined {
    if (typeof value !== 'string' || value === '') return undefined;
    const reference = this.resolve(from, value);
    if (reference?.resource.type === 'aws_kms_key' && reference.resource.mode === 'resource') return { kind: 'customer', key: reference.resource };
    if (reference?.resource.type === 'aws_kms_alias' && reference.resource.mode === 'resource') {
      const target = this.resolve(reference.resource, reference.resource.body.target_key_id);
      if (target?.resource.type === 'aws_kms_key') return { kind: 'customer', key: target.resource };
      const alias = reference.resource.body.name;
      if (typeof alias === 'string' && alias.startsWith('alias/aws/')) return { kind: 'aws-managed', value: alias };
      return { kind: 'external', value };
    }
    if (/(^|:)alias\/aws\//.test(value)) return { kind: 'aws-managed', value };
    return { kind: 'external', value };
  }

  /**
   * The provider configuration a resource is created with, and its region: the configuration its
   * `provider` field names (`aws.dr`), or the default configuration of the provider its type belongs to
   * (`aws` for `aws_backup_vault`), always in the resource's own stack.
   */
  providerRegion(resource: Resource): ProviderRegion {
    const named = typeof resource.body.provider === 'string' && resource.body.provider !== '' ? resource.body.provider : resource.type.split('_')[0];
    const [name, alias] = named.split('.', 2) as [string, string | undefined];
    const provider = alias === undefined ? name : `${name}.${alias}`;
    const configs = blocks(this.stacks.get(resource.stack)?.provider?.[name]);
    if (configs.length === 0) return { provider, stack: resource.stack, reason: 'undeclared' };
    const config = configs.find((c) => (alias === undefined ? !isSet(c.alias) : c.alias === alias));
    if (!config) return { provider, stack: resource.stack, reason: 'no-such-alias' };
    const region = config.region;
    return typeof region === 'string' && region !== '' && !region.includes('${')
      ? { provider, stack: resource.stack, config, region }
      : { provider, stack: resource.stack, config, reason: 'no-region' };
  }

  private resolveExpression(stack: string, expression: string, depth: number): Reference | undefined {
    const match = EXPRESSION.exec(expression);
    if (!match || depth > 8) return undefined;
    const [, dataPrefix, type, name, rest] = match;
    if (!dataPrefix && NOT_RESOURCES.has(type)) return undefined;
    const attribute = rest.replace(/^\./, '');
    if (dataPrefix && type === 'terraform_remote_state') {
      const output = /^outputs\.([A-Za-z0-9_-]+)$/.exec(attribute)?.[1];
      const producer = this.producerOf(stack, name);
      const value = output && producer ? this.stacks.get(producer)?.output?.[output]?.value : undefined;
      const whole = typeof value === 'string' ? WHOLE_INTERPOLATION.exec(value.trim()) : null;
      return whole && producer ? this.resolveExpression(producer, whole[1].trim(), depth + 1) : undefined;
    }
    const resource = this.get(stack, dataPrefix ? `data.${type}.${name}` : `${type}.${name}`);
    return resource ? { resource, attribute } : undefined;
  }

  /** The stack a `terraform_remote_state` data source reads: cdktf's name for it, or its state key `<env>/<component>.tfstate`. */
  private producerOf(stack: string, remoteStateName: string): string | undefined {
    if (remoteStateName.startsWith(REMOTE_STATE_PREFIX)) {
      const named = remoteStateName.slice(REMOTE_STATE_PREFIX.length);
      if (this.stacks.has(named)) return named;
    }
    const key = (this.get(stack, `data.terraform_remote_state.${remoteStateName}`)?.body.config as Body | undefined)?.key;
    const byKey = typeof key === 'string' ? /^([^/]+)\/([^/]+)\.tfstate$/.exec(key) : null;
    return byKey && this.stacks.has(`${byKey[2]}-${byKey[1]}`) ? `${byKey[2]}-${byKey[1]}` : undefined;
  }
}

function stackOf(from: Resource | string): string {
  return typeof from === 'string' ? from : from.stack;
}

// ---------------------------------------------------------------------------------------------------
// Reading Terraform JSON values

/** A nested block as a list: cdktf writes single blocks as objects and repeated ones as lists. */
export function blocks(value: unknown): Body[] {
  if (Array.isArray(value)) return value.filter((v): v is Body => v !== null && typeof v === 'object' && !Array.isArray(v));
  return value !== null && typeof value === 'object' ? [value as Body] : [];
}

/** The first block of a nested block, whichever way it is written. */
export function block(value: unknown): Body | undefined {
  return blocks(value)[0];
}

/** Every value at a dotted path, descending through lists: `rule.apply_server_side_encryption_by_default.sse_algorithm`. */
export function valuesAt(body: unknown, fieldPath: string): unknown[] {
  let current: unknown[] = [body];
  for (const key of fieldPath.split('.')) {
    current = current.flatMap((value) => (Array.isArray(value) ? value : [value])).flatMap((value) =>
      value !== null && typeof value === 'object' && key in (value as Body) ? [(value as Body)[key]] : [],
    );
  }
  return current.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

export function asArray(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

export function strings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

/** Terraform JSON booleans: the provider takes `true` and `"true"` alike (cdktf writes some as strings). */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
export function isFalse(value: unknown): boolean {
  return value === false || value === 'false';
}

/** A set value: anything but absent, null and the empty string. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function statementOfDocument(s: Body): Statement {
  const principals = (value: unknown) => blocks(value).map((p) => ({ type: String(p.type ?? ''), identifiers: strings(p.identifiers) }));
  return {
    sid: typeof s.sid === 'string' ? s.sid : undefined,
    effect: s.effect === 'Deny' ? 'Deny' : 'Allow',
    actions: strings(s.actions),
    notActions: strings(s.not_actions),
    resources: strings(s.resources),
    notResources: strings(s.not_resources),
    principals: principals(s.principals),
    notPrincipals: principals(s.not_principals),
    conditions: blocks(s.condition).map((c) => ({ test: String(c.test ?? ''), variable: String(c.variable ?? ''), values: strings(c.values) })),
  };
}

function statementsOfJson(document: unknown): Statement[] | undefined {
  if (!document || typeof document !== 'object') return undefined;
  const raw = (document as Body).Statement;
  if (raw === undefined) return undefined;
  const principals = (value: unknown): Principal[] => {
    if (value === undefined) return [];
    if (value === '*') return [{ type: '*', identifiers: ['*'] }];
    return Object.entries((value as Body) ?? {}).map(([type, ids]) => ({ type, identifiers: strings(ids) }));
  };
  return blocks(raw).map((s) => ({
    sid: typeof s.Sid === 'string' ? s.Sid : undefined,
    effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
    actions: strings(s.Action),
    notActions: strings(s.NotAction),
    resources: strings(s.Resource),
    notResources: strings(s.NotResource),
    principals: principals(s.Principal),
    notPrincipals: principals(s.NotPrincipal),
    conditions: Object.entries((s.Condition as Body | undefined) ?? {}).flatMap(([test, byVariable]) =>
      Object.entries((byVariable as Body) ?? {}).map(([variable, values]) => ({ test, variable, values: strings(values) })),
    ),
  }));
}

/** True when an IAM pattern (`kms:Encrypt*`, `*`) matches a concrete action or ARN, case-insensitively as IAM does for actions. */
export function iamMatches(pattern: string, value: string, caseInsensitive = true): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '').test(value);
}

// ---------------------------------------------------------------------------------------------------
// Rules and their evaluation

/** What a rule says about one resource. */
export type Outcome = { readonly pass: true } | { readonly pass: false; readonly field: string; readonly message: string };

export const pass = (): Outcome => ({ pass: true });
export const fail = (field: string, message: string): Outcome => ({ pass: false, field, message });

/** The environment a rule is evaluated in, and the graph of its stacks. */
export interface RuleContext {
  readonly graph: PlatformGraph;
  readonly env: { readonly name: string; readonly tier: Tier };
}

export interface Rule {
  /** `GW-<AREA>-<nn>`, e.g. `GW-S3-01`; waivers name it. */
  readonly id: string;
  /** What the rule checks, in one line. */
  readonly title: string;
  /** The checkov checks that test the same thing (from checkov's own source), or none. */
  readonly checkov: readonly string[];
  /** How the rule differs from those checks, or why checkov has none. */
  readonly checkovNote?: string;
  /** Why it matters. */
  readonly why: string;
  /** The resource types the rule judges; each resource of these types gets one verdict. */
  readonly subjects: readonly string[];
  /** The tiers the rule applies to. @default - every tier */
  readonly tiers?: readonly Tier[];
  /** The verdict on one resource; undefined when the rule does not apply to it (an HTTP listener has no TLS policy). */
  check(resource: Resource, context: RuleContext): Outcome | undefined;
}

/** A failure an environment accepts (`policy.waivers` in its config). */
export interface Waiver {
  readonly rule: string;
  readonly resource: string;
  readonly reason: string;
}

export type Verdict = 'PASS' | 'FAIL' | 'WAIVED';

export interface Row {
  readonly rule: string;
  readonly resource: string;
  readonly verdict: Verdict;
  /** For a failure: the field that fails (or is missing), e.g. `enable_key_rotation`. */
  readonly field?: string;
  readonly message?: string;
  /** For a waived failure: the waiver's reason. */
  readonly reason?: string;
  /** The row is a waiver that matched no failure. */
  readonly staleWaiver?: boolean;
}

export interface EnvironmentReport {
  readonly env: string;
  readonly tier: Tier;
  readonly stacks: readonly string[];
  readonly rows: readonly Row[];
  readonly passed: number;
  /** Unwaived failures, stale waivers included. */
  readonly failed: number;
  readonly waived: number;
  readonly staleWaivers: number;
}

export interface EvaluateOptions {
  readonly env: { readonly name: string; readonly tier: Tier };
  /** The environment's stacks by name. */
  readonly stacks: ReadonlyMap<string, TerraformJson>;
  readonly rules: readonly Rule[];
  readonly waivers?: readonly Waiver[];
}

/**
 * Judges every resource of every rule's subject types in the environment's stacks, applies the
 * waivers, and reports stale waivers (naming no failure of this run) as failures of their own.
 */
export function evaluate(options: EvaluateOptions): EnvironmentReport {
  const graph = new PlatformGraph(options.stacks);
  const context: RuleContext = { graph, env: options.env };
  const waivers = options.waivers ?? [];
  const used = new Set<number>();
  const rows: Row[] = [];
  for (const rule of options.rules) {
    if (rule.tiers && !rule.tiers.includes(options.env.tier)) continue;
    const subjects = rule.subjects.flatMap((type) => graph.all(type)).sort((a, b) => a.path.localeCompare(b.path));
    for (const resource of subjects) {
      const outcome = rule.check(resource, context);
      if (!outcome) continue;
      if (outcome.pass) {
        rows.push({ rule: rule.id, resource: resource.path, verdict: 'PASS' });
        continue;
      }
      const waiver = waivers.findIndex((w) => w.rule === rule.id && w.resource === resource.path);
      if (waiver >= 0) used.add(waiver);
      rows.push({
        rule: rule.id,
        resource: resource.path,
        verdict: waiver >= 0 ? 'WAIVED' : 'FAIL',
        field: outcome.field,
        message: outcome.message,
        reason: waiver >= 0 ? waivers[waiver].reason : undefined,
      });
    }
  }
  const known = new Set(options.rules.map((rule) => rule.id));
  waivers.forEach((waiver, i) => {
    if (used.has(i)) return;
    rows.push({
      rule: waiver.rule,
      resource: waiver.resource,
      verdict: 'FAIL',
      field: `policy.waivers[${i}]`,
      message: !known.has(waiver.rule)
        ? `stale waiver: there is no rule ${waiver.rule}; remove the waiver from environments/${options.env.name}.ts`
        : `stale waiver: ${waiver.rule} does not fail on ${waiver.resource}${graph.atPath(waiver.resource) ? '' : ' (no such resource)'}; remove the waiver from environments/${options.env.name}.ts`,
      staleWaiver: true,
    });
  });
  const count = (verdict: Verdict) => rows.filter((row) => row.verdict === verdict).length;
  return {
    env: options.env.name,
    tier: options.env.tier,
    stacks: graph.stackNames,
    rows,
    passed: count('PASS'),
    failed: count('FAIL'),
    waived: count('WAIVED'),
    staleWaivers: rows.filter((row) => row.staleWaiver).length,
  };
}

// ---------------------------------------------------------------------------------------------------
// Loading synthesized output

interface Manifest {
  readonly stacks: Record<string, { readonly name: string; readonly synthesizedStackPath: string }>;
}

/** Every stack of a synthesized output directory (cdktf's `manifest.json` and the files it names), by name. */
export function loadSynthesized(outdir: string): Map<string, TerraformJson> {
  const manifestPath = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) throw new Error(`${outdir} is not a synthesized output: it has no manifest.json`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
  return new Map(
    Object.values(manifest.stacks).map((stack) => [stack.name, JSON.parse(fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), 'utf8')) as TerraformJson]),
  );
}

/** The stacks of one environment: Groundwork names them `<component>-<env>`, components having no hyphen. */
export function stacksOfEnvironment(stacks: ReadonlyMap<string, TerraformJson>, env: string): Map<string, TerraformJson> {
  return new Map([...stacks].filter(([name]) => name.slice(name.indexOf('-') + 1) === env && name.indexOf('-') > 0));
}
