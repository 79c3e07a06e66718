import type { EnvironmentDraft } from './schema';

/** One problem of an environment: the offending field and what is wrong with it. */
export interface Problem {
  /** Path of the offending field inside the environment. */
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * A rule over several fields. It runs only when every field it reads passed its own checks. Database
 * rules read `database.engine` too: the engine decides which fields the database has.
 */
export interface CrossFieldRule {
  /** Dotted paths of the fields the rule reads. */
  readonly reads: readonly string[];
  readonly check: (env: EnvironmentDraft) => Problem[];
}

export const problem = (path: (string | number)[], message: string): Problem[] => [{ path, message }];
export const none: Problem[] = [];

/** A problem for every element of a list that repeats an earlier one (by `key`), at `path.<index>`. */
export function repeated<T>(items: readonly T[], path: (string | number)[], describe: (item: T, first: number) => string, key: (item: T) => unknown = (item) => item): Problem[] {
  const keys = items.map(key);
  return items.flatMap((item, i) => {
    const first = keys.indexOf(keys[i]);
    return first < i ? problem([...path, i], describe(item, first)) : none;
  });
}
