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
  // One Neo4j server, as the seed runs it.
  graph: {},
  service: {
    // The tag prod runs next: `npm run promote -- --from staging --to prod` copies it there.
    image: { tag: '2026.11.20-3f9c2ab' },
    environment: { LOG_LEVEL: 'info' },
    autoscaling: { minTasks: 2, maxTasks: 4 },
    loadBalancer: { certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/0c7d2e4f-5a6b-4c8d-9e0f-a1b2c3d4e5f6' },
  },
  gitops: {
    cluster: { kind: 'eks', nodes: { instanceTypes: ['m7i.large'], minSize: 2, maxSize: 4, desiredSize: 2 } },
    repository: { url: 'https://github.com/example/groundwork-apps.git' },
  },
};
