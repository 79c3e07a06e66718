import type { EnvironmentConfig } from './schema';

/** Day-to-day development: one NAT gateway, short retention, nothing protected from deletion. */
export const dev: EnvironmentConfig = {
  name: 'dev',
  tier: 'dev',
  accountId: '111111111111',
  region: 'eu-west-1',
  drRegion: 'eu-central-1',
  tags: { 'cost-center': 'platform', owner: 'platform-team' },
  network: {
    cidr: '10.10.0.0/16',
    azCount: 2,
    natMode: 'single',
    flowLogs: { retentionDays: 30 },
  },
  // A small RDS instance: dev is where the plain-RDS engine is exercised.
  database: { engine: 'postgres', backup: { retentionDays: 1 } },
  cache: { replicas: 0, snapshotRetentionDays: 0 },
  // No certificate: dev serves plain HTTP, which only tier dev may.
  service: { image: { tag: '2026.11.20-3f9c2ab' }, environment: { LOG_LEVEL: 'debug' } },
  state: { noncurrentVersionExpirationDays: 30 },
  kms: { deletionWindowDays: 7 },
  gitops: {
    // A k3s (or kind) cluster on a developer machine or a shared dev host.
    cluster: { kind: 'existing', kubeconfigPath: '~/.kube/config', context: 'groundwork-dev' },
    repository: { url: 'https://github.com/example/groundwork-apps.git' },
  },
  // What the policy gate (`npm run policy`) lets dev off; see docs/policy.md.
  policy: {
    waivers: [
      {
        rule: 'GW-ALB-02',
        resource: 'service-dev/load-balancer/http',
        reason: 'dev has no certificate, so its load balancer serves plain HTTP on port 80 (only tier dev may); it carries no real users or data',
      },
    ],
  },
};
