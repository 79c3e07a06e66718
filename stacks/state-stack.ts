import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { EncryptionKey } from '../constructs/encryption-key';
import { TerraformStateBucket } from '../constructs/terraform-state-bucket';
import { EnvironmentStack, stateKeyAlias } from './environment-stack';

/**
 * `state-<env>`: the bucket and key that hold every stack's state for the environment, this stack's own
 * included (after the bootstrap moves it there: see `scripts/bootstrap-state.ts`).
 */
export class StateStack extends EnvironmentStack {
  readonly bucketName: string;

  constructor(scope: Construct, env: Environment) {
    super(scope, 'state', env);
    const { preventDestroy } = protectionFor(env);
    const key = new EncryptionKey(this, 'state-key', {
      description: `Terraform state of Groundwork environment ${env.name}`,
      alias: stateKeyAlias(env),
      accountId: env.accountId,
      region: env.region,
      rotationPeriodDays: env.kms.rotationPeriodDays,
      deletionWindowDays: env.kms.deletionWindowDays,
      preventDestroy,
    });
    const bucket = new TerraformStateBucket(this, 'state-bucket', {
      bucketName: env.state.bucket,
      encryptionKey: key,
      noncurrentVersionExpirationDays: env.state.noncurrentVersionExpirationDays,
      tlsOnly: env.buckets.tlsOnlyPolicy,
      preventDestroy,
    });
    this.bucketName = env.state.bucket;
    new TerraformOutput(this, 'state_bucket', { value: bucket.bucketName, description: 'S3 bucket holding this environment\'s Terraform state' });
    new TerraformOutput(this, 'state_key_arn', { value: key.keyArn, description: 'KMS key encrypting the state objects' });
  }
}
