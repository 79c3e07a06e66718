import type { EnvironmentConfig } from './schema';

/**
 * The whole platform against an AWS API emulator on loopback (moto by default). The account id is moto's
 * default; Groundwork's scripts use it as the access key id, which LocalStack takes as the account too.
 * `AWS_ENDPOINT_URL`, the AWS SDKs' standard variable, points it at another emulator.
 */
export const local: EnvironmentConfig = {
  name: 'local',
  tier: 'dev',
  accountId: '123456789012',
  region: 'us-east-1',
  drRegion: 'us-west-2',
  network: {
    cidr: '10.99.0.0/16',
    azCount: 2,
    natMode: 'single',
    flowLogs: { retentionDays: 7 },
  },
  database: { engine: 'aurora-postgresql', readers: 0, backup: { retentionDays: 1 } },
  // Emulator gaps (README, "Emulator gaps"): each feature below is off only because moto 5.2 lacks an API it needs.
  // moto lists a replication group's member clusters but cannot describe them, and the provider reads one.
  cache: { enabled: false },
  service: {
    image: { tag: 'local' },
    logRetentionDays: 7,
    // moto's Application Auto Scaling has no ListTagsForResource, so a scalable target never finishes creating.
    autoscaling: { enabled: false },
  },
  // One small node; moto has no EC2 Image Builder, so it boots Amazon Linux 2023 as the image parameter says.
  // moto keeps a terminated instance's network interface attached at device 0, so a node's own interface
  // could never be deleted: the instance takes its address in the subnet, a new one when it is replaced.
  graph: { instanceType: 't3.medium', memory: { heapGiB: 1, pageCacheGiB: 1.5 }, dataVolume: { sizeGiB: 10 }, image: { pipeline: false }, stableAddresses: false },
  // moto cannot cancel the rotation of a secret RDS manages (CancelRotateSecret wants a rotation function),
  // so the schedule could be set but never destroyed; RDS's own 7-day schedule stays.
  rotation: { databasePasswordSchedule: false },
  // moto's AWS Backup has plans and vaults but no selections.
  backup: { selectDatabase: false },
  observability: {
    // moto's CloudTrail StartLogging finds a trail by name only, and the provider starts it by ARN.
    trail: { logging: false },
    // local runs no ArgoCD, but has the GitOps alerts' workspace so that its AWS side is applied for real.
    // moto's Managed Prometheus drops a workspace's key (each plan would replace it) and has no alert manager.
    prometheus: { enabled: true, customerKey: false, alertManager: false },
  },
  // moto 5.2 denies every request under a conditional Deny, so the TLS-only bucket policy would lock
  // Terraform out of its own state. An emulator gap, listed in the README.
  buckets: { tlsOnlyPolicy: false },
  kms: { deletionWindowDays: 7 },
  emulator: { endpoint: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000' },
  // What the policy gate (`npm run policy`) lets local off; see docs/policy.md.
  policy: {
    waivers: [
      ...['state-local/state-bucket/bucket', 'state-local/replica-bucket/bucket', 'service-local/load-balancer/access-logs/bucket', 'observability-local/audit-trail/bucket/bucket'].map((resource) => ({
        rule: 'GW-S3-04',
        resource,
        reason: 'moto 5.2 treats the conditional Deny of the TLS-only policy as unconditional, so local runs with buckets.tlsOnlyPolicy false (an emulator gap, see the README)',
      })),
      {
        rule: 'GW-BACKUP-04',
        resource: 'data-local/database/cluster',
        reason: 'moto 5.2 has no AWS Backup selections, so local runs with backup.selectDatabase false (an emulator gap, see the README)',
      },
      {
        rule: 'GW-BACKUP-05',
        resource: 'data-local/graph/node-1/data',
        reason: 'moto 5.2 has no AWS Backup selections, so local runs with backup.selectDatabase false (an emulator gap, see the README)',
      },
      {
        rule: 'GW-AMP-01',
        resource: 'observability-local/prometheus/workspace',
        reason: "moto 5.2 drops a Managed Prometheus workspace's key, so each plan would replace it; local runs with observability.prometheus.customerKey false (an emulator gap, see the README)",
      },
      {
        rule: 'GW-ALB-02',
        resource: 'service-local/load-balancer/http',
        reason: 'the emulator has no certificate to serve HTTPS with, so the throwaway local load balancer serves plain HTTP on loopback',
      },
    ],
  },
};
