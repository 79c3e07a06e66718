import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { ConfigError } from '../environments/load';
import { synthesize } from '../lib/synthesize';
import { changed } from './support/rejected';
import { tempDir } from './support/synthesized';


const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Synthesizes the registry into a fresh directory, expecting a ConfigError; returns its problems. */
function rejectedProblems(registry: Record<string, unknown>): { problems: readonly string[]; parent: string; outdir: string } {
  const parent = tempDir('invalid');
  const outdir = path.join(parent, 'cdktf.out');
  try {
    synthesize(registry, { outdir });
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems, parent, outdir };
    throw error;
  }
  throw new Error('synthesize accepted an invalid configuration');
}

describe('the shipped environments', () => {
  it('are all valid', () => {
    expect(loadEnvironments(environments).map((env) => env.name)).toEqual(['dev', 'staging', 'prod', 'local']);
  });

  it('resolve computed defaults', () => {
    const prod = loadEnvironments({ prod: environments.prod })[0];
    expect(prod.state.bucket).toBe('groundwork-prod-tfstate-333333333333');
    expect(prod.network.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(prod.network.subnets).toEqual({ publicPrefixLength: 24, privatePrefixLength: 20, isolatedPrefixLength: 24, reservedAzCount: 4 });
    expect(prod.kms).toEqual({ rotationPeriodDays: 365, deletionWindowDays: 30 });
    expect(prod.rotation).toEqual({ databasePasswordDays: 30, databasePasswordSchedule: true, cacheAuthTokenDays: 30, secretKeyBaseDays: 90, graphPasswordDays: 30 });
    expect(prod.cache.enabled).toBe(true);
    expect(prod.service.autoscaling.enabled).toBe(true);
    expect(prod.backup.selectDatabase).toBe(true);
    expect(prod.observability.trail.logging).toBe(true);
    expect(prod.database).toMatchObject({ engine: 'aurora-postgresql', engineVersion: '16.14', port: 5432, backup: { retentionDays: 35, window: '02:00-03:00' } });
  });

  it('give a plain RDS instance Multi-AZ by tier unless it says otherwise', () => {
    const rds = { engine: 'postgres', backup: { retentionDays: 35 } } as const;
    const [prodRds] = loadEnvironments({ prod: { ...prod, database: rds } });
    const [devRds] = loadEnvironments({ dev: { ...dev, database: rds } });
    expect(prodRds.database).toMatchObject({ engine: 'postgres', multiAz: true });
    expect(devRds.database).toMatchObject({ engine: 'postgres', multiAz: false });
  });

  it('rotate the database password and cache token every 30 days and SECRET_KEY_BASE every 90, unless overridden', () => {
    for (const env of loadEnvironments(environments)) {
      // Only an emulator environment may leave the database password to RDS's own schedule (asserted below).
      expect(env.rotation).toEqual({ databasePasswordDays: 30, databasePasswordSchedule: env.emulator === undefined, cacheAuthTokenDays: 30, secretKeyBaseDays: 90, graphPasswordDays: 30 });
    }
    const [overridden] = loadEnvironments({ prod: { ...prod, rotation: { secretKeyBaseDays: 45 } } });
    expect(overridden.rotation).toEqual({ databasePasswordDays: 30, databasePasswordSchedule: true, cacheAuthTokenDays: 30, secretKeyBaseDays: 45, graphPasswordDays: 30 });
  });

  it('turn off what the emulator cannot emulate in the emulator environment only, and keep all of it everywhere else', () => {
    const switches = (env: ReturnType<typeof loadEnvironments>[number]) => ({
      cache: env.cache.enabled,
      autoscaling: env.service.autoscaling.enabled,
      databasePasswordSchedule: env.rotation.databasePasswordSchedule,
      selectDatabase: env.backup.selectDatabase,
      trailLogging: env.observability.trail.logging,
      tlsOnlyPolicy: env.buckets.tlsOnlyPolicy,
      // Environments without a graph have no pipeline to turn off.
      imagePipeline: env.graph?.image.pipeline ?? env.emulator === undefined,
      stableAddresses: env.graph?.stableAddresses ?? env.emulator === undefined,
    });
    const loaded = loadEnvironments(environments);
    // Both kinds are shipped, so neither branch below is vacuous.
    expect(new Set(loaded.map((env) => env.emulator === undefined))).toEqual(new Set([true, false]));
    for (const env of loaded) {
      const on = env.emulator === undefined;
      expect([env.name, switches(env)]).toEqual([
        env.name,
        { cache: on, autoscaling: on, databasePasswordSchedule: on, selectDatabase: on, trailLogging: on, tlsOnlyPolicy: on, imagePipeline: on, stableAddresses: on },
      ]);
    }
  });

  it('accept a deployment that rounds its way to room: 2 tasks at 100% healthy and 150% maximum', () => {
    const [env] = loadEnvironments({ dev: changed(dev, (c) => ((c.service.autoscaling = { minTasks: 2, maxTasks: 6 }), (c.service.deployment = { minimumHealthyPercent: 100, maximumPercent: 150 }))) });
    expect(env.service.deployment).toEqual({ minimumHealthyPercent: 100, maximumPercent: 150 });
  });

  it('let only tier dev serve plain HTTP, and start the service with its fewest tasks unless told otherwise', () => {
    for (const env of loadEnvironments(environments)) {
      expect(env.service.loadBalancer.certificateArn === undefined).toBe(env.tier === 'dev');
      expect(env.service.desiredCount).toBe(env.service.autoscaling.minTasks);
    }
  });

  it('accept a real environment without a cache or autoscaling: choices, not emulator gaps', () => {
    const registry = {
      dev: changed(dev, (c) => ((c.cache = { enabled: false }), (c.service.autoscaling = { enabled: false }))),
      // prod keeps its task counts; the replica rule is for a cache that exists.
      prod: changed(prod, (c) => ((c.cache = { enabled: false }), (c.service.autoscaling.enabled = false))),
    };
    const loaded = loadEnvironments(registry);
    expect(loaded.map((env) => [env.name, env.emulator, env.cache.enabled, env.service.autoscaling.enabled])).toEqual([
      ['dev', undefined, false, false],
      ['prod', undefined, false, false],
    ]);
    const outdir = path.join(tempDir('valid'), 'cdktf.out');
    expect(() => synthesize(registry, { outdir })).not.toThrow();
    expect(fs.existsSync(path.join(outdir, 'stacks', 'data-prod', 'cdk.tf.json'))).toBe(true);
  });

  it('meet the production rules in prod', () => {
    const prod = loadEnvironments({ prod: environments.prod })[0];
    expect(prod.service.autoscaling.minTasks).toBeGreaterThanOrEqual(2);
    expect(prod.network.natMode).toBe('per-az');
    expect(prod.network.azCount).toBeGreaterThanOrEqual(2);
    expect(prod.drRegion).not.toBe(prod.region);
  });
});

const { prod, dev } = environments;

// [what is wrong, registry key, config, the exact path, a fragment of the message]
const INVALID: [string, string, EnvironmentConfig, string, string][] = [
  ['prod in one zone', 'prod', changed(prod, (c) => (c.network.azCount = 1)), 'prod.network.azCount', 'must be at least 2 for tier prod'],
  ['prod with a single NAT gateway', 'prod', changed(prod, (c) => (c.network.natMode = 'single')), 'prod.network.natMode', 'must be "per-az" for tier prod'],
  ['DR region equal to the region', 'prod', changed(prod, (c) => (c.drRegion = c.region)), 'prod.drRegion', 'must differ from region (eu-west-1)'],
  ['a name with capitals', 'prod', changed(prod, (c) => (c.name = 'Prod')), 'prod.name', 'must be DNS-safe'],
  ['a name ending in a hyphen', 'dev', changed(dev, (c) => (c.name = 'dev-')), 'dev.name', 'must be DNS-safe'],
  ['an unknown tier', 'prod', changed(prod, (c) => (c.tier = 'production')), 'prod.tier', 'expected one of "dev"|"staging"|"prod"'],
  ['a short account id', 'prod', changed(prod, (c) => (c.accountId = '12345')), 'prod.accountId', 'must be a 12-digit AWS account id'],
  ['a region that is no region code', 'prod', changed(prod, (c) => (c.region = 'Ireland')), 'prod.region', 'must be a region code of the aws, aws-cn or aws-us-gov partition'],
  ['a CIDR with leading zeros', 'prod', changed(prod, (c) => (c.network.cidr = '010.030.000.000/16')), 'prod.network.cidr', 'must be an IPv4 CIDR block'],
  ['a VPC larger than /16', 'prod', changed(prod, (c) => (c.network.cidr = '10.0.0.0/8')), 'prod.network.cidr', 'prefix length from /16'],
  ['a CIDR with host bits set', 'prod', changed(prod, (c) => (c.network.cidr = '10.30.1.0/16')), 'prod.network.cidr', 'host bits after the prefix must be zero'],
  ['a public CIDR', 'prod', changed(prod, (c) => (c.network.cidr = '8.8.0.0/16')), 'prod.network.cidr', 'must lie in a private range'],
  ['a CIDR that does not parse', 'prod', changed(prod, (c) => (c.network.cidr = '10.300.0.0/16')), 'prod.network.cidr', 'must be an IPv4 CIDR block'],
  ['subnets that do not fit the VPC', 'prod', changed(prod, (c) => (c.network.cidr = '10.30.0.0/20')), 'prod.network.subnets', 'but 10.30.0.0/20 has 4096'],
  ['more zones than reserved', 'prod', changed(prod, (c) => (c.network.azCount = 5)), 'prod.network.azCount', 'more than network.subnets.reservedAzCount (4)'],
  ['a zone of another region', 'prod', changed(prod, (c) => (c.network.availabilityZones = ['eu-west-1a', 'us-east-1b', 'eu-west-1c'])), 'prod.network.availabilityZones.1', '"us-east-1b" is not an availability zone of eu-west-1'],
  ['fewer zones listed than azCount', 'prod', changed(prod, (c) => (c.network.availabilityZones = ['eu-west-1a', 'eu-west-1b'])), 'prod.network.availabilityZones', 'lists 2 zones but network.azCount is 3'],
  ['a zone listed twice', 'prod', changed(prod, (c) => (c.network.availabilityZones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1a'])), 'prod.network.availabilityZones.2', 'listed twice'],
  ['a tag that overrides a Groundwork tag', 'prod', changed(prod, (c) => (c.tags = { environment: 'production' })), 'prod.tags.environment', 'cannot be overridden'],
  ['a tag in the aws: namespace', 'prod', changed(prod, (c) => (c.tags = { 'aws:team': 'x' })), 'prod.tags.aws:team', 'reserved by AWS'],
  ['a retention CloudWatch refuses', 'prod', changed(prod, (c) => (c.network.flowLogs.retentionDays = 10)), 'prod.network.flowLogs.retentionDays', 'must be one of the retention periods'],
  ['a key rotation under 90 days', 'prod', changed(prod, (c) => (c.kms = { rotationPeriodDays: 30 })), 'prod.kms.rotationPeriodDays', '>=90'],
  ['a misspelt field', 'prod', changed(prod, (c) => (c.network.natmode = 'per-az')), 'prod.network.natmode', 'is not a known field'],
  ['a missing region', 'prod', changed(prod, (c) => delete c.region), 'prod.region', 'is required'],
  ['an emulator on prod', 'prod', changed(prod, (c) => (c.emulator = { endpoint: 'http://127.0.0.1:5000' })), 'prod.emulator', 'is only for tier dev'],
  ['an emulator endpoint that is no URL', 'dev', changed(dev, (c) => (c.emulator = { endpoint: 'localhost:5000' })), 'dev.emulator.endpoint', 'must be an http(s) URL'],
  ['an invalid state bucket name', 'prod', changed(prod, (c) => (c.state = { bucket: 'My_State' })), 'prod.state.bucket', 'must be a valid S3 bucket name'],
  ['a zero-day version expiry', 'prod', changed(prod, (c) => (c.state = { noncurrentVersionExpirationDays: 0 })), 'prod.state.noncurrentVersionExpirationDays', '>=1'],
  ['a standby in the primary\'s own region', 'prod', changed(prod, (c) => (c.failover = { ...c.failover!, region: 'eu-west-1', network: { cidr: '10.31.0.0/16' } })), 'prod.failover.region', 'must differ from region (eu-west-1): a standby in the same region fails with it'],
  ['a standby in another partition', 'prod', changed(prod, (c) => (c.failover = { ...c.failover!, region: 'cn-north-1', network: { cidr: '10.31.0.0/16' } })), 'prod.failover.region', 'is in the aws-cn partition and region eu-west-1 in aws'],
  ['a standby in a region that does not exist', 'prod', changed(prod, (c) => (c.failover = { ...c.failover!, region: 'eu-west-9', network: { cidr: '10.31.0.0/16' } })), 'prod.failover.region', '"eu-west-9" is not a region of the aws, aws-cn or aws-us-gov partition'],
  ['a standby region with fewer zones than the environment spans', 'dev', changed(dev, (c) => Object.assign(c, { region: 'us-east-1', drRegion: 'us-east-2', network: { ...c.network, azCount: 4 }, failover: { region: 'eu-central-1', network: { cidr: '10.11.0.0/16' }, routing: { kind: 'global-accelerator' } } })), 'dev.failover.region', 'is eu-central-1, which has 3 availability zones'],
  ['a standby VPC overlapping the primary\'s', 'prod', changed(prod, (c) => (c.failover = { ...c.failover!, network: { cidr: '10.30.128.0/17' } })), 'prod.failover.network.cidr', 'overlaps the primary\'s network.cidr (10.30.0.0/16)'],
  ['a standby VPC too small for the subnets', 'prod', changed(prod, (c) => (c.failover = { ...c.failover!, network: { cidr: '10.31.0.0/24' } })), 'prod.failover.network.cidr', 'has 256 addresses, but the standby\'s subnets'],
  ['a standby VPC in a public range', 'prod', changed(prod, (c) => (c.failover = { ...c.failover!, network: { cidr: '52.31.0.0/16' } })), 'prod.failover.network.cidr', 'must lie in a private range'],
  ['a standby without a network', 'prod', changed(prod, (c) => (c.failover = {})), 'prod.failover.network', 'is required'],
  ['a misspelt standby field', 'prod', changed(prod, (c) => (c.failover = { ...c.failover!, regoin: 'eu-central-1', network: { cidr: '10.31.0.0/16' } })), 'prod.failover.regoin', 'is not a known field'],
  ['a real state bucket without its replica', 'prod', changed(prod, (c) => (c.state = { replica: { enabled: false } })), 'prod.state.replica.enabled', 'may be false only in an emulator environment: without a replica the state is lost with the region, and nothing can be re-provisioned from it'],
  ['a state bucket named as its own replica', 'prod', changed(prod, (c) => (c.state = { bucket: 'acme-prod-state', replica: { bucket: 'acme-prod-state' } })), 'prod.state.replica.bucket', 'must differ from state.bucket'],
  ['a state bucket too long for the replica\'s default name', 'prod', changed(prod, (c) => (c.state = { bucket: `acme-${'s'.repeat(53)}` })), 'prod.state.replica.bucket', 'must be set: the default "acme-sss'],
  ['an invalid replica bucket name', 'prod', changed(prod, (c) => (c.state = { replica: { bucket: 'Replica_Bucket' } })), 'prod.state.replica.bucket', 'must be a valid S3 bucket name'],
  ['a real bucket without the TLS-only policy', 'prod', changed(prod, (c) => (c.buckets = { tlsOnlyPolicy: false })), 'prod.buckets.tlsOnlyPolicy', 'may be false only in an emulator environment'],
  ['a name that differs from its registry key', 'qa', changed(prod, (c) => (c.name = 'prod')), 'qa.name', 'registered as "qa"'],
  ['a rotation period of zero days', 'prod', changed(prod, (c) => (c.rotation = { databasePasswordDays: 0 })), 'prod.rotation.databasePasswordDays', 'must be at least 1 day'],
  ['a rotation period over a year', 'prod', changed(prod, (c) => (c.rotation = { secretKeyBaseDays: 400 })), 'prod.rotation.secretKeyBaseDays', 'must be at most 365 days'],
  ['a fractional rotation period', 'prod', changed(prod, (c) => (c.rotation = { cacheAuthTokenDays: 1.5 })), 'prod.rotation.cacheAuthTokenDays', 'must be a whole number of days'],
  ['no database', 'prod', changed(prod, (c) => delete c.database), 'prod.database', 'is required'],
  ['an unknown database engine', 'prod', changed(prod, (c) => (c.database.engine = 'mysql')), 'prod.database.engine', "Expected 'aurora-postgresql' | 'postgres'"],
  ['a field of the other engine', 'prod', changed(prod, (c) => (c.database.instanceClass = 'db.r7g.large')), 'prod.database.instanceClass', 'is not a known field'],
  ['a capacity floor above its ceiling', 'prod', changed(prod, (c) => (c.database.capacity = { minAcu: 16, maxAcu: 8 })), 'prod.database.capacity.minAcu', 'more than database.capacity.maxAcu (8)'],
  ['a capacity off the half-ACU grid', 'prod', changed(prod, (c) => (c.database.capacity.maxAcu = 3.3)), 'prod.database.capacity.maxAcu', 'must be a multiple of 0.5 ACU'],
  ['prod Aurora without a reader', 'prod', changed(prod, (c) => (c.database.readers = 0)), 'prod.database.readers', 'must be at least 1 for tier prod'],
  ['prod RDS without Multi-AZ', 'prod', changed(prod, (c) => (c.database = { engine: 'postgres', multiAz: false })), 'prod.database.multiAz', 'may not be false for tier prod'],
  ['a storage ceiling under the allocation', 'dev', changed(dev, (c) => ((c.database.allocatedStorageGiB = 50), (c.database.maxAllocatedStorageGiB = 30))), 'dev.database.maxAllocatedStorageGiB', 'at least 10% above database.allocatedStorageGiB (50), so 55 or more'],
  ['a storage ceiling equal to the allocation', 'dev', changed(dev, (c) => ((c.database.allocatedStorageGiB = 100), (c.database.maxAllocatedStorageGiB = 100))), 'dev.database.maxAllocatedStorageGiB', 'so 110 or more'],
  ['one zone in dev, which a DB subnet group cannot live in', 'dev', changed(dev, (c) => (c.network.azCount = 1)), 'dev.network.azCount', 'must be at least 2: RDS and ElastiCache subnet groups must span two zones'],
  ['a pausing Aurora on a version that cannot pause', 'prod', changed(prod, (c) => ((c.database.capacity.minAcu = 0), (c.database.engineVersion = '15.4'))), 'prod.database.capacity.minAcu', '15.4 cannot'],
  ['an Aurora restore from an instance snapshot ARN', 'prod', changed(prod, (c) => (c.database.restoreFromSnapshot = 'arn:aws:rds:eu-west-1:333333333333:snapshot:nightly')), 'prod.database.restoreFromSnapshot', 'must be a cluster-snapshot ARN for engine aurora-postgresql'],
  ['a backup window that is no window', 'prod', changed(prod, (c) => (c.database.backup.window = '3am-4am')), 'prod.database.backup.window', 'must be a daily UTC window'],
  ['a backup window under 30 minutes', 'prod', changed(prod, (c) => (c.database.backup.window = '02:00-02:20')), 'prod.database.backup.window', 'must last at least 30 minutes'],
  ['a backup window inside the maintenance window', 'prod', changed(prod, (c) => ((c.database.backup.window = '04:00-05:00'), (c.database.maintenanceWindow = 'wed:04:30-wed:05:30'))), 'prod.database.backup.window', 'overlaps database.maintenanceWindow (wed:04:30-wed:05:30)'],
  ['a backup window that meets a maintenance window across midnight', 'prod', changed(prod, (c) => ((c.database.backup.window = '00:00-00:30'), (c.database.maintenanceWindow = 'sat:23:30-sun:00:15'))), 'prod.database.backup.window', 'overlaps database.maintenanceWindow'],
  ['a maintenance day that does not exist', 'prod', changed(prod, (c) => (c.database.maintenanceWindow = 'fri:04:00-xyz:05:00')), 'prod.database.maintenanceWindow', 'must be a weekly UTC window'],
  ['a Performance Insights retention AWS refuses', 'prod', changed(prod, (c) => (c.database.performanceInsightsRetentionDays = 30)), 'prod.database.performanceInsightsRetentionDays', 'must be 7, a multiple of 31'],
  ['a snapshot id with spaces', 'prod', changed(prod, (c) => (c.database.restoreFromSnapshot = 'my snapshot')), 'prod.database.restoreFromSnapshot', 'must be a DB snapshot identifier'],
  ['a reserved master user name', 'prod', changed(prod, (c) => (c.database.masterUsername = 'postgres')), 'prod.database.masterUsername', 'is reserved'],
  ['prod cache without a replica', 'prod', changed(prod, (c) => (c.cache.replicas = 0)), 'prod.cache.replicas', 'must be at least 1 for tier prod'],
  ['a cache snapshot window inside its maintenance window', 'prod', changed(prod, (c) => (c.cache.snapshotWindow = '06:00-07:00')), 'prod.cache.snapshotWindow', 'overlaps cache.maintenanceWindow (sun:06:00-sun:07:00)'],
  ['a cache node type that is no node type', 'prod', changed(prod, (c) => (c.cache.nodeType = 'r7g.large')), 'prod.cache.nodeType', 'must be an ElastiCache node type'],
  ['prod without a certificate', 'prod', changed(prod, (c) => delete c.service.loadBalancer.certificateArn), 'prod.service.loadBalancer.certificateArn', 'is required for tier prod: only tier dev may serve plain HTTP'],
  ['staging without a certificate', 'staging', changed(environments.staging, (c) => delete c.service.loadBalancer.certificateArn), 'staging.service.loadBalancer.certificateArn', 'is required for tier staging'],
  ['a certificate that is no ACM ARN', 'prod', changed(prod, (c) => (c.service.loadBalancer.certificateArn = 'arn:aws:iam::333333333333:server-certificate/web')), 'prod.service.loadBalancer.certificateArn', 'must be an ACM certificate ARN'],
  ['a TLS policy that allows TLS 1.0', 'prod', changed(prod, (c) => (c.service.loadBalancer.tlsPolicy = 'ELBSecurityPolicy-2016-08')), 'prod.service.loadBalancer.tlsPolicy', 'ELBSecurityPolicy-TLS13-1-2-2021-06'],
  ['a memory size Fargate does not pair with the CPU', 'prod', changed(prod, (c) => (c.service.memoryMiB = 512)), 'prod.service.memoryMiB', 'with service.cpu 1024 Fargate offers 2048 to 8192 in steps of 1024 MiB'],
  ['a CPU size Fargate does not offer', 'prod', changed(prod, (c) => (c.service.cpu = 300)), 'prod.service.cpu', 'must be a Fargate CPU size'],
  ['the mutable tag latest', 'prod', changed(prod, (c) => (c.service.image.tag = 'latest')), 'prod.service.image.tag', 'may not be "latest"'],
  ['an image tag with a slash', 'prod', changed(prod, (c) => (c.service.image.tag = 'release/1.0')), 'prod.service.image.tag', 'must be a container image tag'],
  ['a container running as root', 'prod', changed(prod, (c) => (c.service.user = '0:0')), 'prod.service.user', 'may not be uid 0'],
  ['a privileged container port', 'prod', changed(prod, (c) => (c.service.containerPort = 80)), 'prod.service.containerPort', 'Too small'],
  ['an environment variable Groundwork sets', 'prod', changed(prod, (c) => (c.service.environment.DATABASE_PASSWORD = 'hunter2')), 'prod.service.environment.DATABASE_PASSWORD', 'is set by Groundwork'],
  ['prod with one task', 'prod', changed(prod, (c) => (c.service.autoscaling.minTasks = 1)), 'prod.service.autoscaling.minTasks', 'must be at least 2 for tier prod'],
  ['more tasks at least than at most', 'dev', changed(dev, (c) => (c.service.autoscaling = { minTasks: 5, maxTasks: 2 })), 'dev.service.autoscaling.minTasks', 'is 5, more than service.autoscaling.maxTasks (2)'],
  ['a desired count outside the scaling range', 'dev', changed(dev, (c) => (c.service.desiredCount = 9)), 'dev.service.desiredCount', 'is 9, outside service.autoscaling\'s 1 to 4 tasks'],
  ['a health check that times out after its interval', 'dev', changed(dev, (c) => (c.service.healthCheck = { intervalSeconds: 10, timeoutSeconds: 10 })), 'dev.service.healthCheck.timeoutSeconds', 'must be less than service.healthCheck.intervalSeconds (10)'],
  ['a health check path that is no path', 'dev', changed(dev, (c) => (c.service.healthCheck = { path: 'healthz' })), 'dev.service.healthCheck.path', 'must be an absolute URL path'],
  ['a deployment without room to replace a task', 'dev', changed(dev, (c) => (c.service.deployment = { minimumHealthyPercent: 100, maximumPercent: 100 })), 'dev.service.deployment', 'cannot replace a task when the service runs 1'],
  ['a deployment whose room rounds away at one task', 'dev', changed(dev, (c) => (c.service.deployment = { minimumHealthyPercent: 100, maximumPercent: 150 })), 'dev.service.deployment', 'cannot replace a task when the service runs 1: at most 1 may run and at least 1 must stay healthy'],
  ['a health check code the load balancer refuses', 'dev', changed(dev, (c) => (c.service.healthCheck = { healthyHttpCodes: '200-599' })), 'dev.service.healthCheck.healthyHttpCodes', 'must lie between 200 and 499'],
  ['a load balancer range with host bits', 'dev', changed(dev, (c) => (c.service.loadBalancer = { allowedCidrs: ['203.0.113.7/24'] })), 'dev.service.loadBalancer.allowedCidrs.0', 'no host bits set'],
  ['a container log retention CloudWatch refuses', 'dev', changed(dev, (c) => (c.service.logRetentionDays = 10)), 'dev.service.logRetentionDays', 'must be one of the retention periods'],
  ['no service at all', 'dev', changed(dev, (c) => delete c.service), 'dev.service', 'is required'],
  ['two backup rules of one name', 'dev', changed(dev, (c) => (c.backup = { rules: [{ name: 'daily', retentionDays: 7 }, { name: 'daily', retentionDays: 30 }] })), 'dev.backup.rules.1.name', 'names another rule too'],
  ['a backup schedule that is no cron expression', 'dev', changed(dev, (c) => (c.backup = { rules: [{ name: 'daily', schedule: 'daily at 5', retentionDays: 7 }] })), 'dev.backup.rules.0.schedule', 'must be an AWS cron expression'],
  ['a backup plan with no rule', 'dev', changed(dev, (c) => (c.backup = { rules: [] })), 'dev.backup.rules', 'must hold at least one rule'],
  ['a backup completion window too close to its start window', 'dev', changed(dev, (c) => (c.backup = { rules: [{ name: 'daily', retentionDays: 7, startWindowMinutes: 120, completionWindowMinutes: 150 }] })), 'dev.backup.rules.0.completionWindowMinutes', 'at least the start window plus 60 (180)'],
  ['a continuous backup kept longer than 35 days', 'dev', changed(dev, (c) => (c.backup = { rules: [{ name: 'pitr', retentionDays: 60, continuous: true }] })), 'dev.backup.rules.0.retentionDays', 'continuous backups are kept at most 35 days'],
  ['a continuous backup sent to cold storage', 'dev', changed(dev, (c) => (c.backup = { rules: [{ name: 'pitr', retentionDays: 35, continuous: true, coldStorageAfterDays: 7 }] })), 'dev.backup.rules.0.coldStorageAfterDays', 'never go to cold storage'],
  ['a DR copy deleted before its 90 days in cold storage', 'dev', changed(dev, (c) => (c.backup = { rules: [{ name: 'weekly', retentionDays: 400, coldStorageAfterDays: 30, drRetentionDays: 100 }] })), 'dev.backup.rules.0.drRetentionDays', 'is 100; a recovery point in cold storage after 30 days must be kept at least 90 more, so 120 or more'],
  ['a retention the vault lock refuses', 'prod', changed(prod, (c) => (c.backup.rules[1].drRetentionDays = 500)), 'prod.backup.rules.1.drRetentionDays', 'is 500, outside the vault lock\'s 7 to 400 days'],
  ['a vault lock whose range is upside down', 'prod', changed(prod, (c) => (c.backup.vaultLock = { minRetentionDays: 30, maxRetentionDays: 7 })), 'prod.backup.vaultLock.minRetentionDays', 'is 30, more than backup.vaultLock.maxRetentionDays (7)'],
  ['a continuous backup whose retention differs from the database\'s own', 'prod', changed(prod, (c) => (c.backup.rules[0].retentionDays = 30)), 'prod.backup.rules.0.retentionDays', 'must equal database.backup.retentionDays (35)'],
  ['a compliance lock changeable for under 3 days', 'prod', changed(prod, (c) => (c.backup.vaultLock.changeableForDays = 1)), 'prod.backup.vaultLock.changeableForDays', 'Too small'],
  ['prod with nobody told of its alarms', 'prod', changed(prod, (c) => (c.observability.subscriptions = [])), 'prod.observability.subscriptions', 'must name at least one subscriber for tier prod'],
  ['an alarm email that is no address', 'dev', changed(dev, (c) => (c.observability = { subscriptions: [{ protocol: 'email', endpoint: 'ops-at-example' }] })), 'dev.observability.subscriptions.0.endpoint', 'must be an email address'],
  ['an alarm webhook over plain HTTP', 'dev', changed(dev, (c) => (c.observability = { subscriptions: [{ protocol: 'https', endpoint: 'http://hooks.example.com/alarms' }] })), 'dev.observability.subscriptions.0.endpoint', 'must be an https URL'],
  ['one alarm subscriber twice', 'dev', changed(dev, (c) => (c.observability = { subscriptions: [{ protocol: 'email', endpoint: 'ops@example.com' }, { protocol: 'email', endpoint: 'ops@example.com' }] })), 'dev.observability.subscriptions.1.endpoint', 'subscribes ops@example.com a second time (as entry 0 does)'],
  ['a 5xx threshold above 100%', 'dev', changed(dev, (c) => (c.observability = { thresholds: { loadBalancer5xxPercent: 150 } })), 'dev.observability.thresholds.loadBalancer5xxPercent', 'Too big'],
  ['a latency threshold of zero', 'dev', changed(dev, (c) => (c.observability = { thresholds: { targetLatencyP99Seconds: 0 } })), 'dev.observability.thresholds.targetLatencyP99Seconds', 'Too small'],
  ['a misspelt threshold', 'dev', changed(dev, (c) => (c.observability = { thresholds: { cacheCPUPercent: 50 } })), 'dev.observability.thresholds.cacheCPUPercent', 'is not a known field'],
  ['a state replication latency threshold under a minute', 'dev', changed(dev, (c) => (c.observability = { thresholds: { stateReplicationLatencySeconds: 30 } })), 'dev.observability.thresholds.stateReplicationLatencySeconds', 'Too small'],
  ['a state replication latency threshold over a day', 'dev', changed(dev, (c) => (c.observability = { thresholds: { stateReplicationLatencySeconds: 90_000 } })), 'dev.observability.thresholds.stateReplicationLatencySeconds', 'Too big'],
  ['a fractional state replication latency threshold', 'dev', changed(dev, (c) => (c.observability = { thresholds: { stateReplicationLatencySeconds: 90.5 } })), 'dev.observability.thresholds.stateReplicationLatencySeconds', 'expected int'],
  ['a redeploy failure threshold of zero', 'dev', changed(dev, (c) => (c.observability = { thresholds: { redeployFailures: 0 } })), 'dev.observability.thresholds.redeployFailures', 'Too small'],
  ['an alarm that needs more breaching datapoints than it evaluates', 'dev', changed(dev, (c) => (c.observability = { evaluation: { periods: 3, datapointsToAlarm: 5 } })), 'dev.observability.evaluation.datapointsToAlarm', 'is 5, more than observability.evaluation.periods (3)'],
  ['an alarm that evaluates no period', 'dev', changed(dev, (c) => (c.observability = { evaluation: { periods: 0 } })), 'dev.observability.evaluation.periods', 'Too small'],
  ['an audit trail kept no day', 'dev', changed(dev, (c) => (c.observability = { trail: { retentionDays: 0 } })), 'dev.observability.trail.retentionDays', 'Too small'],
  ['a real database that no backup selects', 'dev', changed(dev, (c) => (c.backup = { selectDatabase: false })), 'dev.backup.selectDatabase', 'may be false only in an emulator environment: a plan that selects nothing backs up nothing'],
  ['a real audit trail that does not log', 'prod', changed(prod, (c) => (c.observability.trail = { logging: false })), 'prod.observability.trail.logging', 'may be false only in an emulator environment: a trail that does not log audits nothing'],
  ['a real database password left to RDS\'s own schedule', 'prod', changed(prod, (c) => (c.rotation = { databasePasswordSchedule: false })), 'prod.rotation.databasePasswordSchedule', 'may be false only in an emulator environment: the database password must rotate on the schedule set here'],
  ['a policy waiver in prod', 'prod', changed(prod, (c) => (c.policy = { waivers: [{ rule: 'GW-S3-01', resource: 'service-prod/load-balancer/access-logs/bucket', reason: 'a waiver prod may never have' }] })), 'prod.policy.waivers', 'must be empty for tier prod'],
  ['a policy waiver without a reason', 'dev', changed(dev, (c) => (c.policy = { waivers: [{ rule: 'GW-S3-01', resource: 'service-dev/load-balancer/access-logs/bucket', reason: 'because' }] })), 'dev.policy.waivers.0.reason', 'must explain the waiver'],
];

describe('an invalid environment', () => {
  it.each(INVALID)('is rejected for %s, naming the field, and nothing is written', (_what, key, config, fieldPath, fragment) => {
    const { problems, parent, outdir } = rejectedProblems({ [key]: config });
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${escape(fieldPath)}: .*${escape(fragment)}`)));
    expect(fs.existsSync(outdir)).toBe(false);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  // The switches only an emulator environment may turn off: their rows above give rules.ts's whole message.
  const EMULATOR_ONLY = INVALID.filter(([, , , fieldPath]) => /\.(backup\.selectDatabase|observability\.trail\.logging|rotation\.databasePasswordSchedule|state\.replica\.enabled)$/.test(fieldPath));
  it.each(EMULATOR_ONLY)('is rejected for %s with exactly one problem, rules.ts\'s message for its field', (_what, key, config, fieldPath, message) => {
    expect(rejectedProblems({ [key]: config }).problems).toEqual([`${fieldPath}: ${message}`]);
  });

  it('has a row for every switch only an emulator environment may turn off', () => {
    expect(EMULATOR_ONLY.map(([, , , fieldPath]) => fieldPath.replace(/^[a-z]+\./, '')).sort()).toEqual(['backup.selectDatabase', 'observability.trail.logging', 'rotation.databasePasswordSchedule', 'state.replica.enabled']);
  });

  it('reports every problem at once, with the exact message for prod zones', () => {
    const broken = changed(prod, (c) => {
      c.accountId = 'abc';
      c.drRegion = c.region;
      c.network.azCount = 1;
      c.network.natMode = 'single';
      c.network.nat = 'typo';
      c.kms = { deletionWindowDays: 3 };
    });
    const { problems } = rejectedProblems({ prod: broken });
    expect(problems).toContain('prod.network.azCount: must be at least 2 for tier prod');
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['prod.accountId', 'prod.drRegion', 'prod.kms.deletionWindowDays', 'prod.network.azCount', 'prod.network.nat', 'prod.network.natMode'].sort(),
    );
  });

  it('still has its cross-field rules checked when an unrelated field has the wrong type', () => {
    const { problems } = rejectedProblems({ prod: changed(prod, (c) => ((c.tier = 'prod'), (c.accountId = 42), (c.network.natMode = 'single'))) });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^prod\.accountId: /), expect.stringMatching(/^prod\.network\.natMode: must be "per-az"/)]));
  });

  it('has a name that differs from its registry key reported even when other fields are invalid', () => {
    const { problems } = rejectedProblems({ qa: changed(prod, (c) => ((c.name = 'prod'), (c.accountId = 'x'))) });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^qa\.name: is "prod" but/), expect.stringMatching(/^qa\.accountId: /)]));
  });

  it('has zones of another region reported even when azCount is not a number', () => {
    const { problems } = rejectedProblems({ prod: changed(prod, (c) => ((c.network.azCount = 'three'), (c.network.availabilityZones = ['us-east-1a']))) });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^prod\.network\.azCount: /), expect.stringMatching(/^prod\.network\.availabilityZones\.0: "us-east-1a" is not an availability zone/)]));
  });

  it('is reported across environments: two environments may not share a state bucket', () => {
    const { problems } = rejectedProblems({
      dev,
      staging: changed(environments.staging, (c) => (c.state = { bucket: 'groundwork-dev-tfstate-111111111111' })),
    });
    // Reported on staging, which chose the name; dev took its default.
    expect(problems).toEqual(['staging.state.bucket: "groundwork-dev-tfstate-111111111111" is the state bucket of dev too; bucket names are global, and each environment keeps its state apart']);
  });

  it('leaves an earlier, complete output untouched', () => {
    const parent = tempDir('keep');
    const outdir = path.join(parent, 'cdktf.out');
    synthesize({ dev }, { outdir });
    const before = fs.readFileSync(path.join(outdir, 'stacks', 'network-dev', 'cdk.tf.json'), 'utf8');
    expect(() => synthesize({ dev: changed(dev, (c) => (c.network.azCount = 0)) }, { outdir })).toThrow(ConfigError);
    expect(fs.readFileSync(path.join(outdir, 'stacks', 'network-dev', 'cdk.tf.json'), 'utf8')).toBe(before);
    expect(fs.readdirSync(parent)).toEqual(['cdktf.out']);
  });
});
