import { z } from 'zod';

/**
 * An existing resource a stack adopts at its next apply instead of creating it: a Terraform `import` block
 * (cdktf's `importFrom`), reviewed in the pull request's diff ("to import") like any change. Remove the
 * entry once it is deployed; see docs/runbooks/import.md.
 */
const ImportSchema = z.strictObject({
  /**
   * The resource's path as the policy gate and the synthesized JSON's metadata name it:
   * `<stack>/<construct path>`, e.g. `network-prod/flow-logs/role`.
   */
  resource: z.string().regex(/^[a-z0-9]+-[a-z0-9-]+\/\S+$/, 'must be a resource path "<stack>/<construct path>", e.g. "network-prod/flow-logs/role"'),
  /** The existing object's import id, as the AWS provider documents it for the type: a name, an ARN or an id. */
  id: z.string().trim().min(1, 'must be the import id of the existing object'),
});

export const ImportsSchema = z.array(ImportSchema).default([]);
