/**
 * What a Terraform plan would do, read from `terraform show -json <planfile>`: one entry per resource it
 * would touch, with the top-level attributes that change.
 */
export interface ResourceChange {
  /** The resource's address in its stack, e.g. `aws_ecs_service.app_service_1A2B3C4D`. */
  readonly address: string;
  readonly type: string;
  /** Terraform's actions: `create`, `update`, `delete`, or `delete` and `create` for a replacement. */
  readonly actions: readonly string[];
  /** Top-level attributes whose planned value differs from the current one (sorted). */
  readonly attributes: readonly string[];
  /** Those of `attributes` whose new value is known only during apply. */
  readonly unknown: readonly string[];
  /** For a replacement, the top-level attributes whose change forces it (Terraform's `replace_paths`). */
  readonly forcedBy: readonly string[];
  /** True when the plan imports the resource (an `import` block, cdktf's `importFrom`). */
  readonly importing: boolean;
}

interface PlanJson {
  resource_changes?: {
    address: string;
    type: string;
    mode: 'managed' | 'data';
    change: {
      actions: string[];
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
      after_unknown?: Record<string, unknown>;
      replace_paths?: unknown[][];
      importing?: unknown;
    };
  }[];
  output_changes?: Record<string, { actions: string[] }>;
}

export interface PlanChanges {
  readonly resources: readonly ResourceChange[];
  /** Outputs the plan would add, change or remove. */
  readonly outputs: readonly string[];
}

/** The changes in a plan's JSON; reads and no-ops are not changes. */
export function planChanges(planJson: string): PlanChanges {
  const plan = JSON.parse(planJson) as PlanJson;
  const resources = (plan.resource_changes ?? [])
    .filter((change) => change.mode === 'managed' && (!isNoop(change.change.actions) || change.change.importing !== undefined))
    .map((change) => ({
      address: change.address,
      type: change.type,
      actions: change.change.actions,
      attributes: changedAttributes(change.change.before, change.change.after, change.change.after_unknown),
      unknown: Object.keys(change.change.after_unknown ?? {}).filter((key) => change.change.after_unknown![key] === true).sort(),
      forcedBy: [...new Set((change.change.replace_paths ?? []).map((replacePath) => String(replacePath[0])))].sort(),
      importing: change.change.importing !== undefined,
    }));
  const outputs = Object.entries(plan.output_changes ?? {})
    .filter(([, change]) => !isNoop(change.actions))
    .map(([name]) => name)
    .sort();
  return { resources, outputs };
}

function isNoop(actions: readonly string[]): boolean {
  return actions.every((action) => action === 'no-op' || action === 'read');
}

/** Top-level keys whose value differs, or that become unknown until apply. */
function changedAttributes(before: Record<string, unknown> | null, after: Record<string, unknown> | null, afterUnknown: Record<string, unknown> = {}): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {}), ...Object.keys(afterUnknown)]);
  return [...keys]
    .filter((key) => afterUnknown[key] === true || JSON.stringify(normalize(before?.[key])) !== JSON.stringify(normalize(after?.[key])))
    .sort();
}

/** Terraform writes an absent block as null or []; both mean "not set". */
function normalize(value: unknown): unknown {
  return Array.isArray(value) && value.length === 0 ? null : value ?? null;
}

/** What Terraform would do to the resource, in one word: `create`, `update`, `replace`, `delete`, `import`... */
export function changeAction(change: ResourceChange): string {
  if (change.actions.includes('delete') && change.actions.includes('create')) return 'replace';
  const action = change.actions.filter((one) => one !== 'no-op').join('+');
  return change.importing ? (action === '' ? 'import' : `import+${action}`) : action;
}

/**
 * One line per change: `<address>: <action> (<attributes>)`, the attributes being those an update changes
 * or those that force a replacement. Names only: values may be secrets.
 */
export function describeChange(change: ResourceChange): string {
  const action = changeAction(change);
  const attributes = action === 'replace' ? change.forcedBy : action.endsWith('update') ? change.attributes : [];
  return `${change.address}: ${action}${attributes.length > 0 ? ` (${attributes.join(', ')})` : ''}`;
}
