import { CreateTagsCommand, DeleteTagsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import * as path from 'node:path';
import { changeLines, cleanDiff, deployLocal, MINUTES, useLocalPlatform } from '../support/local-platform';

// A second copy of the local platform, in an emulator of its own, beside local-platform.test.ts (the suites
// mostly wait on the provider's polling, so they share the cores well): a change made by hand outside
// Terraform, then the platform's loss. `npm run diff` finds the drift and a reviewed deploy refuses to apply
// over it; then `npm run dr:drill` destroys the platform and rebuilds it from a snapshot.
describe('the local platform in moto: drift, and recovery', () => {
  const platform = useLocalPlatform('local-recovery');

  beforeAll(async () => {
    await deployLocal(platform());
  }, 25 * MINUTES);

  it('`npm run diff` exits 2 on drift, naming the stack, the resource and the attributes; a deploy of the reviewed plan then stops before that stack', async () => {
    // The reviewed record the deploy below holds the plans against, made before the hand change.
    await cleanDiff(platform(), 'clean');
    const ec2 = new EC2Client(platform().clientConfig());
    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:environment', Values: ['local'] }] }))).Vpcs![0];
    // A change made outside Terraform, as a console user might, after the change set was reviewed.
    await ec2.send(new CreateTagsCommand({ Resources: [vpc.VpcId!], Tags: [{ Key: 'owner', Value: 'someone-by-hand' }] }));
    try {
      // The stack the drift is in (the nightly drift workflow plans each stack on a runner of its own); the
      // reviewed deploy below plans all seven and finds the other six as reviewed.
      const run = await platform().npmRun(['diff', '--', '--env', 'local', '--stack', 'network-local'], 10 * MINUTES);
      expect(run.code).toBe(2);
      expect(run.output).toContain('0 to add, 1 to change, 0 to destroy in 1 of 1 stacks.');
      expect(run.output).toContain('| `network-local` | 0 | 1 | 0 |  |');
      expect(changeLines(run.output)).toEqual([expect.stringMatching(/^- `aws_vpc\.\S+`: update \(tags, tags_all\)$/)]);
      expect(run.output).not.toContain('someone-by-hand');

      const deploy = await platform().npmRun(['deploy', '--', '--env', 'local', '--reviewed', path.join(platform().workDir, 'clean.json'), '--yes'], 10 * MINUTES);
      expect(deploy.code).toBe(1);
      expect(deploy.output).toMatch(/network-local: the plan now differs from the reviewed one, so nothing of it was applied:\n {4}`aws_vpc\.\S+`: reviewed no change, now update \(tags, tags_all\)\n/);
      // Its dependents are not touched either; stacks that do not depend on it apply their (empty) reviewed plans.
      for (const stack of ['data-local', 'service-local', 'observability-local']) expect(deploy.output).toMatch(new RegExp(`^${stack}: not deployed, because`, 'm'));
      expect(deploy.output).toMatch(/^ {2}state-local: \d+ added, \d+ changed, \d+ destroyed, as reviewed/m);
      expect(deploy.output).not.toContain('someone-by-hand');
      // Nothing of network-local was applied: the hand-made tag is still there.
      const tags = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] }))).Vpcs![0].Tags ?? [];
      expect(tags).toContainEqual({ Key: 'owner', Value: 'someone-by-hand' });
    } finally {
      await ec2.send(new DeleteTagsCommand({ Resources: [vpc.VpcId!], Tags: [{ Key: 'owner' }] }));
    }
  }, 22 * MINUTES);

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
