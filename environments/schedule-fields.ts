import { CronPattern } from 'croner';
import { z } from 'zod';

/**
 * Schedule fields: AWS Backup's cron expressions, and ArgoCD's sync-window schedules and Go durations.
 * croner parses every cron field; this module only translates AWS's and ArgoCD's dialects into croner's
 * where they differ, and says which field is wrong.
 */

type CronOptions = NonNullable<ConstructorParameters<typeof CronPattern>[2]>;

/** One field of a cron dialect, as that dialect's documentation or source states it. */
interface FieldRule {
  readonly name: string;
  /** The values it takes, for messages. */
  readonly values: string;
  /** Its wildcards, for messages. */
  readonly wildcards: string;
  /** The characters it may hold: digits, its wildcards, and three-letter names where it has them. */
  readonly characters: RegExp;
}

/**
 * A step needs a start (`*\/5`, `0/5`); croner's `sloppyRanges` (needed for AWS's and robfig's `0/5`,
 * meaning "from 0 to the end, every 5") would also read a bare `/5`, which neither dialect takes.
 */
const hasBareStep = (field: string) => /(^|,)\//.test(field);

/** Parses one field with croner, every other field `*` so that an error can only be this field's. */
function parseField(blank: readonly string[], position: number, field: string, options: CronOptions): CronPattern | undefined {
  try {
    return new CronPattern(blank.map((part, i) => (i === position ? field : part)).join(' '), undefined, options);
  } catch {
    return undefined;
  }
}

// --- AWS: cron(minutes hours day-of-month month day-of-week year) ----------------------------------

/**
 * The fields of AWS's cron dialect, from the table of EventBridge's "Cron expressions reference", which
 * AWS Backup's API reference (BackupRule.ScheduleExpression) points to.
 */
