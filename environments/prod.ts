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
  state: { noncurrentVersionExpirationDays: 365 },
};
