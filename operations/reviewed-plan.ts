import type { ChangeSetFile, PlannedStack } from './change-sets';
import type { StackJson } from './environment-stacks';
import { describeChange, type PlanChanges, type ResourceChange } from './plan-changes';

/**
 * What a provisional stack's apply may find changed beyond its reviewed plan: the attributes and outputs
 * fed, directly or through other resources of the stack, by dependency outputs the reviewed change alters.
 * Keys are `<address>.<attribute>` and `output.<name>`.
 */
export type FedByUpstream = ReadonlySet<string>;

/**
 * The attributes of a stack's resources (and its outputs) whose expressions read a dependency output that
 * the reviewed change alters, or any resource or data source already fed (a replaced resource's ID changes
 * too). cdktf
 * reads another stack's outputs through `data.terraform_remote_state.cross-stack-reference-input-<stack>`.
 */
export function fedByUpstream(stackJson: StackJson, changedOutputs: ReadonlyMap<string, readonly string[]>): FedByUpstream {
  const references = new Set<string>();
  for (const [stack, outputs] of changedOutputs) {
    for (const output of outputs) references.add(`data.terraform_remote_state.cross-stack-reference-input-${stack}.outputs.${output}`);
  }
  const fed = new Set<string>();
  if (references.size === 0) return fed;
  const reads = (value: unknown) => {
    const text = JSON.stringify(value) ?? '';
    return [...references].some((reference) => text.includes(reference));
  };
  // Data sources pass values on too: a policy document that reads a changed secret ARN changes the policy.
  const blocks = (prefix: string, byType: StackJson['resource']) =>
    Object.entries(byType ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, config]) => ({ address: `${prefix}${type}.${name}`, config })));
  const resources = [...blocks('', stackJson.resource), ...blocks('data.', stackJson.data)];
  const fedResources = new Set<string>();
  // Until nothing new is fed: a resource fed by another is found once that one is.
  for (let grown = true; grown; ) {
    grown = false;
    for (const { address, config } of resources) {
      for (const [attribute, value] of Object.entries(config)) {
        if (fed.has(`${address}.${attribute}`) || !reads(value)) continue;
        fed.add(`${address}.${attribute}`);
        if (!fedResources.has(address)) {
          fedResources.add(address);
          // A reference to the resource is `${<type>.<name>.<attribute>}`; the dot keeps `app` from matching `app_2`.
          references.add(`${address}.`);
        }
        grown = true;
      }
    }
  }
  for (const [name, output] of Object.entries(stackJson.output ?? {})) if (reads(output.value)) fed.add(`output.${name}`);
  return fed;
}

/** The outputs of the stack's dependencies that the reviewed change alters, by dependency. */
export function upstreamOutputsChanging(reviewed: ChangeSetFile, entry: PlannedStack): Map<string, readonly string[]> {
  const changing = new Map<string, readonly string[]>();
  for (const dependency of entry.dependencies) {
    const upstream = reviewed.stacks.find((other) => other.stack === dependency);
    if (upstream?.status === 'planned' && upstream.outputs.length > 0) changing.set(dependency, upstream.outputs);
  }
  return changing;
}

/**
 * How a fresh plan differs from the reviewed one, a line per resource or output; none when they match.
 * Where `fed` names what changed dependency outputs feed, those attributes may differ, and a resource whose
 * every difference is fed may appear or vanish; nothing else may.
 */
export function differencesFromReviewed(reviewed: PlanChanges, fresh: PlanChanges, fed: FedByUpstream = new Set()): string[] {
  const before = new Map(reviewed.resources.map((change) => [change.address, change]));
  const after = new Map(fresh.resources.map((change) => [change.address, change]));
  const lines: string[] = [];
  for (const address of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(address);
    const now = after.get(address);
    const [wasKey, nowKey] = [was && comparable(was, fed), now && comparable(now, fed)];
    if (JSON.stringify(wasKey) === JSON.stringify(nowKey)) continue;
    lines.push(`\`${address}\`: reviewed ${was ? describeChange(was).slice(address.length + 2) : 'no change'}, now ${now ? describeChange(now).slice(address.length + 2) : 'no change'}`);
  }
  const outputs = (names: readonly string[]) => new Set(names.filter((name) => !fed.has(`output.${name}`)));
  const [wasOutputs, nowOutputs] = [outputs(reviewed.outputs), outputs(fresh.outputs)];
  for (const name of [...new Set([...wasOutputs, ...nowOutputs])].sort()) {
    if (wasOutputs.has(name) !== nowOutputs.has(name)) lines.push(`output \`${name}\`: ${wasOutputs.has(name) ? 'reviewed to change, now unchanged' : 'reviewed unchanged, now changes'}`);
  }
  return lines;
}

/**
 * The part of a change that must match the reviewed one: without the fed attributes, and undefined when
 * the change is there only because of them (an update, or a replacement they force).
 */
function comparable(change: ResourceChange, fed: FedByUpstream): object | undefined {
  const own = (names: readonly string[]) => names.filter((name) => !fed.has(`${change.address}.${name}`));
  const attributes = own(change.attributes);
  const forcedBy = own(change.forcedBy);
  const anyFed = attributes.length < change.attributes.length;
  const replaced = change.actions.includes('delete') && change.actions.includes('create');
  // A replacement forced only by fed attributes is, for the review, the update those attributes make.
  const actions = replaced && anyFed && forcedBy.length === 0 ? ['update'] : change.actions;
  if (anyFed && attributes.length === 0 && !change.importing && actions.join() === 'update') return undefined;
  return { type: change.type, actions, attributes, unknown: own(change.unknown), forcedBy, importing: change.importing };
}