const AWS_FIELDS: readonly FieldRule[] = [
  { name: 'minutes', values: '0-59', wildcards: ', - * /', characters: /^[\d,*/-]+$/ },
  { name: 'hours', values: '0-23', wildcards: ', - * /', characters: /^[\d,*/-]+$/ },
  { name: 'day-of-month', values: '1-31', wildcards: ', - * ? / L W', characters: /^[\d,*?/LW-]+$/ },
  { name: 'month', values: '1-12 or JAN-DEC', wildcards: ', - * /', characters: /^(?:[\d,*/-]|[a-z]{3})+$/i },
  { name: 'day-of-week', values: '1-7 or SUN-SAT', wildcards: ', - * ? L #', characters: /^(?:[\d,*?L#-]|[a-z]{3})+$/i },
  { name: 'year', values: '1970-2199', wildcards: ', - * /', characters: /^[\d,*/-]+$/ },
];
const MINUTES = 0;
const DAY_OF_MONTH = 2;
const DAY_OF_WEEK = 4;
const YEAR = 5;

/** croner's seven-part pattern (second first) in Quartz mode: day-of-week 1-7 from Sunday, as AWS counts. */
const AWS_BLANK = ['0', '*', '*', '*', '*', '*', '*'];
const QUARTZ: CronOptions = { mode: '7-part', alternativeWeekdays: true, sloppyRanges: true };
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

/** An AWS field in croner's dialect: each rewrite is where the two differ. */
function toCroner(index: number, field: string): string {
  // AWS's "?" (no specific value) leaves the days to the other day field: for this field, any day.
  if (field === '?') return '*';
  // Quartz's "L" alone in day-of-week is the week's last day, Saturday; croner takes L only after a day ("6L").
  if (index === DAY_OF_WEEK && field === 'L') return '7';
  // AWS's years end at 2199 and croner's at 9999: an open range ("*", "*/5", "2030/5") is closed at 2199, so
  // the years checked below are the ones AWS would run.
  if (index === YEAR) return field.replace(/(^|,)\*(?=\/|,|$)/g, `$1${FIRST_YEAR}-${LAST_YEAR}`).replace(/(^|,)(\d+)\//g, `$1$2-${LAST_YEAR}/`);
  return field;
}

/** croner's reading of an AWS field, or undefined if AWS would refuse it. */
function parseAwsField(index: number, field: string): CronPattern | undefined {
  const rule = AWS_FIELDS[index];
  if (!rule.characters.test(field) || hasBareStep(field) || (field.includes('?') && field !== '?')) return undefined;
  const pattern = parseField(AWS_BLANK, index + 1, toCroner(index, field), QUARTZ);
  if (!pattern) return undefined;
  // croner's Quartz mode folds day-of-week 8 into Sunday; its standard mode (0-7) refuses 8 and above,
  // so a day-of-week AWS takes parses both ways.
  if (index === DAY_OF_WEEK && !parseField(AWS_BLANK, index + 1, toCroner(index, field), { ...QUARTZ, alternativeWeekdays: false })) return undefined;
  if (index === YEAR && pattern.year.some((on, year) => on && (year < FIRST_YEAR || year > LAST_YEAR))) return undefined;
  return pattern;
}

function awsFieldProblem(index: number, field: string): string | undefined {
  const rule = AWS_FIELDS[index];
  if (index === DAY_OF_WEEK && field.includes('#') && field.includes(',')) {
    return `${rule.name} field "${field}" is not valid: AWS takes a "#" expression (such as "3#2", the second Tuesday) only alone in its field`;
  }
  if (!parseAwsField(index, field)) return `${rule.name} field "${field}" is not valid: AWS allows ${rule.values} with the wildcards ${rule.wildcards}`;
  return undefined;
}

/** The fields of an AWS cron expression, or the problem with its shape and fields. */
function awsCron(expression: string): { readonly fields: readonly string[] } | { readonly problem: string } {
  const body = /^cron\((.*)\)$/.exec(expression)?.[1];
  if (body === undefined) return { problem: 'must be an AWS cron expression "cron(minutes hours day-of-month month day-of-week year)" in UTC, such as "cron(0 3 * * ? *)"' };
  const fields = body.trim().split(/\s+/);
  if (fields.length !== AWS_FIELDS.length) {
    return { problem: `must be an AWS cron expression with six fields (minutes hours day-of-month month day-of-week year), not ${fields.length}, such as "cron(0 3 * * ? *)"` };
  }
  for (const [index, field] of fields.entries()) {
    const problem = awsFieldProblem(index, field);
    if (problem) return { problem };
  }
  const dayOfMonth = fields[DAY_OF_MONTH];
  const dayOfWeek = fields[DAY_OF_WEEK];
  if (dayOfMonth === '?' && dayOfWeek === '?') return { problem: 'has "?" in both day-of-month and day-of-week: AWS needs exactly one of them to be "?", such as "cron(0 3 * * ? *)"' };
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    return { problem: `sets both day-of-month ("${dayOfMonth}") and day-of-week ("${dayOfWeek}"): AWS needs exactly one of them to be "?", such as "cron(0 3 * * ? *)"` };
  }
  return { fields };
}

function awsBackupScheduleProblem(expression: string): string | undefined {
  // AWS Backup's API reference asks for "a cron expression"; its API refuses rate(...) (Terraform AWS
  // provider maintainers, hashicorp/terraform-provider-aws#8269; AWS CDK's BackupPlanRule: "Only cron
  // expressions are supported").
  if (expression.startsWith('rate(')) return 'is a rate expression: AWS Backup takes only cron expressions, such as "cron(0 5 * * ? *)"';
  const cron = awsCron(expression);
  if ('problem' in cron) return cron.problem;
  // AWS Backup Developer Guide, "Backup plan options and configuration" (Backup frequency): a cron expression
  // "creates snapshot backups as frequently as hourly"; CreateBackupPlan refuses more with "The interval
  // between backup jobs shouldn't be less than 60 minutes." Two minutes of one hour are less than 60 apart,
  // and one minute of each hour never is.
  const minutes = cron.fields[MINUTES];
  const perHour = parseAwsField(MINUTES, minutes)!.minute.filter(Boolean).length;
  if (perHour > 1) return `runs more than once an hour (its minutes field "${minutes}" selects ${perHour} minutes of each hour): AWS Backup needs at least 60 minutes between backups`;
  return undefined;
}

/**
 * When an AWS Backup rule starts: `cron(minutes hours day-of-month month day-of-week year)` in UTC, at most
 * once an hour. AWS Backup takes no `rate(...)` expressions.
 */
export const awsBackupSchedule = z.string().superRefine((expression, ctx) => {
  const problem = awsBackupScheduleProblem(expression);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * When an EC2 Image Builder pipeline evaluates its start condition: an AWS cron expression in UTC, the
 * dialect of EventBridge's (Image Builder User Guide, "Use cron expressions in Image Builder").
 */
export const imageBuilderSchedule = z.string().superRefine((expression, ctx) => {
  const cron = awsCron(expression);
  if ('problem' in cron) ctx.addIssue({ code: 'custom', message: cron.problem });
});

// --- ArgoCD: sync-window schedules (robfig/cron v3, pinned by argo-cd at bc59245fe10e) ---------------

/**
 * ArgoCD parses a sync window's schedule with robfig/cron v3's
 * `cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)` (argo-cd
 * pkg/apis/application/v1alpha1/types.go, SyncWindow.Validate): five fields and no descriptors such as
 * `@daily`. The bounds are robfig's (spec.go); it takes `?` as `*` in any field, and no L, W or #.
 */
const ARGOCD_FIELDS: readonly FieldRule[] = [
  { name: 'minute', values: '0-59', wildcards: ', - * ? /', characters: /^[\d,*?/-]+$/ },
  { name: 'hour', values: '0-23', wildcards: ', - * ? /', characters: /^[\d,*?/-]+$/ },
  { name: 'day-of-month', values: '1-31', wildcards: ', - * ? /', characters: /^[\d,*?/-]+$/ },
  { name: 'month', values: '1-12 or JAN-DEC', wildcards: ', - * ? /', characters: /^(?:[\d,*?/-]|[a-z]{3})+$/i },
  { name: 'day-of-week', values: '0-6 or SUN-SAT', wildcards: ', - * ? /', characters: /^(?:[\d,*?/-]|[a-z]{3})+$/i },
];
const ARGOCD_DAY_OF_WEEK = 4;
const ROBFIG_BLANK = ['*', '*', '*', '*', '*'];
const ROBFIG: CronOptions = { mode: '5-part', sloppyRanges: true };
/** croner reads day-of-week 7 as Sunday too; robfig's day-of-week ends at 6 (SAT), so a 7 is refused. */
const hasWeekdaySeven = (field: string) => /(^|[,-])0*7(?=$|[,/-])/.test(field);
const ARGOCD_EXAMPLE = '"0 14 * * 1-5" (14:00 UTC, Monday to Friday)';

function argoCdScheduleProblem(expression: string): string | undefined {
  if (expression.trim().startsWith('@')) return `is a descriptor: ArgoCD's sync windows take five cron fields (minute hour day-of-month month day-of-week), such as ${ARGOCD_EXAMPLE}`;
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== ARGOCD_FIELDS.length) {
    return `must be a five-field cron expression (minute hour day-of-month month day-of-week), not ${fields.length}, such as ${ARGOCD_EXAMPLE}`;
  }
  for (const [index, field] of fields.entries()) {
    const rule = ARGOCD_FIELDS[index];
    const valid =
      rule.characters.test(field) &&
      !hasBareStep(field) &&
      !(index === ARGOCD_DAY_OF_WEEK && hasWeekdaySeven(field)) &&
      parseField(ROBFIG_BLANK, index, field, ROBFIG) !== undefined;
    if (!valid) return `${rule.name} field "${field}" is not valid: ArgoCD allows ${rule.values} with the wildcards ${rule.wildcards}`;
  }
  return undefined;
}

/** When an ArgoCD sync window opens: five cron fields, minute hour day-of-month month day-of-week. */
export const argoCdSchedule = z.string().superRefine((expression, ctx) => {
  const problem = argoCdScheduleProblem(expression);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// --- Go durations --------------------------------------------------------------------------------

/**
 * Go's `time.ParseDuration` grammar: an optional sign, then decimal numbers each with a unit, or a bare "0".
 * It is a regular language, so a strict regular expression states it exactly; the npm duration parsers
 * (ms, parse-duration) read a looser, human syntax ("1 hour", "2d") that Go refuses.
 */
const GO_COMPONENT = String.raw`(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)`;
const GO_DURATION = new RegExp(`^[-+]?(?:(?:${GO_COMPONENT})+|0)$`);
const NANOSECONDS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
/** time.Duration is an int64 of nanoseconds: about 2562047h. */
const MAX_NANOSECONDS = 2 ** 63 - 1;

/** The nanoseconds of a duration in Go's syntax (checked by GO_DURATION), ignoring its sign. */
const nanosecondsOf = (duration: string) => [...duration.matchAll(new RegExp(GO_COMPONENT, 'g'))].reduce((sum, [, value, unit]) => sum + Number(value) * NANOSECONDS[unit], 0);

function goDurationProblem(duration: string): string | undefined {
  if (!GO_DURATION.test(duration)) return 'must be a Go duration such as "4h", "30m", "90s" or "1h30m": numbers, each with a unit h, m, s, ms, us or ns';
  const nanoseconds = nanosecondsOf(duration);
  // Go truncates to whole nanoseconds, so "0.5ns" is zero too.
  if (duration.startsWith('-') || nanoseconds < 1) return 'must be longer than zero';
  if (nanoseconds > MAX_NANOSECONDS) return 'is longer than a Go duration can be (about 2562047h)';
  return undefined;
}

/**
 * A positive duration as Go's `time.ParseDuration` reads it, e.g. `4h`, `30m`, `1h30m`: ArgoCD's sync-window
 * durations.
 */
export const goDuration = z.string().superRefine((duration, ctx) => {
  const problem = goDurationProblem(duration);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An ArgoCD retry backoff: a Go duration, or a bare number of seconds, as ArgoCD's Backoff documents it. */
export const argoCdBackoff = z.string().superRefine((duration, ctx) => {
  const problem = /^\d+$/.test(duration) ? (Number(duration) > 0 ? undefined : 'must be longer than zero') : goDurationProblem(duration);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Seconds of a valid `goDuration` or `argoCdBackoff`, for comparing two of them. */
export function durationSeconds(duration: string): number {
  return /^\d+$/.test(duration) ? Number(duration) : nanosecondsOf(duration) / 1e9;
}
