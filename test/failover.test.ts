import { CreateHealthCheckCommand, ChangeTagsForResourceCommand, CreateHostedZoneCommand, GetHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateDBClusterCommand, CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, CreateGlobalClusterCommand } from '@aws-sdk/client-rds';
import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { FailoverClients, observe, runSteps } from '../operations/failover';
import { failoverSites, planSteps } from '../operations/failover-plan';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useLocalBackend } from '../operations/bootstrap';
import { environmentStacks, readStackJson } from '../operations/environment-stacks';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../operations/moto';
import { offlineTerraformEnv, requireTerraform, terraform } from '../operations/terraform-cli';
import { synthesizeInto, tempDir, type StackJson } from './support/synthesized';

// The failover command's steps against RDS, ECS and Route 53 in moto across two regions. moto has no
// Global Accelerator, no global-database switchover or failover, ignores a detach of another region's
// cluster and still names a promoted replica's source (README, "Emulator gaps"): those steps are proven
// by their plans (test/failover-plan.test.ts); the run here carries out the others.

/** `local`'s config with a standby in us-west-2 behind Route 53 records, on either engine. */
function localConfigWithStandby(engine: 'aurora-postgresql' | 'postgres', hostedZoneId = 'Z0LOCALEXAMPLE'): EnvironmentConfig {
  const config = structuredClone(environments.local) as EnvironmentConfig;
  config.database = engine === 'postgres' ? { engine: 'postgres', backup: { retentionDays: 1 } } : ({ ...config.database, engineVersion: '16.10' } as EnvironmentConfig['database']);
  config.failover = { network: { cidr: '10.98.0.0/16' }, routing: { kind: 'route53', hostedZoneId, zoneName: 'local.example.com', recordName: 'app.local.example.com' } };
  return config;
}

const localWithStandby = (engine: 'aurora-postgresql' | 'postgres') => loadEnvironments({ local: localConfigWithStandby(engine) })[0];

