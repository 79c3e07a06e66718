import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readChangeSet } from '../../operations/change-sets';
import { cleanDiff, deployLocal, LOCAL_STACKS, MINUTES, useLocalPlatform } from '../support/local-platform';

// A second copy of the local platform, in an emulator of its own, beside local-platform.test.ts: what needs
// the platform as `npm run local` leaves it, and then its loss. One runner per stack, merged, gives the single
// run's summary; then `npm run dr:drill` destroys and rebuilds it from a snapshot.
describe('the local platform in moto: one runner per stack, and recovery', () => {
  const platform = useLocalPlatform('local-recovery');

  beforeAll(async () => {
    await deployLocal(platform());
  }, 25 * MINUTES);

  it('one runner per stack: `--stack` runs merged with `--merge` give the single run\'s summary, byte for byte', async () => {
    const { workDir, npmRun } = platform();
    await cleanDiff(platform(), 'clean');
    const records = LOCAL_STACKS.map((stack) => path.join(workDir, 'per-stack', `${stack}.json`));
    // One after another: runners have a checkout each, but here they share one work directory, and each
    // run synthesizes into it (two at once would swap the output under each other's Terraform).
    for (const [index, stack] of LOCAL_STACKS.entries()) {
      const run = await npmRun(['diff', '--', '--env', 'local', '--stack', stack, '--json', records[index]], 5 * MINUTES);
      if (run.code !== 0) throw new Error(`npm run diff --stack ${stack} exited ${run.code}, not 0:\n${run.output}`);
    }
    const merged = path.join(workDir, 'merged.md');
    const run = await npmRun(['diff', '--', '--merge', ...records, '--out', merged, '--json', path.join(workDir, 'merged.json')], MINUTES);
    expect(run.code).toBe(0);
    expect(fs.readFileSync(merged, 'utf8')).toBe(fs.readFileSync(path.join(workDir, 'clean.md'), 'utf8'));
    expect(readChangeSet(path.join(workDir, 'merged.json'))).toEqual(readChangeSet(path.join(workDir, 'clean.json')));
  }, 20 * MINUTES);

  it('`npm run dr:drill` destroys, re-deploys and restores the database from a snapshot, and prints the recovery time', async () => {
    // The drill's last check is a clean plan against the config deployed: the shipped one.
    const run = await platform().npmRun('dr:drill', 25 * MINUTES);
    if (run.code !== 0) throw new Error(`npm run dr:drill exited ${run.code}:\n${run.output}`);
    console.log(/^Disaster-recovery drill passed\..*$/m.exec(run.output)?.[0]);
    expect(run.output).toMatch(/Recovery time: \d+\.\d s \(5 stacks re-deployed, database restored from groundwork-local-drill-\d{14}\)/);
    const snapshot = /restored from (groundwork-local-drill-\d{14})/.exec(run.output)![1];
    const database = ((await new RDSClient(platform().clientConfig()).send(new DescribeDBClustersCommand({}))).DBClusters ?? []).find((cluster) => cluster.DBClusterIdentifier === 'groundwork-local');
    expect(database?.Status).toBe('available');
    expect(run.output).toContain(`3. Recovery: re-deploying from the same code, the database from ${snapshot}`);
  }, 30 * MINUTES);
});
