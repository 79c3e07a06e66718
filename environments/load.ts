import type { z } from 'zod';
import { registryProblems } from './registry-rules';
import { EnvironmentSchema, type Environment } from './schema';
import { secretScans } from './secret-values';

/** Every problem found in the environments, each as `<env>.<field path>: <message>`. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates every environment of the registry (key = file name = environment name) and returns them
 * resolved, or throws one ConfigError listing every problem of every environment.
 */
export function loadEnvironments(registry: Readonly<Record<string, unknown>>): Environment[] {
  const problems: string[] = [];
  const loaded: Environment[] = [];
  const entries = Object.entries(registry);
  const secretsOf = secretScans(entries.map(([, config]) => config));
  entries.forEach(([key, config], i) => {
    const envProblems: string[] = [];
    // Checked on the raw value, so it is reported even when other fields are invalid.
    const name = (config as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && name !== key) {
      envProblems.push(`${key}.name: is "${name}" but the environment is registered as "${key}"; they must match so stack names follow the file`);
    }
    const result = EnvironmentSchema.safeParse(config, { error: requiredFieldMessage });
    if (!result.success) envProblems.push(...result.error.issues.flatMap((issue) => describeIssue(key, issue)));
    const secrets = secretsOf[i];
    envProblems.push(...secrets.problems.map((problem) => `${[key, ...problem.path].join('.')}: ${problem.message}`));
    // An environment holding a secret is not loaded, so no later check can quote it either.
    if (result.success && secrets.problems.length === 0) loaded.push(result.data);
    // Other messages may quote a field's value (`"<zone>" is not a zone`): never print a detected secret.
    problems.push(...envProblems.map(secrets.redact));
  });
  // These read raw values, which may hold a secret another environment's scan found.
  problems.push(...registryProblems(registry).map((problem) => secretsOf.reduce((text, scan) => scan.redact(text), problem)));
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded;
}

function requiredFieldMessage(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;
}

function describeIssue(key: string, issue: z.core.$ZodIssue): string[] {
  const path = [key, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((field) => `${path}.${field}: is not a known field (check its spelling)`);
  }
  if (issue.code === 'invalid_key') {
    // A record key failed its own checks; the useful messages are the nested ones.
    return issue.issues.map((inner) => `${path}: ${inner.message}`);
  }
  return [`${path}: ${issue.message}`];
}
