import type { z } from 'zod';
import { environments } from '../environments';
import { PROD_CHANGE_WINDOW } from '../environments/gitops-schema';
import { argoCdSchedule, awsBackupSchedule, goDuration } from '../environments/schedule-fields';
import { changed, expectRejected, type InvalidCase } from './support/rejected';

/** The schema's message for a value, or undefined when it takes it. */
function messageOf(schema: z.ZodType, value: string): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error.issues.map((issue) => issue.message).join('; ');
}

describe('awsBackupSchedule', () => {
  it.each([
    'cron(0 5 * * ? *)',
    'cron(0 5 ? * * *)', // AWS Backup's own default
    'cron(15 * ? * * *)', // hourly at :15, the API reference's example: once an hour is allowed
    'cron(0 0/6 * * ? *)',
    'cron(0 3 1 * ? *)',
    'cron(30 2 ? * MON-FRI *)',
    'cron(0 4 ? * SUN *)',
    'cron(0 4 ? * 1-7 *)',
    'cron(0 3 1 JAN,JUL ? *)',
    'cron(0 3 L * ? *)',
    'cron(0 3 15W * ? *)',
    'cron(0 3 ? * L *)',
    'cron(0 3 ? * 6L *)',
    'cron(0 3 ? * 3#2 *)',
    'cron(0 3 1 1 ? 2030-2035)',
    'cron(0 3 1 1 ? 2030/5)',
  ])('takes %s', (expression) => {
    expect(messageOf(awsBackupSchedule, expression)).toBeUndefined();
  });

  it.each([
    ['cron(60 3 * * ? *)', 'minutes field "60" is not valid: AWS allows 0-59 with the wildcards , - * /'],
    ['cron(? 3 * * ? *)', 'minutes field "?" is not valid: AWS allows 0-59 with the wildcards , - * /'],
    ['cron(/5 3 * * ? *)', 'minutes field "/5" is not valid: AWS allows 0-59 with the wildcards , - * /'],
    ['cron(0 25 * * ? *)', 'hours field "25" is not valid: AWS allows 0-23 with the wildcards , - * /'],
    ['cron(0 3 0 * ? *)', 'day-of-month field "0" is not valid: AWS allows 1-31 with the wildcards , - * ? / L W'],
    ['cron(0 3 32 * ? *)', 'day-of-month field "32" is not valid: AWS allows 1-31 with the wildcards , - * ? / L W'],
    ['cron(0 3 ?,1 * ? *)', 'day-of-month field "?,1" is not valid: AWS allows 1-31 with the wildcards , - * ? / L W'],
    ['cron(0 3 1 13 ? *)', 'month field "13" is not valid: AWS allows 1-12 or JAN-DEC with the wildcards , - * /'],
    ['cron(0 3 1 JANUARY ? *)', 'month field "JANUARY" is not valid: AWS allows 1-12 or JAN-DEC with the wildcards , - * /'],
    ['cron(0 3 ? * 0 *)', 'day-of-week field "0" is not valid: AWS allows 1-7 or SUN-SAT with the wildcards , - * ? L #'],
    ['cron(0 3 ? * 8 *)', 'day-of-week field "8" is not valid: AWS allows 1-7 or SUN-SAT with the wildcards , - * ? L #'],
    ['cron(0 3 ? * MON#6 *)', 'day-of-week field "MON#6" is not valid: AWS allows 1-7 or SUN-SAT with the wildcards , - * ? L #'],
    ['cron(0 3 ? * 3#1,6#3 *)', 'day-of-week field "3#1,6#3" is not valid: AWS takes a "#" expression (such as "3#2", the second Tuesday) only alone in its field'],
    ['cron(0 3 * * ? 1969)', 'year field "1969" is not valid: AWS allows 1970-2199 with the wildcards , - * /'],
    ['cron(0 3 * * ? 2190-2200)', 'year field "2190-2200" is not valid: AWS allows 1970-2199 with the wildcards , - * /'],
  ])('refuses %s, naming the field', (expression, message) => {
    expect(messageOf(awsBackupSchedule, expression)).toBe(message);
  });

  it.each([
    ['cron(0 3 * * * *)', 'sets both day-of-month ("*") and day-of-week ("*"): AWS needs exactly one of them to be "?", such as "cron(0 3 * * ? *)"'],
    ['cron(0 3 1 * MON *)', 'sets both day-of-month ("1") and day-of-week ("MON"): AWS needs exactly one of them to be "?", such as "cron(0 3 * * ? *)"'],
    ['cron(0 3 ? * ? *)', 'has "?" in both day-of-month and day-of-week: AWS needs exactly one of them to be "?", such as "cron(0 3 * * ? *)"'],
  ])('refuses %s: exactly one day field is "?"', (expression, message) => {
    expect(messageOf(awsBackupSchedule, expression)).toBe(message);
  });

  it.each([
    ['cron(0/30 * * * ? *)', 'runs more than once an hour (its minutes field "0/30" selects 2 minutes of each hour): AWS Backup needs at least 60 minutes between backups'],
    ['cron(0,59 3 * * ? *)', 'runs more than once an hour (its minutes field "0,59" selects 2 minutes of each hour): AWS Backup needs at least 60 minutes between backups'],
    ['cron(* 3 * * ? *)', 'runs more than once an hour (its minutes field "*" selects 60 minutes of each hour): AWS Backup needs at least 60 minutes between backups'],
  ])('refuses %s: more often than hourly', (expression, message) => {
    expect(messageOf(awsBackupSchedule, expression)).toBe(message);
  });

  it.each([
    ['rate(1 day)', 'is a rate expression: AWS Backup takes only cron expressions, such as "cron(0 5 * * ? *)"'],
    ['daily at 5', 'must be an AWS cron expression "cron(minutes hours day-of-month month day-of-week year)" in UTC, such as "cron(0 3 * * ? *)"'],
    ['0 3 * * ? *', 'must be an AWS cron expression "cron(minutes hours day-of-month month day-of-week year)" in UTC, such as "cron(0 3 * * ? *)"'],
    ['cron(0 3 * * ?)', 'must be an AWS cron expression with six fields (minutes hours day-of-month month day-of-week year), not 5, such as "cron(0 3 * * ? *)"'],
  ])('refuses %s: no cron(...) of six fields', (expression, message) => {
    expect(messageOf(awsBackupSchedule, expression)).toBe(message);
  });
});

