/** Defaults computed from other fields; shared by the schema (to fill them in) and the rules (to check them). */

/** The state bucket's name when the environment does not set one: S3 bucket names are global. */
export function defaultStateBucket(name: string, accountId: string): string {
  return `groundwork-${name}-tfstate-${accountId}`;
}
