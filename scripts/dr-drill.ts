// npm run dr:drill
// A disaster-recovery rehearsal on the `local` environment deployed at AWS_ENDPOINT_URL (`npm run local`):
// snapshot the database, destroy every stack but the state backend and the backups, re-deploy them from the same
// code with the database restored from that snapshot (`database.restoreFromSnapshot`), check that a plan
// is then clean, and print how long the recovery took. The README's "Disaster recovery" section is the
// same procedure for a real environment. Takes no arguments: exit 2 on any, before anything runs.
import { CreateDBClusterSnapshotCommand, type DBCluster, DescribeDBClusterSnapshotsCommand, DescribeDBClustersCommand, ModifyDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { EnvironmentConfig } from '../environments/schema';
import { parseArguments, runScript } from '../lib/cli';
import { diffSummary, isClean } from '../operations/diff-summary';
import { stackDiffs } from '../operations/change-sets';
import { deployInOrder, destroyInOrder, planRecord } from '../operations/environment-operations';
import { prepareLocalEnvironment, secondsSince } from '../operations/local-environment';

/** How long the snapshot may take to become available. */
const SNAPSHOT_TIMEOUT_MS = 600_000;

const USAGE = 'usage: npm run dr:drill   (no arguments; AWS_ENDPOINT_URL names the emulator `npm run local` deployed into)';

async function main(argv: string[]): Promise<void> {
  parseArguments(USAGE, () => parseArgs({ args: argv, options: {} }));
  const snapshotId = `groundwork-local-drill-${new Date().toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`;
  const restoring = (config: EnvironmentConfig): EnvironmentConfig => ({ ...config, database: { ...config.database, restoreFromSnapshot: snapshotId } });
  const log = console.log;
  const local = await prepareLocalEnvironment({ startEmulator: false, log });
  const rds = new RDSClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: local.context.env.AWS_ACCESS_KEY_ID!, secretAccessKey: local.context.env.AWS_SECRET_ACCESS_KEY! } });
  try {
    const clusterId = 'groundwork-local';
    log(`1. Snapshot of the database ${clusterId}: ${snapshotId}`);
    if (!(await findCluster(rds, clusterId))) throw new Error(`the database ${clusterId} does not exist at ${local.endpoint}: deploy local first (npm run local)`);
    // Emulator gap: moto 5.2 cannot restore a snapshot of a cluster whose password RDS manages (its copy
    // of the cluster looks for a password and fails with a 500). A throwaway password, in the emulator
    // only and never shown, lets it; the restored cluster still has its RDS-managed secret.
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: clusterId, MasterUserPassword: randomBytes(24).toString('hex'), ApplyImmediately: true }));
    await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: clusterId, DBClusterSnapshotIdentifier: snapshotId }));
    await waitForSnapshot(rds, snapshotId);

    // What survives the disaster: the state backend, and the backup vaults with the recovery points a
    // recovery restores from (in staging and prod their prevent_destroy refuses a destroy anyway). moto
    // also keeps a deleted backup plan's name, so the plan could not be made again in the same emulator.
    const survivors = ['state-local', 'backup-local'];
    const stacks = local.stacks.filter((stack) => !survivors.includes(stack.name));
    const destroyStart = Date.now();
    log(`2. The disaster: destroying ${stacks.length} stacks (${survivors.join(' and ')} survive: the state and the backups)`);
    await destroyInOrder(stacks, local.context, log);
    const destroyTime = secondsSince(destroyStart);
    if (await findCluster(rds, clusterId)) throw new Error(`the database ${clusterId} still exists after the destroy`);

    const recoveryStart = Date.now();
    log(`3. Recovery: re-deploying from the same code, the database from ${snapshotId}`);
    const restored = await prepareLocalEnvironment({ startEmulator: false, override: restoring, log });
    await deployInOrder(stacks, restored.context, log);
    const recoveryTime = secondsSince(recoveryStart);

    const after = await findCluster(rds, clusterId);
    if (!after || after.Status !== 'available') throw new Error(`the restored database ${clusterId} is not available (${after?.Status ?? 'missing'})`);

    log('4. Checking that a plan of the recovered environment is clean');
    const diffs = stackDiffs(await planRecord(restored, log));
    if (!isClean(diffs)) throw new Error(`the recovered environment does not match the code:\n${diffSummary('local', diffs)}`);

    log(`\nDisaster-recovery drill passed. Destroy: ${destroyTime}. Recovery time: ${recoveryTime} (${stacks.length} stacks re-deployed, database restored from ${snapshotId}).`);
    log('local now runs the restored database: its config needs database.restoreFromSnapshot to plan clean, so `npm run local` again returns it to an empty one.');
  } finally {
    rds.destroy();
    await local.close();
  }
}

async function findCluster(rds: RDSClient, clusterId: string): Promise<DBCluster | undefined> {
  const clusters = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
  return clusters.find((cluster) => cluster.DBClusterIdentifier === clusterId);
}

async function waitForSnapshot(rds: RDSClient, snapshotId: string): Promise<void> {
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  for (;;) {
    const snapshot = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshotId }))).DBClusterSnapshots?.[0];
    if (snapshot?.Status === 'available') return;
    if (Date.now() > deadline) throw new Error(`snapshot ${snapshotId} is still ${snapshot?.Status ?? 'missing'} after ${SNAPSHOT_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

void runScript('dr:drill', () => main(process.argv.slice(2)));