describe('argoCdSchedule', () => {
  it.each(['0 14 * * 1-5', '0 0 24 12 *', '0 14 * * MON-FRI', '30 22 * * sat,sun', '0 14 * * 0', '0 14 * * 6', '0 */4 * * *', '0/15 9-17 * * 1-5', '0 0 1 JAN-MAR ?', '? ? ? ? ?'])(
    'takes %s',
    (schedule) => {
      expect(messageOf(argoCdSchedule, schedule)).toBeUndefined();
    },
  );

  it('takes the prod change window tier prod gets by default', () => {
    expect(messageOf(argoCdSchedule, PROD_CHANGE_WINDOW.schedule)).toBeUndefined();
    expect(messageOf(goDuration, PROD_CHANGE_WINDOW.duration)).toBeUndefined();
  });

  it.each([
    ['60 14 * * *', 'minute field "60" is not valid: ArgoCD allows 0-59 with the wildcards , - * ? /'],
    ['/15 14 * * *', 'minute field "/15" is not valid: ArgoCD allows 0-59 with the wildcards , - * ? /'],
    ['0 24 * * *', 'hour field "24" is not valid: ArgoCD allows 0-23 with the wildcards , - * ? /'],
    ['0 14 0 * *', 'day-of-month field "0" is not valid: ArgoCD allows 1-31 with the wildcards , - * ? /'],
    ['0 14 L * *', 'day-of-month field "L" is not valid: ArgoCD allows 1-31 with the wildcards , - * ? /'],
    ['0 14 15W * *', 'day-of-month field "15W" is not valid: ArgoCD allows 1-31 with the wildcards , - * ? /'],
    ['0 14 * 13 *', 'month field "13" is not valid: ArgoCD allows 1-12 or JAN-DEC with the wildcards , - * ? /'],
    ['0 14 * * 7', 'day-of-week field "7" is not valid: ArgoCD allows 0-6 or SUN-SAT with the wildcards , - * ? /'],
    ['0 14 * * 1-7', 'day-of-week field "1-7" is not valid: ArgoCD allows 0-6 or SUN-SAT with the wildcards , - * ? /'],
    ['0 14 * * 5L', 'day-of-week field "5L" is not valid: ArgoCD allows 0-6 or SUN-SAT with the wildcards , - * ? /'],
    ['0 14 * * 1#2', 'day-of-week field "1#2" is not valid: ArgoCD allows 0-6 or SUN-SAT with the wildcards , - * ? /'],
    ['0 14 * * MONDAY', 'day-of-week field "MONDAY" is not valid: ArgoCD allows 0-6 or SUN-SAT with the wildcards , - * ? /'],
  ])('refuses %s, naming the field', (schedule, message) => {
    expect(messageOf(argoCdSchedule, schedule)).toBe(message);
  });

  it.each([
    ['@daily', 'is a descriptor: ArgoCD\'s sync windows take five cron fields (minute hour day-of-month month day-of-week), such as "0 14 * * 1-5" (14:00 UTC, Monday to Friday)'],
    ['@every 1h', 'is a descriptor: ArgoCD\'s sync windows take five cron fields (minute hour day-of-month month day-of-week), such as "0 14 * * 1-5" (14:00 UTC, Monday to Friday)'],
    ['weekdays', 'must be a five-field cron expression (minute hour day-of-month month day-of-week), not 1, such as "0 14 * * 1-5" (14:00 UTC, Monday to Friday)'],
    ['0 0 14 * * 1-5', 'must be a five-field cron expression (minute hour day-of-month month day-of-week), not 6, such as "0 14 * * 1-5" (14:00 UTC, Monday to Friday)'],
  ])('refuses %s: not five fields', (schedule, message) => {
    expect(messageOf(argoCdSchedule, schedule)).toBe(message);
  });
});

