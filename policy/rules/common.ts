// Relations more than one rule file follows.
import { iamMatches, type PlatformGraph, type ProviderRegion, type Resource, type Statement } from '../engine';

/** True when a statement's principals include everyone (`*`, or `AWS: *`). */
export function hasAnyPrincipal(statement: Statement): boolean {
  return statement.principals.some((p) => (p.type === '*' || p.type === 'AWS') && p.identifiers.includes('*'));
}

/** True when a statement's actions include every one of `actions` (patterns such as `kms:*` count). */
export function allowsActions(statement: Statement, actions: readonly string[]): boolean {
  return actions.every((action) => statement.actions.some((pattern) => iamMatches(pattern, action)));
}

/** The service principals of a statement (`logs.eu-west-1.amazonaws.com`, `cloudwatch.amazonaws.com`). */
export function servicePrincipals(statement: Statement): string[] {
  return statement.principals.filter((p) => p.type === 'Service').flatMap((p) => [...p.identifiers]);
}

/**
 * The Allow statements of a KMS key's policy that let a service (principal matching `service`) call
 * every one of `actions`, or undefined when the key's policy cannot be read.
 */
export function keyGrantsTo(graph: PlatformGraph, key: Resource, service: RegExp, actions: readonly string[]): Statement[] | undefined {
  const statements = graph.policy(key, key.body.policy);
  if (!statements) return undefined;
  return statements.filter((s) => s.effect === 'Allow' && servicePrincipals(s).some((p) => service.test(p)) && allowsActions(s, actions));
}

export const WORLD = ['0.0.0.0/0', '::/0'];

/** Why the gate cannot tell a provider configuration's region, in a sentence's words. */
export function unknownRegion(where: ProviderRegion): string {
  switch (where.reason) {
    case 'undeclared':
      return `stack ${where.stack} declares no ${where.provider.split('.')[0]} provider`;
    case 'no-such-alias':
      return `stack ${where.stack} declares no provider ${where.provider}`;
    default:
      return `provider ${where.provider} of stack ${where.stack} has no literal region (Terraform would take the region of whoever runs it)`;
  }
}
