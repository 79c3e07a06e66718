import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { parse } from 'yaml';
import { environments, loadEnvironments } from '../environments';
import { gitopsObjects } from '../environments/gitops-policy';
import { changed, expectRejected } from './support/rejected';
import { readStacks, resources, synthesizeInto } from './support/synthesized';

// Maintenance deny windows and the expiring emergency override (issue 19): what the AppProjects say, that
// ArgoCD's schema takes them, and that an override cannot outlive its expiry.

const HOUR = 3_600_000;
/** A UTC time `hours` from now, to the minute, as the config writes it. */
const inHours = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString().slice(0, 16) + 'Z';

const MAINTENANCE = { schedule: '0 22 * * 6', duration: '4h', reason: 'database engine upgrade' };
const withWindows = (name: 'dev' | 'staging' | 'prod', gitops: Record<string, unknown>) => changed(environments[name], (c) => Object.assign(c.gitops, gitops));
const projectsOf = (config: unknown, name: string) => gitopsObjects(loadEnvironments({ [name]: config })[0]).projects;

describe('a maintenance window', () => {
  it('blocks every sync, manual ones too, beside prod\'s change window, and says why on each project', () => {
    for (const project of projectsOf(withWindows('prod', { maintenanceWindows: [MAINTENANCE] }), 'prod')) {
      expect(project.spec!.syncWindows).toEqual([
        { kind: 'allow', schedule: '0 14 * * 1-5', duration: '4h', manualSync: true, applications: ['*'], timeZone: 'UTC' },
        { kind: 'deny', schedule: '0 22 * * 6', duration: '4h', manualSync: false, applications: ['*'], timeZone: 'UTC' },
      ]);
      expect(project.metadata!.annotations!['groundwork.dev/maintenance']).toBe('0 22 * * 6 UTC for 4h: database engine upgrade');
      expect(project.metadata!.annotations!['groundwork.dev/emergency-override']).toBeUndefined();
      expect(() => new AppProject(project).validate()).not.toThrow();
    }
  });

  it('may hold only some applications', () => {
    const [platform] = projectsOf(withWindows('staging', { maintenanceWindows: [{ ...MAINTENANCE, applications: ['payments-*'] }] }), 'staging');
    expect(platform.spec!.syncWindows).toEqual([{ kind: 'deny', schedule: '0 22 * * 6', duration: '4h', manualSync: false, applications: ['payments-*'], timeZone: 'UTC' }]);
  });

  it('reaches the projects the argocd-apps chart creates', () => {
    const json = readStacks(synthesizeInto({ staging: withWindows('staging', { maintenanceWindows: [MAINTENANCE] }) })).get('gitops-staging')!;
    const apps = resources(json, 'helm_release').find(([, release]) => release.chart === 'argocd-apps')![1];
    const { projects } = parse(apps.values[0]);
    for (const project of Object.values(projects) as any[]) {
      expect(project.syncWindows).toContainEqual(expect.objectContaining({ kind: 'deny', schedule: '0 22 * * 6', manualSync: false }));
      expect(project.additionalAnnotations['groundwork.dev/maintenance']).toContain('database engine upgrade');
    }
  });
});

