import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { EncryptionKey, logGroupKeyGrant } from '../constructs/encryption-key';
import { GeneratedSecret } from '../constructs/generated-secret';
import { VALKEY_AUTH_TOKEN } from '../constructs/valkey-replication-group';
import { functionLogGroupArn } from '../constructs/nodejs-function';
import { SecretRotation } from '../constructs/secret-rotation';
import { EnvironmentStack } from './environment-stack';

/**
 * `secrets-<env>`: the secrets the platform makes itself, under their own key. SECRET_KEY_BASE rotates
 * here, and with `failover` is replicated to the standby's region, as is the database's master password,
 * which the data stack rotates; the Valkey auth token is rotated by the data stack too, next to the cache it
 * must change.
 */
export class SecretsStack extends EnvironmentStack {
  /** ARN of the KMS key that encrypts these secrets; whoever reads them needs kms:Decrypt on it. */
  readonly secretsKeyArn: string;
  /** ARN of the secret holding the Valkey AUTH token (a plain string); none when `cache.enabled` is false. */
  readonly cacheAuthTokenSecretArn?: string;
  /** ARN of the secret holding the application's SECRET_KEY_BASE (a plain string). */
  readonly secretKeyBaseSecretArn: string;
  /**
   * ARN of the secret holding the database's master credentials (JSON: `username`, `password`, `engine`,
   * `port`), with `failover` only: RDS-managed passwords support neither global databases nor cross-region
   * replicas, so the password is Groundwork's, made here and rotated by the data stack.
   */
  readonly databaseCredentialsSecretArn?: string;
  /** ARN of the KMS key in the standby's region that encrypts the secrets' replicas; none without `failover`. */
  readonly standbySecretsKeyArn?: string;

  constructor(scope: Construct, env: Environment) {
    super(scope, 'secrets', env);
    const protection = protectionFor(env);
    const rotationFunction = { functionName: `groundwork-${env.name}-secret-key-base-rotation`, accountId: env.accountId, region: env.region };
    const keyProps = {
      description: `Secrets of Groundwork environment ${env.name}`,
      alias: `groundwork/${env.name}/secrets`,
      accountId: env.accountId,
      rotationPeriodDays: env.kms.rotationPeriodDays,
      deletionWindowDays: env.kms.deletionWindowDays,
      preventDestroy: protection.preventDestroy,
    };
    const key = new EncryptionKey(this, 'secrets-key', {
      ...keyProps,
      region: env.region,
      // The rotation function's logs are encrypted with this key too.
      serviceGrants: [logGroupKeyGrant(env.region, functionLogGroupArn(rotationFunction))],
    });
    // The standby's copies of the secrets both regions share, under the same alias in the standby's region.
    const standby = env.failover && {
      region: env.failover.region,
      key: new EncryptionKey(this, 'standby-secrets-key', { ...keyProps, region: env.failover.region, provider: this.regionalProvider('standby', env.failover.region) }),
    };
    const cacheAuthToken = env.cache.enabled
      ? new GeneratedSecret(this, 'cache-auth-token', {
          name: `groundwork/${env.name}/cache-auth-token`,
          description: `Valkey AUTH token of Groundwork environment ${env.name}`,
          encryptionKeyArn: key.keyArn,
          initialValue: VALKEY_AUTH_TOKEN,
          recoveryWindowDays: protection.secretRecoveryWindowDays,
        })
      : undefined;
    // Sessions and signed cookies must survive a failover: the standby reads a replica of the one value.
    // The cache's token is not replicated: each region's cache is its own.
    const secretKeyBase = new GeneratedSecret(this, 'secret-key-base', {
      name: `groundwork/${env.name}/secret-key-base`,
      description: `SECRET_KEY_BASE of the application in Groundwork environment ${env.name}`,
      encryptionKeyArn: key.keyArn,
      initialValue: { length: 128, excludePunctuation: true },
      recoveryWindowDays: protection.secretRecoveryWindowDays,
      replicas: standby ? [{ region: standby.region, encryptionKeyArn: standby.key.keyArn }] : undefined,
    });
    const databaseCredentials = standby
      ? new GeneratedSecret(this, 'database-credentials', {
          name: `groundwork/${env.name}/database-credentials`,
          description: `Master user credentials of the database of Groundwork environment ${env.name}`,
          encryptionKeyArn: key.keyArn,
          // RDS refuses a master password over 41 characters, or with a slash, quote, at sign or space.
          initialValue: { length: 40, excludeCharacters: '/@"\' ' },
          json: { passwordField: 'password', fields: { username: env.database.masterUsername, engine: 'postgres', port: env.database.port } },
          recoveryWindowDays: protection.secretRecoveryWindowDays,
          replicas: [{ region: standby.region, encryptionKeyArn: standby.key.keyArn }],
        })
      : undefined;
    new SecretRotation(this, 'secret-key-base-rotation', {
      secretArn: secretKeyBase.secretArn,
      secretKeyArn: key.keyArn,
      replicaKeyArns: standby ? [standby.key.keyArn] : undefined,
      rotationDays: env.rotation.secretKeyBaseDays,
      ...rotationFunction,
      code: 'secret-key-base-rotation',
      logEncryptionKeyArn: key.keyArn,
    });

    this.secretsKeyArn = key.keyArn;
    this.cacheAuthTokenSecretArn = cacheAuthToken?.secretArn;
    this.secretKeyBaseSecretArn = secretKeyBase.secretArn;
    this.databaseCredentialsSecretArn = databaseCredentials?.secretArn;
    this.standbySecretsKeyArn = standby?.key.keyArn;
    new TerraformOutput(this, 'secrets_key_arn', { value: key.keyArn, description: 'KMS key encrypting the secrets; readers need kms:Decrypt on it' });
    if (cacheAuthToken) {
      new TerraformOutput(this, 'cache_auth_token_secret_arn', { value: cacheAuthToken.secretArn, description: 'Secrets Manager ARN of the Valkey AUTH token (the ARN only, never the value)' });
    }
    if (standby) new TerraformOutput(this, 'standby_secrets_key_arn', { value: standby.key.keyArn, description: `KMS key encrypting the secrets' replicas in ${standby.region}` });
    if (databaseCredentials) {
      new TerraformOutput(this, 'database_credentials_secret_arn', { value: databaseCredentials.secretArn, description: 'Secrets Manager ARN of the database\'s master credentials (the ARN only, never the value)' });
    }
    new TerraformOutput(this, 'secret_key_base_secret_arn', { value: secretKeyBase.secretArn, description: 'Secrets Manager ARN of the application\'s SECRET_KEY_BASE (the ARN only, never the value)' });
  }
}
