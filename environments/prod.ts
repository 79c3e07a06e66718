import type { EnvironmentConfig } from './schema';

/** Production: three zones, a NAT gateway in each, a year of flow logs. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  tier: 'prod',
  accountId: '333333333333',
  region: 'eu-west-1',
  drRegion: 'eu-central-1',
  tags: { 'cost-center': 'platform', owner: 'platform-team', 'data-classification': 'confidential' },
  network: {
    cidr: '10.30.0.0/16',
    azCount: 3,
    natMode: 'per-az',
    flowLogs: { retentionDays: 365 },
  },
  database: {
    engine: 'aurora-postgresql',
    // Pinned to a minor: the standby's secondary cluster must run exactly the primary's version.
    engineVersion: '16.14',
    capacity: { minAcu: 2, maxAcu: 32 },
    readers: 2,
    backup: { retentionDays: 35, window: '02:00-03:00' },
    performanceInsightsRetentionDays: 93,
  },
  cache: { nodeType: 'cache.r7g.large', replicas: 2, snapshotRetentionDays: 14 },
  // A three-server Neo4j cluster across the zones: it survives the loss of a node or a zone.
  graph: { edition: 'enterprise', nodes: 3, instanceType: 'r7i.xlarge', memory: { heapGiB: 8, pageCacheGiB: 16 }, dataVolume: { sizeGiB: 500, iops: 6000, throughputMiBps: 250 } },
  service: {
    image: { tag: '2026.11.18-9d1e7c4', keepImages: 100 },
    cpu: 1024,
    memoryMiB: 2048,
    environment: { LOG_LEVEL: 'info' },
    autoscaling: { minTasks: 3, maxTasks: 12, cpuTargetPercent: 55, requestsPerTarget: 1000 },
    loadBalancer: { certificateArn: 'arn:aws:acm:eu-west-1:333333333333:certificate/6b1f3c5e-8a0d-4e2b-9c7f-1d2e3f4a5b6c' },
    logRetentionDays: 365,
  },
  state: { noncurrentVersionExpirationDays: 365 },
  backup: {
    rules: [
      // Any second of the last 35 days; copies in the DR region are snapshots.
      { name: 'continuous', schedule: 'cron(0 1 * * ? *)', retentionDays: 35, continuous: true },
      { name: 'monthly', schedule: 'cron(0 3 1 * ? *)', retentionDays: 365, drRetentionDays: 365 },
    ],
    vaultLock: { minRetentionDays: 7, maxRetentionDays: 400 },
  },
  observability: {
    subscriptions: [{ protocol: 'https', endpoint: 'https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue' }],
  },
  // A warm standby in the DR region (eu-central-1) behind a Global Accelerator; see the README's "Region failover".
  failover: {
    network: { cidr: '10.31.0.0/16' },
    mode: 'warm-standby',
    standbyTasks: 2,
    certificateArn: 'arn:aws:acm:eu-central-1:333333333333:certificate/0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f',
    routing: { kind: 'global-accelerator' },
  },
  gitops: {
    cluster: { kind: 'eks', nodes: { instanceTypes: ['m7i.xlarge', 'm6i.xlarge'], minSize: 3, maxSize: 9, desiredSize: 3 }, logRetentionDays: 365 },
    repository: { url: 'https://github.com/example/groundwork-apps.git' },
  },
};