describe('an emergency override', () => {
  const override = (expires: string) => ({ reason: 'INC-1234: payment outage, hotfix 2.3.1', approvedBy: 'incident commander', expires });

  it('lets people sync by hand inside every window until it expires, and says who and why on each project', () => {
    const expires = inHours(4);
    const config = withWindows('prod', { maintenanceWindows: [MAINTENANCE], emergencyOverride: override(expires) });
    for (const project of projectsOf(config, 'prod')) {
      expect(project.spec!.syncWindows!.map((w) => [w.kind, w.manualSync])).toEqual([
        ['allow', true],
        ['deny', true],
      ]);
      expect(project.metadata!.annotations!['groundwork.dev/emergency-override']).toBe(`INC-1234: payment outage, hotfix 2.3.1 (approved by incident commander; expires ${expires})`);
      expect(() => new AppProject(project).validate()).not.toThrow();
    }
  });

  it('changes nothing of the windows but manual sync: their kinds, schedules and lengths still hold automated syncs', () => {
    const windows = (gitops: Record<string, unknown>) => projectsOf(withWindows('staging', gitops), 'staging')[0].spec!.syncWindows!;
    const without = windows({ maintenanceWindows: [MAINTENANCE] });
    const withOverride = windows({ maintenanceWindows: [MAINTENANCE], emergencyOverride: override(inHours(1)) });
    expect(withOverride).toEqual(without.map((w) => ({ ...w, manualSync: true })));
    expect(without.map((w) => w.manualSync)).toEqual([false]);
  });

  it.each([
    ['an override that has expired', override(inHours(-1)), 'prod.gitops.emergencyOverride.expires', 'remove the emergency override'],
    ['an override for longer than three days', override(inHours(73)), 'prod.gitops.emergencyOverride.expires', 'an emergency override lasts at most 72 hours'],
    ['an override whose time has no zone', override(inHours(2).replace('Z', '')), 'prod.gitops.emergencyOverride.expires', 'must be a UTC time'],
    ['an override on a day that does not exist', override('2027-02-30T10:00Z'), 'prod.gitops.emergencyOverride.expires', 'is not a real date and time'],
    ['an override without a reason', { ...override(inHours(2)), reason: 'fix' }, 'prod.gitops.emergencyOverride.reason', 'must say what the emergency is'],
    ['an override nobody approved', { ...override(inHours(2)), approvedBy: ' ' }, 'prod.gitops.emergencyOverride.approvedBy', 'must name who approved it'],
    ['an override whose reason is over 200 characters', { ...override(inHours(2)), reason: 'x'.repeat(201) }, 'prod.gitops.emergencyOverride.reason', 'expected string to have <=200 characters'],
    ['an override with a field it does not have', { ...override(inHours(2)), until: 'tomorrow' }, 'prod.gitops.emergencyOverride.until', 'is not a known field'],
  ])('refuses %s, naming the field', (what, emergencyOverride, field, fragment) => {
    expectRejected([what, 'prod', withWindows('prod', { emergencyOverride }), field, fragment]);
  });

  it.each([
    ['a maintenance window without a reason', { ...MAINTENANCE, reason: '' }, 'dev.gitops.maintenanceWindows.0.reason', 'must say why the window blocks syncs'],
    ['a maintenance window whose reason is over 200 characters', { ...MAINTENANCE, reason: 'x'.repeat(201) }, 'dev.gitops.maintenanceWindows.0.reason', 'expected string to have <=200 characters'],
    ['a maintenance window for no application', { ...MAINTENANCE, applications: [] }, 'dev.gitops.maintenanceWindows.0.applications', 'expected array to have >=1 items'],
    ['a maintenance window for an application with no name', { ...MAINTENANCE, applications: [''] }, 'dev.gitops.maintenanceWindows.0.applications.0', 'expected string to have >=1 characters'],
    ['a maintenance window that is no cron', { ...MAINTENANCE, schedule: 'saturday night' }, 'dev.gitops.maintenanceWindows.0.schedule', 'must be a five-field cron expression'],
    ['a maintenance window without a unit', { ...MAINTENANCE, duration: '4' }, 'dev.gitops.maintenanceWindows.0.duration', 'must be a Go duration such as "4h"'],
    ['a maintenance window of no length', { ...MAINTENANCE, duration: '0s' }, 'dev.gitops.maintenanceWindows.0.duration', 'must be longer than zero'],
  ])('refuses %s, naming the field', (what, window, field, fragment) => {
    expectRejected([what, 'dev', withWindows('dev', { maintenanceWindows: [window] }), field, fragment]);
  });
});
