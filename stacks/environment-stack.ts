import { AwsProvider, type AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import { S3Backend, TerraformStack, type S3BackendConfig } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { partitionOf } from '../lib/arn';
import { MINIMUM_TERRAFORM } from '../lib/versions';

/** Every AWS service a Groundwork stack calls; with an emulator, each of these endpoints points at it. */
export const AWS_SERVICES = [
  'acm', 'amp', 'applicationautoscaling', 'backup', 'cloudtrail', 'cloudwatch', 'ec2', 'ecr', 'ecs', 'eks', 'elasticache',
  'elbv2', 'events', 'globalaccelerator', 'iam', 'kms', 'lambda', 'logs', 'rds', 'route53', 's3', 'secretsmanager', 'sns', 'sqs',
  'ssm', 'sts',
] as const;

/**
 * The context key naming the environments whose stacks keep their state in the state bucket's replica
 * instead (a string array): the switch for an outage of the primary region. `lib/synthesize.ts` sets it
 * from `GROUNDWORK_STATE_FROM_REPLICA`.
 */
export const STATE_FROM_REPLICA_CONTEXT = 'groundwork:stateFromReplica';

/** The S3 key of a component's state inside the environment's state bucket. */
function stateKey(env: Environment, component: string): string {
  return `${env.name}/${component}.tfstate`;
}

export interface EnvironmentStackOptions {
  /** Configure the AWS provider; a stack that creates no AWS resource leaves it out. @default true */
  readonly awsProvider?: boolean;
}

/**
 * A stack of one component of one environment, named `<component>-<env>`: the AWS provider with
 * Groundwork's default tags, locked to the environment's account, and its own state object in the
 * environment's state bucket, encrypted with the state key and locked with S3 native locking.
 */
export abstract class EnvironmentStack extends TerraformStack {
  /** The stack's component: `network`, or `standby_network` for the standby's (the part of the name before `-<env>`). */
  readonly component: string;

  constructor(scope: Construct, component: string, readonly environment: Environment, options: EnvironmentStackOptions = {}) {
    const named = environment.site === 'standby' ? `standby_${component}` : component;
    super(scope, `${named}-${environment.name}`);
    this.component = named;
    if (options.awsProvider ?? true) new AwsProvider(this, 'aws', awsProviderConfig(environment, named));
    const fromReplica = ((this.node.tryGetContext(STATE_FROM_REPLICA_CONTEXT) as string[] | undefined) ?? []).includes(environment.name);
    new S3Backend(this, s3BackendConfig(environment, named, fromReplica));
    // Terraform 1.10+ locks with a lock object beside the state; cdktf's S3Backend has no typed field for it.
    this.addOverride('terraform.backend.s3.use_lockfile', true);
    this.addOverride('terraform.required_version', `>= ${MINIMUM_TERRAFORM}`);
  }

  /**
   * A second AWS provider, `aws.<alias>`, for another region of the same account (the DR region): the
   * same account lock, default tags and emulator endpoints as the stack's own.
   */
  protected regionalProvider(alias: string, region: string): AwsProvider {
    return new AwsProvider(this, alias, { ...awsProviderConfig(this.environment, this.component), region, alias });
  }
}

function awsProviderConfig(env: Environment, component: string): AwsProviderConfig {
  const endpoint = env.emulator?.endpoint;
  return {
    region: env.region,
    allowedAccountIds: [env.accountId],
    defaultTags: [{ tags: { ...env.tags, environment: env.name, component, 'managed-by': 'groundwork' } }],
    ...(endpoint && {
      endpoints: [Object.fromEntries(AWS_SERVICES.map((service) => [service, endpoint]))],
      s3UsePathStyle: true,
      skipMetadataApiCheck: 'true',
    }),
  };
}

/** The backend in the environment's state bucket, or in its replica (same key, same alias, another region). */
function s3BackendConfig(env: Environment, component: string, fromReplica: boolean): S3BackendConfig {
  const endpoint = env.emulator?.endpoint;
  if (fromReplica && !env.state.replica.enabled) throw new Error(`${env.name}: the state is to be read from its replica, but state.replica.enabled is false`);
  const region = fromReplica ? env.state.replica.region : env.state.region;
  return {
    bucket: fromReplica ? env.state.replica.bucket : env.state.bucket,
    key: stateKey(env, component),
    region,
    encrypt: true,
    kmsKeyId: stateKeyAliasArn(env, region),
    ...(endpoint && {
      endpoints: { s3: endpoint, sts: endpoint, iam: endpoint },
      usePathStyle: true,
      skipCredentialsValidation: true,
      skipMetadataApiCheck: true,
    }),
  };
}

/** The alias of the key that encrypts an environment's state; the state stack creates it. */
export function stateKeyAlias(env: Environment): string {
  return `groundwork/${env.name}/tfstate`;
}

/** The ARN of that alias in a region, known at synth time, as the backend block (which takes no references) needs. */
function stateKeyAliasArn(env: Environment, region: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${env.accountId}:alias/${stateKeyAlias(env)}`;
}
