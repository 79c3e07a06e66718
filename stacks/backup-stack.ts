import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { CrossRegionBackup } from '../constructs/cross-region-backup';
import type { DataStack } from './data-stack';
import { EnvironmentStack } from './environment-stack';

/**
 * `backup-<env>`: AWS Backup of the environment's database (and the graph nodes' data volumes), with every recovery point copied to a vault in
 * `drRegion` (through the second provider, `aws.dr`), so the data outlives the loss of the region.
 */
export class BackupStack extends EnvironmentStack {
  constructor(scope: Construct, env: Environment, data: DataStack) {
    super(scope, 'backup', env);
    const protection = protectionFor(env);
    const backup = new CrossRegionBackup(this, 'database-backup', {
      name: `groundwork-${env.name}`,
      resourceArns: env.backup.selectDatabase ? [data.database.arn, ...(data.graph?.nodes.map((node) => node.volumeArn) ?? [])] : [],
      rules: env.backup.rules,
      vaultLock: env.backup.vaultLock,
      accountId: env.accountId,
      primary: { region: env.region },
      dr: { region: env.drRegion, provider: this.regionalProvider('dr', env.drRegion) },
      keyAlias: `groundwork/${env.name}/backup`,
      keyRotationPeriodDays: env.kms.rotationPeriodDays,
      keyDeletionWindowDays: env.kms.deletionWindowDays,
      preventDestroy: protection.preventDestroy,
    });

    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output('vault_name', backup.vaultName, `Backup vault in ${env.region}`);
    output('vault_arn', backup.vaultArn, `ARN of the backup vault in ${env.region}`);
    output('dr_vault_name', backup.drVaultName, `Backup vault in the DR region, ${env.drRegion}`);
    output('dr_vault_arn', backup.drVaultArn, `ARN of the backup vault in ${env.drRegion}`);
    output('plan_id', backup.planId, 'Id of the backup plan');
    output('role_arn', backup.roleArn, 'Role AWS Backup acts as (for on-demand backups and restores)');
  }
}