describe('in moto, across two regions', () => {
  let moto: RunningEmulator;
  let clients: FailoverClients;
  let route53: Route53Client;
  const aurora = failoverSites(localWithStandby('aurora-postgresql'));
  const sites = failoverSites(localWithStandby('postgres'));
  const rds = (region: string) => clients.rds(region);
  const healthCheckIds: Record<string, string> = {};

  beforeAll(async () => {
    moto = await startMoto();
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = emulatorCredentials(aurora.primary.databaseArn.split(':')[4]);
    const credentials = { accessKeyId: AWS_ACCESS_KEY_ID!, secretAccessKey: AWS_SECRET_ACCESS_KEY! };
    clients = new FailoverClients({ endpoint: moto.endpoint, credentials });
    route53 = new Route53Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials });

    // What the data, service and routing stacks make, named as they name it: an Aurora global database, and
    // (for the run, which moto can promote) an RDS instance with its replica in the standby's region.
    const cluster = { DBClusterIdentifier: 'groundwork-local', Engine: 'aurora-postgresql', EngineVersion: '16.10' };
    await rds(aurora.primary.region).send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'groundwork-local', Engine: 'aurora-postgresql', EngineVersion: '16.10' }));
    await rds(aurora.primary.region).send(new CreateDBClusterCommand({ ...cluster, GlobalClusterIdentifier: 'groundwork-local', MasterUsername: 'groundwork', MasterUserPassword: 'not-a-real-secret-0' }));
    await rds(aurora.standby.region).send(new CreateDBClusterCommand({ ...cluster, GlobalClusterIdentifier: 'groundwork-local' }));
    await rds(sites.primary.region).send(
      new CreateDBInstanceCommand({ DBInstanceIdentifier: 'groundwork-local', Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', AllocatedStorage: 20, MasterUsername: 'groundwork', MasterUserPassword: 'not-a-real-secret-0' }),
    );
    await rds(sites.standby.region).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'groundwork-local', SourceDBInstanceIdentifier: sites.primary.databaseArn, DBInstanceClass: 'db.t4g.micro' }));
    for (const site of [sites.primary, sites.standby]) {
      const ecs = clients.ecs(site.region);
      await ecs.send(new CreateClusterCommand({ clusterName: site.clusterName }));
      const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand({ family: site.serviceName, containerDefinitions: [{ name: 'app', image: 'example/app:1', essential: true, memory: 512 }] }));
      await ecs.send(new CreateServiceCommand({ cluster: site.clusterName, serviceName: site.serviceName, taskDefinition: taskDefinition!.taskDefinitionArn, desiredCount: site === sites.primary ? 1 : 0 }));
    }
    for (const site of ['primary', 'standby']) {
      const { HealthCheck } = await route53.send(
        new CreateHealthCheckCommand({ CallerReference: site, HealthCheckConfig: { Type: 'HTTP', FullyQualifiedDomainName: `${site}.elb.example.com`, Port: 80, ResourcePath: '/healthz', Inverted: false } }),
      );
      await route53.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: HealthCheck!.Id, AddTags: [{ Key: 'Name', Value: `groundwork-local-${site}` }] }));
      healthCheckIds[site] = HealthCheck!.Id!;
    }
  }, 60_000);

  afterAll(async () => {
    clients?.destroy();
    route53?.destroy();
    await moto?.stop();
  });

  const inverted = async (site: string) => (await route53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckIds[site] }))).HealthCheck!.HealthCheckConfig!.Inverted;
  const desiredCount = async (site: 'primary' | 'standby') =>
    (await clients.ecs(sites[site].region).send(new DescribeServicesCommand({ cluster: sites[site].clusterName, services: [sites[site].serviceName] }))).services![0].desiredCount;

  it('observes an Aurora global database: a healthy primary that writes, both clusters in it, no lag published', async () => {
    expect(await observe(aurora, clients)).toEqual({ primaryHealthy: true, writer: 'primary', joined: { primary: true, standby: true }, lag: undefined });
  });

  it('observes a postgres standby: a replica of a healthy primary', async () => {
    expect(await observe(sites, clients)).toEqual({ primaryHealthy: true, writer: 'primary', joined: { primary: undefined, standby: true }, lag: undefined });
  });

  // moto accepts each promotion but shows none done (no switchover or failover of a global database; a
  // detach of another region's cluster is ignored; a promoted replica still names its source), so the run
  // here carries out the steps after it, and the promotions are proven by the plans above.
  it('fails over after the promotion: scales the standby\'s service to the serving size and inverts the primary\'s health check', async () => {
    const steps = planSteps(aurora, 'failover', await observe(aurora, clients), { awaitTasks: false });
    expect(steps[1]).toEqual({ kind: 'promote', promotion: { kind: 'switchover', to: 'standby' } });
    const log: string[] = [];
    const seconds = await runSteps(steps.filter((step) => step.kind !== 'promote'), aurora, clients, (line) => log.push(line));
    expect(log.map((line) => line.replace(/done in [\d.]+ s/, 'done'))).toEqual([
      '  1. scale the standby (us-west-2) service groundwork-local-standby-app to 1 task: done',
      "  2. send app.local.example.com to the standby (us-west-2): invert the primary's Route 53 health check: done",
    ]);
    expect(seconds).toBeGreaterThan(0);
    expect(await desiredCount('standby')).toBe(1);
    expect(await desiredCount('primary')).toBe(1);
    expect(await inverted('primary')).toBe(true);
    expect(await inverted('standby')).toBe(false);
  });

  it('fails back after the writer\'s switch: returns the traffic and shrinks the standby to its waiting size', async () => {
    const steps = planSteps(aurora, 'failback', { primaryHealthy: true, writer: 'standby', joined: { primary: true, standby: true } });
    expect(steps[0]).toEqual({ kind: 'promote', promotion: { kind: 'switchover', to: 'primary' } });
    await runSteps(steps.slice(1), aurora, clients, () => undefined);
    expect(await inverted('primary')).toBe(false);
    expect(await desiredCount('standby')).toBe(0);
    expect(await desiredCount('primary')).toBe(1);
  });

  it('fails a step naming it, what AWS said, and how long it ran', async () => {
    const missing = { ...sites, standby: { ...sites.standby, serviceName: 'not-a-service' } };
    await expect(runSteps([{ kind: 'scale', site: 'standby', tasks: 2 }], missing, clients, () => undefined)).rejects.toThrow(/^step 1 of 1 \(scale the standby \(us-west-2\) service not-a-service to 2 tasks\) failed after [\d.]+ s: ServiceNotFoundException/);
  });

  it('stops the routing stack\'s plan when the hosted zone id names another zone than failover.routing.zoneName', async () => {
    requireTerraform();
    const workDir = tempDir('routing-zone');
    try {
      const env = { ...offlineTerraformEnv(workDir), ...emulatorCredentials(environments.local.accountId), AWS_REGION: 'us-east-1' };
      // moto's zone ids are 22 random letters and digits, where Route 53's (and the config's check) start with
      // Z: zones are made until one's id does, about one in 36 (Route 53 allows zones of the same name).
      const zoneId = async (name: string) => {
        for (let attempt = 0; ; attempt++) {
          const id = (await route53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${attempt}` }))).HostedZone!.Id!.replace('/hostedzone/', '');
          if (id.startsWith('Z')) return id;
        }
      };
      const [right, wrong] = [await zoneId('local.example.com'), await zoneId('other.example.com')];
      const planZone = async (hostedZoneId: string) => {
        const outdir = synthesizeInto({ local: { ...localConfigWithStandby('aurora-postgresql', hostedZoneId), emulator: { endpoint: moto.endpoint } } });
        const [stack] = environmentStacks(outdir, 'local').filter((s) => s.name === 'routing-local');
        // Only the zone's lookup: the records need the service stacks' state, which this emulator does not hold.
        const zone = Object.keys(readStackJson<StackJson>(stack).data!.aws_route53_zone)[0];
        useLocalBackend(stack.dir, path.join(workDir, 'routing-local.tfstate'));
        expect((await terraform(['init', '-input=false'], { cwd: stack.dir, env })).code).toBe(0);
        return terraform(['plan', '-input=false', `-target=data.aws_route53_zone.${zone}`], { cwd: stack.dir, env, timeoutMs: 120_000 });
      };
      const planned = await planZone(right);
      expect({ code: planned.code, stderr: planned.stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining('Error') });
      const refused = await planZone(wrong);
      expect(refused.code).toBe(1);
      expect(refused.stderr.replace(/\s+/g, ' ')).toContain(`Hosted zone ${wrong} is not local.example.com (failover.routing.zoneName): check failover.routing.hostedZoneId.`);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }, 240_000);
});
