import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { EncryptionKey } from '../constructs/encryption-key';
import { TerraformStateBucket } from '../constructs/terraform-state-bucket';
import { BucketReplication } from '../constructs/bucket-replication';
import { EnvironmentStack, stateKeyAlias } from './environment-stack';

/**
 * `state-<env>`: the bucket and key that hold every stack's state for the environment, this stack's own
 * included (after the bootstrap moves it there: see `scripts/bootstrap-state.ts`), and their live replica
 * in the DR region, which the backends read instead while the region is down.
 */
export class StateStack extends EnvironmentStack {
  readonly bucketName: string;

  constructor(scope: Construct, env: Environment) {
    super(scope, 'state', env);
    const { preventDestroy } = protectionFor(env);
    const keyProps = {
      description: `Terraform state of Groundwork environment ${env.name}`,
      alias: stateKeyAlias(env),
      accountId: env.accountId,
      rotationPeriodDays: env.kms.rotationPeriodDays,
      deletionWindowDays: env.kms.deletionWindowDays,
      preventDestroy,
    };
    const key = new EncryptionKey(this, 'state-key', { ...keyProps, region: env.region });
    const bucketProps = {
      noncurrentVersionExpirationDays: env.state.noncurrentVersionExpirationDays,
      tlsOnly: env.buckets.tlsOnlyPolicy,
      preventDestroy,
    };
    const bucket = new TerraformStateBucket(this, 'state-bucket', { ...bucketProps, bucketName: env.state.bucket, encryptionKey: key, region: env.region });
    this.bucketName = env.state.bucket;
    new TerraformOutput(this, 'state_bucket', { value: bucket.bucketName, description: 'S3 bucket holding this environment\'s Terraform state' });
    new TerraformOutput(this, 'state_key_arn', { value: key.keyArn, description: 'KMS key encrypting the state objects' });
    if (!env.state.replica.enabled) return;

    // The replica and its key live in the replica region, under the same alias, so the backend switch
    // (`stateBackend`) changes only the bucket and the region.
    const region = env.state.replica.region;
    const provider = this.regionalProvider('replica', region);
    const replicaKey = new EncryptionKey(this, 'replica-key', { ...keyProps, region, provider });
    const replica = new TerraformStateBucket(this, 'replica-bucket', { ...bucketProps, bucketName: env.state.replica.bucket, encryptionKey: replicaKey, region, provider });
    new BucketReplication(this, 'replication', { source: bucket, destination: replica, roleName: `groundwork-${env.name}-tfstate-replication`, accountId: env.accountId });
    new TerraformOutput(this, 'state_replica_bucket', { value: replica.bucketName, description: `Live copy of the state bucket in ${region}` });
    new TerraformOutput(this, 'state_replica_key_arn', { value: replicaKey.keyArn, description: `KMS key encrypting the replica's objects, in ${region}` });
  }
}
