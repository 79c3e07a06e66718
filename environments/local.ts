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
  cache: { replicas: 0, snapshotRetentionDays: 0 },
  service: { image: { tag: 'local' }, logRetentionDays: 7 },
  // moto 5.2 denies every request under a conditional Deny, so the TLS-only bucket policy would lock
  // Terraform out of its own state. An emulator gap, listed in the README.
  buckets: { tlsOnlyPolicy: false },
  kms: { deletionWindowDays: 7 },
  emulator: { endpoint: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000' },
  // What the policy gate (`npm run policy`) lets local off; see docs/policy.md.
  policy: {
    waivers: [
      ...['state-local/state-bucket/bucket', 'service-local/load-balancer/access-logs/bucket', 'observability-local/audit-trail/bucket/bucket'].map((resource) => ({
        rule: 'GW-S3-04',
        resource,
        reason: 'moto 5.2 treats the conditional Deny of the TLS-only policy as unconditional, so local runs with buckets.tlsOnlyPolicy false (an emulator gap, see the README)',
      })),
      {
        rule: 'GW-ALB-02',
        resource: 'service-local/load-balancer/http',
        reason: 'the emulator has no certificate to serve HTTPS with, so the throwaway local load balancer serves plain HTTP on loopback',
      },
    ],
  },
};
