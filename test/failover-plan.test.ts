import { environments, loadEnvironments } from '../environments';
import { describeLag } from '../operations/failover';
import { describeStep, failoverSites, FailoverRefused, losesUnreplicatedWrites, planSteps, type FailoverSites, type Observed } from '../operations/failover-plan';

// What the failover command decides, for every path, from what it observed: pure, no AWS. Its steps run
// against moto in test/failover.test.ts, as far as moto goes.
const prodSites = failoverSites(loadEnvironments({ prod: environments.prod })[0]);

const healthy: Observed = { primaryHealthy: true, writer: 'primary', joined: { primary: true, standby: true } };

describe('the steps a failover plans', () => {
  it('scales the warm standby to the serving size and waits for its tasks, then switches a healthy primary\'s global database over (no data lost), then moves traffic', () => {
    const steps = planSteps(prodSites, 'failover', healthy);
    expect(steps).toEqual([
      { kind: 'scale', site: 'standby', tasks: 3, autoscaling: { minTasks: 3, maxTasks: 12 } },
      { kind: 'await-tasks', site: 'standby', tasks: 3 },
      { kind: 'promote', promotion: { kind: 'switchover', to: 'standby' } },
      { kind: 'route', to: 'standby' },
    ]);
    expect(steps.map((step) => describeStep(step, prodSites))).toEqual([
      'scale the standby (eu-central-1) service groundwork-prod-standby-app to 3 tasks (autoscaling 3 to 12)',
      "wait for 3 tasks of the standby (eu-central-1) service to pass the load balancer's health check",
      "switch groundwork-prod's writer over to the standby (eu-central-1), once the replication has caught up: no data lost",
      "turn the accelerator's dials: standby (eu-central-1) 100%, the other 0%",
    ]);
    // Only a switchover loses nothing.
    expect(losesUnreplicatedWrites(steps)).toBe(false);
  });

  it('fails the global database over, allowing the loss of what had not replicated, when the primary\'s database does not answer', () => {
    const steps = planSteps(prodSites, 'failover', { primaryHealthy: false, primaryProblem: 'RDS in eu-west-1 did not answer', joined: { primary: true, standby: true } });
    expect(steps[2]).toEqual({ kind: 'promote', promotion: { kind: 'failover-allowing-data-loss', to: 'standby' } });
    expect(losesUnreplicatedWrites(steps)).toBe(true);
  });

  it('detaches the standby\'s cluster when asked, even from a healthy primary', () => {
    expect(planSteps(prodSites, 'failover', healthy, { detach: true })[2]).toEqual({ kind: 'promote', promotion: { kind: 'detach', to: 'standby' } });
  });

  it('carries on after an interrupted run: a standby that already writes is not promoted again', () => {
    for (const observed of [{ ...healthy, writer: 'standby' as const }, { ...healthy, writer: 'standby' as const, joined: { primary: true, standby: false } }]) {
      const steps = planSteps(prodSites, 'failover', observed);
      expect(steps.map((step) => step.kind)).toEqual(['scale', 'await-tasks', 'route']);
      expect(losesUnreplicatedWrites(steps)).toBeUndefined();
    }
  });

  it('promotes a postgres standby\'s replica, and refuses to detach one', () => {
    const sites: FailoverSites = { ...prodSites, engine: 'postgres', globalClusterIdentifier: undefined };
    expect(planSteps(sites, 'failover', { primaryHealthy: true, joined: { primary: undefined, standby: true } })[2]).toEqual({ kind: 'promote', promotion: { kind: 'promote-replica' } });
    expect(() => planSteps(sites, 'failover', healthy, { detach: true })).toThrow(FailoverRefused);
  });

  it('moves traffic without waiting for tasks when told not to wait', () => {
    expect(planSteps(prodSites, 'failover', healthy, { awaitTasks: false }).map((step) => step.kind)).toEqual(['scale', 'promote', 'route']);
  });
});

describe('the steps a failback plans', () => {
  const failedOver: Observed = { primaryHealthy: true, writer: 'standby', joined: { primary: true, standby: true } };

  it('switches the writer back, returns the traffic, then shrinks the standby to its waiting size', () => {
    expect(planSteps(prodSites, 'failback', failedOver)).toEqual([
      { kind: 'promote', promotion: { kind: 'switchover', to: 'primary' } },
      { kind: 'route', to: 'primary' },
      { kind: 'scale', site: 'standby', tasks: 2, autoscaling: { minTasks: 2, maxTasks: 12 } },
    ]);
  });

  it('refuses while the primary\'s database is not available, and after a detach or a replica\'s promotion, which need a rebuild', () => {
    expect(() => planSteps(prodSites, 'failback', { ...failedOver, primaryHealthy: false, primaryProblem: 'groundwork-prod in eu-west-1 is failing-over' })).toThrow(/must be healthy first/);
    expect(() => planSteps(prodSites, 'failback', { ...failedOver, joined: { primary: false, standby: true } })).toThrow(/must be rebuilt from the standby's/);
    expect(() => planSteps(prodSites, 'failback', { ...failedOver, joined: { primary: true, standby: false } })).toThrow(/was detached/);
    const postgres: FailoverSites = { ...prodSites, engine: 'postgres', globalClusterIdentifier: undefined };
    expect(() => planSteps(postgres, 'failback', { primaryHealthy: true, writer: 'standby', joined: { primary: undefined, standby: false } })).toThrow(/cannot follow a replica source again/);
    expect(() => planSteps(prodSites, 'failback', failedOver, { detach: true })).toThrow(/for a failover only/);
  });

  it('only moves traffic and shrinks the standby when the primary already writes', () => {
    expect(planSteps(prodSites, 'failback', healthy).map((step) => step.kind)).toEqual(['route', 'scale']);
  });
});

describe('the names it acts on, from the config alone', () => {
  it('names the database, services and routing as the stacks make them', () => {
    expect(prodSites).toMatchObject({
      globalClusterIdentifier: 'groundwork-prod',
      primary: { region: 'eu-west-1', databaseArn: 'arn:aws:rds:eu-west-1:333333333333:cluster:groundwork-prod', clusterName: 'groundwork-prod', serviceName: 'groundwork-prod-app' },
      standby: { region: 'eu-central-1', databaseArn: 'arn:aws:rds:eu-central-1:333333333333:cluster:groundwork-prod', serviceName: 'groundwork-prod-standby-app', idleTasks: 2 },
      routing: { kind: 'global-accelerator' },
    });
  });

  it('says how old the lag it measured is, or that there was none', () => {
    const now = new Date('2026-12-03T10:00:30Z');
    expect(describeLag({ value: 180, unit: 'Milliseconds', at: new Date('2026-12-03T10:00:00Z') }, now)).toBe('0.180 s, measured 30 s before the promotion');
    expect(describeLag(undefined)).toMatch(/^unknown: no datapoint/);
  });
});
