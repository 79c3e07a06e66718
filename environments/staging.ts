import type { EnvironmentConfig } from './schema';

/** A rehearsal of prod: same shape, smaller bill. */
export const staging: EnvironmentConfig = {
  name: 'staging',
  tier: 'staging',
  accountId: '222222222222',
  region: 'eu-west-1',
  drRegion: 'eu-central-1',
  tags: { 'cost-center': 'platform', owner: 'platform-team' },
  network: {
    cidr: '10.20.0.0/16',
    azCount: 2,
    natMode: 'single',
    flowLogs: { retentionDays: 90 },
  },
  database: { engine: 'aurora-postgresql', capacity: { minAcu: 0.5, maxAcu: 4 }, readers: 1 },
  gitops: {
    cluster: { kind: 'eks', nodes: { instanceTypes: ['m7i.large'], minSize: 2, maxSize: 4, desiredSize: 2 } },
    repository: { url: 'https://github.com/example/groundwork-apps.git' },
  },
};