describe('goDuration', () => {
  it.each(['4h', '30m', '90s', '5s', '3m', '1h30m', '2h45m30s', '1.5h', '.5h', '500ms', '250us', '+5m'])('takes %s', (duration) => {
    expect(messageOf(goDuration, duration)).toBeUndefined();
  });

  const notGo = 'must be a Go duration such as "4h", "30m", "90s" or "1h30m": numbers, each with a unit h, m, s, ms, us or ns';
  it.each([
    ['', notGo],
    ['5', notGo], // ArgoCD reads a bare backoff number as seconds, Go's ParseDuration refuses it
    ['4 h', notGo],
    ['1h 30m', notGo],
    ['4H', notGo],
    ['2d', notGo],
    ['h', notGo],
    ['0', 'must be longer than zero'],
    ['0s', 'must be longer than zero'],
    ['0h0m', 'must be longer than zero'],
    ['-5m', 'must be longer than zero'],
    ['2562048h', 'is longer than a Go duration can be (about 2562047h)'],
  ])('refuses "%s"', (duration, message) => {
    expect(messageOf(goDuration, duration)).toBe(message);
  });
});

describe('schedules in the environments', () => {
  const { dev, staging, prod } = environments;
  const window = (schedule: string, duration = '4h') => ({ kind: 'allow', schedule, duration });
  const cases: InvalidCase[] = [
    ['a backup at hour 25', 'prod', changed(prod, (c) => (c.backup.rules[1].schedule = 'cron(0 25 1 * ? *)')), 'prod.backup.rules.1.schedule', 'hours field "25" is not valid: AWS allows 0-23'],
    ['a backup with * in both day fields', 'prod', changed(prod, (c) => (c.backup.rules[1].schedule = 'cron(0 3 * * * *)')), 'prod.backup.rules.1.schedule', 'AWS needs exactly one of them to be "?"'],
    ['a backup in the year 2200', 'prod', changed(prod, (c) => (c.backup.rules[0].schedule = 'cron(0 1 * * ? 2200)')), 'prod.backup.rules.0.schedule', 'year field "2200" is not valid: AWS allows 1970-2199'],
    ['a backup every half hour', 'dev', changed(dev, (c) => (c.backup = { rules: [{ name: 'often', schedule: 'cron(0/30 * * * ? *)', retentionDays: 7 }] })), 'dev.backup.rules.0.schedule', 'AWS Backup needs at least 60 minutes between backups'],
    ['a backup on a rate', 'staging', changed(staging, (c) => (c.backup = { rules: [{ name: 'daily', schedule: 'rate(1 day)', retentionDays: 7 }] })), 'staging.backup.rules.0.schedule', 'AWS Backup takes only cron expressions'],
    ['a sync window on day-of-week 7', 'prod', changed(prod, (c) => (c.gitops.syncWindows = [window('0 14 * * 1-7')])), 'prod.gitops.syncWindows.0.schedule', 'day-of-week field "1-7" is not valid: ArgoCD allows 0-6 or SUN-SAT'],
    ['a second sync window at hour 24', 'prod', changed(prod, (c) => (c.gitops.syncWindows = [window('0 14 * * 1-5'), { ...window('0 24 * * 6'), kind: 'deny' }])), 'prod.gitops.syncWindows.1.schedule', 'hour field "24" is not valid: ArgoCD allows 0-23'],
    ['a sync window on a descriptor', 'staging', changed(staging, (c) => (c.gitops.syncWindows = [{ kind: 'deny', schedule: '@daily', duration: '1h' }])), 'staging.gitops.syncWindows.0.schedule', 'is a descriptor'],
    ['a sync window open "4 hours"', 'prod', changed(prod, (c) => (c.gitops.syncWindows = [window('0 14 * * 1-5', '4 hours')])), 'prod.gitops.syncWindows.0.duration', 'must be a Go duration'],
    ['a sync window open no time', 'prod', changed(prod, (c) => (c.gitops.syncWindows = [window('0 14 * * 1-5', '0m')])), 'prod.gitops.syncWindows.0.duration', 'must be longer than zero'],
    ['a retry backoff of no time at all', 'dev', changed(dev, (c) => (c.gitops.retry = { backoffDuration: '0' })), 'dev.gitops.retry.backoffDuration', 'must be longer than zero'],
    ['a retry backoff in days, which Go has no unit for', 'dev', changed(dev, (c) => (c.gitops.retry = { backoffMaxDuration: '1d' })), 'dev.gitops.retry.backoffMaxDuration', 'must be a Go duration'],
    ['a longest retry backoff in words', 'staging', changed(staging, (c) => (c.gitops.retry = { backoffMaxDuration: '3 minutes' })), 'staging.gitops.retry.backoffMaxDuration', 'must be a Go duration'],
  ];
  it.each(cases)('refuses %s', (...invalid) => {
    expectRejected(invalid);
  });
});
