import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environments, loadEnvironments } from '../../environments';
import { synthesize, type SynthesizeOptions } from '../../lib/synthesize';

/** A synthesized stack's Terraform JSON (the shape Terraform reads: resource.<type>.<name>, ...). */
export interface StackJson {
  terraform: { backend?: Record<string, Record<string, unknown>>; required_providers: Record<string, unknown> };
  provider: Record<string, Record<string, unknown>[]>;
  resource: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  ephemeral?: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, { value: unknown; description?: string }>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `groundwork-${prefix}-`));
}

/** Synthesizes the registry into a fresh directory and returns it. */
export function synthesizeInto(registry: Readonly<Record<string, unknown>> = environments, options: Omit<SynthesizeOptions, 'outdir'> = {}): string {
  const outdir = path.join(tempDir('synth'), 'cdktf.out');
  synthesize(registry, { ...options, outdir });
  return outdir;
}

/** Reads every stack of a synthesized output, by stack name. */
export function readStacks(outdir: string): Map<string, StackJson> {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  return new Map(
    Object.values(manifest.stacks as Record<string, { name: string; synthesizedStackPath: string }>).map((stack) => [
      stack.name,
      JSON.parse(fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), 'utf8')) as StackJson,
    ]),
  );
}

let shipped: { outdir: string; stacks: Map<string, StackJson> } | undefined;
function shippedSynth() {
  if (!shipped) {
    const outdir = synthesizeInto();
    shipped = { outdir, stacks: readStacks(outdir) };
  }
  return shipped;
}
/** The shipped environments, synthesized once per test file. */
export function shippedStacks(): Map<string, StackJson> {
  return shippedSynth().stacks;
}
/** Where shippedStacks() was synthesized. */
export function shippedOutdir(): string {
  return shippedSynth().outdir;
}

export function stack(name: string): StackJson {
  const found = shippedStacks().get(name);
  if (!found) throw new Error(`no stack ${name}; have ${[...shippedStacks().keys()].join(', ')}`);
  return found;
}

/** Every resource of a type in a stack, as [logical name, body] pairs. */
export function resources(json: StackJson, type: string): [string, Record<string, any>][] {
  return Object.entries(json.resource[type] ?? {});
}

/** How many resources a stack declares, of every type. */
export function resourceCount(json: StackJson): number {
  return Object.values(json.resource).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
}

/** The single resource of a type in a stack; fails when there are none or several. */
export function only(json: StackJson, type: string): Record<string, any> {
  const found = resources(json, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0][1];
}

/** The logical name a `${type.name.attr}` reference points at. */
export function referencedName(reference: string): string {
  const match = /^\$\{(?:data\.)?[a-z0-9_]+\.([^.]+)\./.exec(reference);
  if (!match) throw new Error(`not a resource reference: ${reference}`);
  return match[1];
}

/** The statements of the IAM policy document a `${data.aws_iam_policy_document.<name>.json}` reference names. */
export function policyOf(json: StackJson, reference: string): Record<string, any>[] {
  return json.data!.aws_iam_policy_document[referencedName(reference)].statement;
}

/**
 * What a cross-stack reference stands for: the expression, in the producing stack, of the output that
 * `${data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.<output>}` reads.
 */
export function crossStackSource(reference: string): { stack: string; expression: string } {
  const match = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([^.]+)\.outputs\.([^}]+)\}$/.exec(reference);
  if (!match) throw new Error(`not a cross-stack reference: ${reference}`);
  return { stack: match[1], expression: String(stack(match[1]).output![match[2]].value) };
}

export const ENVIRONMENT_NAMES = Object.keys(environments);

/** The components every environment has, in the order they deploy; all of them AWS stacks. */
export const COMPONENTS = ['state', 'network', 'secrets', 'data', 'service', 'backup', 'observability'] as const;

/**
 * The stack names of the given shipped environments, `<component>-<env>`: every component, `cluster-`
 * where the config asks for EKS, `gitops-` where it has GitOps, and the standby's where it has `failover`.
 */
export function stackNames(envs: readonly string[] = ENVIRONMENT_NAMES): string[] {
  return loadEnvironments(Object.fromEntries(envs.map((env) => [env, environments[env as keyof typeof environments]]))).flatMap((env) => [
    ...COMPONENTS.map((component) => `${component}-${env.name}`),
    ...(env.gitops?.cluster.kind === 'eks' ? [`cluster-${env.name}`] : []),
    ...(env.gitops ? [`gitops-${env.name}`] : []),
    ...(env.failover ? ['standby_network', 'standby_data', 'standby_service', 'standby_observability', 'routing'].map((component) => `${component}-${env.name}`) : []),
  ]);
}

/** Stacks that use the Kubernetes and Helm providers, which this machine cannot install: proved by synth and schema tests. */
export const isKubernetesStack = (name: string) => name.startsWith('gitops-');

/** Outputs a stack declares itself, without those cdktf adds for cross-stack references. */
export function ownOutputs(json: StackJson): string[] {
  return Object.keys(json.output ?? {}).filter((name) => !name.startsWith('cross-stack-output-'));
}
