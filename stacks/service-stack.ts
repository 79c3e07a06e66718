import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { accountWideName, appServiceName } from '../environments/standby';
import type { PlatformSecret, PlatformVariable } from '../environments/service-schema';
import { ContainerRepository, replicatedRepository, type RepositoryReplica } from '../constructs/container-repository';
import { replicaSecretArn } from '../constructs/generated-secret';
import { EncryptionKey, logGroupKeyGrant } from '../constructs/encryption-key';
import { FargateCluster } from '../constructs/fargate-cluster';
import { FargateService, type ContainerSecret } from '../constructs/fargate-service';
import { PublicLoadBalancer } from '../constructs/public-load-balancer';
import { RedeployOnRotation } from '../constructs/redeploy-on-rotation';
import { functionLogGroupArn } from '../constructs/nodejs-function';
import { logGroupArn } from '../lib/arn';
import type { DataStack } from './data-stack';
import { EnvironmentStack } from './environment-stack';
import type { NetworkStack } from './network-stack';
import type { SecretsStack } from './secrets-stack';

export interface ServiceStackDependencies {
  readonly network: NetworkStack;
  readonly secrets: SecretsStack;
  readonly data: DataStack;
  /** The primary's service stack, when this one is its standby (`env.site` is `standby`). */
  readonly primary?: ServiceStack;
}

/**
 * `service-<env>`: the application. Its image lives in the environment's ECR repository; its tasks run on
 * Fargate in the private subnets, in the network stack's service security group (which the database and
 * cache admit), behind a public load balancer; they get the database and cache endpoints as variables and
 * their credentials as secrets by ARN, and are redeployed whenever one of those secrets rotates.
 *
 * `standby_service-<env>` is this class again, given the primary's: the same service in the failover
 * region, running the images ECR copies there and the secrets' replicas, with no task (pilot light) or
 * `failover.standbyTasks` (warm standby) until a failover scales it.
 */
export class ServiceStack extends EnvironmentStack {
  /** The load balancer's and the target group's ARN suffixes: the dimensions of their CloudWatch metrics. */
  readonly loadBalancerArnSuffix: string;
  readonly targetGroupArnSuffix: string;
  /** Names of the ECS cluster and service: the dimensions of the service's CloudWatch metrics. */
  readonly clusterName: string;
  readonly serviceName: string;
  /** The queue of secret rotations whose redeployment failed, to alarm on its depth. */
  readonly redeployFailedQueueName: string;
  /** The load balancer, for routing: its ARN, DNS name and Route 53 zone. */
  readonly loadBalancer: { readonly arn: string; readonly dnsName: string; readonly zoneId: string };

  constructor(scope: Construct, env: Environment, { network, secrets, data, primary }: ServiceStackDependencies) {
    super(scope, 'service', env);
    if ((env.site === 'standby') !== (primary !== undefined)) throw new Error(`${env.name}: a standby's service stack needs the primary's, and only a standby's does`);
    const protection = protectionFor(env);
    const config = env.service;
    // Names unique per region are the primary's; IAM roles and buckets get the standby's own.
    const name = `groundwork-${env.name}`;
    const accountWide = accountWideName(env);
    const logGroupName = `/groundwork/${env.name}/app`;
    const redeployFunctionName = `${name}-redeploy-on-rotation`;
    const repositoryName = `groundwork/${env.name}/app`;
    const standby = primary ? env.failover! : undefined;

    const key = new EncryptionKey(this, 'service-key', {
      description: `Images and logs of the service of Groundwork environment ${env.name}`,
      alias: `groundwork/${env.name}/service`,
      accountId: env.accountId,
      region: env.region,
      rotationPeriodDays: env.kms.rotationPeriodDays,
      deletionWindowDays: env.kms.deletionWindowDays,
      serviceGrants: [
        logGroupKeyGrant(env.region, logGroupArn(env.region, env.accountId, logGroupName)),
        logGroupKeyGrant(env.region, functionLogGroupArn({ functionName: redeployFunctionName, accountId: env.accountId, region: env.region })),
      ],
      preventDestroy: protection.preventDestroy,
    });
    // The standby runs the copies replication makes of the primary's images.
    const repository = primary
      ? replicatedRepository(repositoryName, env.accountId, env.region)
      : new ContainerRepository(this, 'repository', {
          repositoryName,
          encryptionKeyArn: key.keyArn,
          keepImages: config.image.keepImages,
          protectedTags: [config.image.tag],
          forceDelete: !protection.preventDestroy,
          replica: env.failover && this.imageReplica(env, env.failover.region, protection.preventDestroy),
        });
    const cluster = new FargateCluster(this, 'cluster', { clusterName: name });

    const loadBalancer = new PublicLoadBalancer(this, 'load-balancer', {
      name,
      vpcId: network.vpcId,
      subnetIds: network.subnetIds.public,
      allowedCidrs: config.loadBalancer.allowedCidrs,
      certificateArn: standby ? standby.certificateArn : config.loadBalancer.certificateArn,
      tlsPolicy: config.loadBalancer.tlsPolicy,
      idleTimeoutSeconds: config.loadBalancer.idleTimeoutSeconds,
      deletionProtection: protection.loadBalancerDeletionProtection,
      accessLogs: {
        bucketName: `${accountWide}-alb-logs-${env.accountId}`,
        retentionDays: config.loadBalancer.accessLogRetentionDays,
        tlsOnly: env.buckets.tlsOnlyPolicy,
        forceDestroy: !protection.preventDestroy,
      },
      accountId: env.accountId,
      region: env.region,
      targets: {
        port: config.containerPort,
        securityGroupId: network.serviceSecurityGroupId,
        healthCheck: config.healthCheck,
        deregistrationDelaySeconds: config.loadBalancer.deregistrationDelaySeconds,
      },
    });

    // Without a cache (cache.enabled false) the task gets no CACHE_* variable or token.
    const { cache, graph } = data;
    const variables: Partial<Record<PlatformVariable, string>> = {
      PORT: String(config.containerPort),
      DATABASE_HOST: data.database.endpoint,
      DATABASE_READER_HOST: data.database.readerEndpoint,
      DATABASE_PORT: String(env.database.port),
      DATABASE_NAME: env.database.databaseName,
      ...(cache && { CACHE_HOST: cache.primaryEndpoint, CACHE_READER_HOST: cache.readerEndpoint, CACHE_PORT: String(env.cache.port), CACHE_TLS: 'true' }),
      ...(graph && { NEO4J_URI: graph.uri }),
    };
    const injected: Partial<Record<PlatformSecret, ContainerSecret>> = {
      DATABASE_USERNAME: { secretArn: data.database.masterUserSecretArn, jsonKey: 'username' },
      DATABASE_PASSWORD: { secretArn: data.database.masterUserSecretArn, jsonKey: 'password' },
      ...(cache && { CACHE_AUTH_TOKEN: { secretArn: cache.authTokenSecretArn } }),
      ...(graph && { NEO4J_USERNAME: { secretArn: graph.credentialsSecretArn, jsonKey: 'username' }, NEO4J_PASSWORD: { secretArn: graph.credentialsSecretArn, jsonKey: 'password' } }),
      // The standby reads the replica in its region.
      SECRET_KEY_BASE: { secretArn: primary ? replicaSecretArn(secrets.secretKeyBaseSecretArn, primary.environment.region, env.region) : secrets.secretKeyBaseSecretArn },
    };
    const app = new FargateService(this, 'app', {
      serviceName: appServiceName(env),
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      image: `${repository.repositoryUrl}:${config.image.tag}`,
      repositoryArn: repository.repositoryArn,
      cpu: config.cpu,
      memoryMiB: config.memoryMiB,
      cpuArchitecture: config.cpuArchitecture,
      containerPort: config.containerPort,
      user: config.user,
      environment: { ...config.environment, ...variables },
      secrets: injected,
      // One key when the database's secret is the secrets stack's own (with a standby).
      secretKeyArns: [...new Set([primary ? secrets.standbySecretsKeyArn! : secrets.secretsKeyArn, data.databaseSecretKeyArn, ...(graph ? [graph.credentialsKeyArn] : [])])],
      subnetIds: network.subnetIds.private,
      securityGroupIds: [network.serviceSecurityGroupId],
      loadBalancer: { targetGroupArn: loadBalancer.targetGroupArn, listener: loadBalancer.listener },
      // A standby waits at its own size, and a failover scales it: after creation the count is the failover's.
      desiredCount: standby ? standby.standbyTasks : config.desiredCount,
      countSetAfterCreation: standby !== undefined,
      minimumHealthyPercent: config.deployment.minimumHealthyPercent,
      maximumPercent: config.deployment.maximumPercent,
      healthCheckGracePeriodSeconds: config.healthCheck.gracePeriodSeconds,
      autoscaling: config.autoscaling.enabled
        ? {
            ...config.autoscaling,
            minTasks: standby ? standby.standbyTasks : config.autoscaling.minTasks,
            requests: config.autoscaling.requestsPerTarget
              ? { perTarget: config.autoscaling.requestsPerTarget, loadBalancerArnSuffix: loadBalancer.loadBalancerArnSuffix, targetGroupArnSuffix: loadBalancer.targetGroupArnSuffix }
              : undefined,
          }
        : undefined,
      logs: { logGroupName, retentionDays: config.logRetentionDays, encryptionKeyArn: key.keyArn },
      accountId: env.accountId,
      region: env.region,
    });

    const redeploy = new RedeployOnRotation(this, 'redeploy-on-rotation', {
      name: redeployFunctionName,
      roleName: primary ? `${accountWide}-redeploy-on-rotation` : undefined,
      // Rotations happen in the primary's region only: its function redeploys the standby's services too.
      standby: env.failover && !primary ? { clusterName: name, region: env.failover.region } : undefined,
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      secretArns: [...new Set(Object.values(injected).map((secret) => secret.secretArn))],
      accountId: env.accountId,
      region: env.region,
      logEncryptionKeyArn: key.keyArn,
    });

    this.loadBalancerArnSuffix = loadBalancer.loadBalancerArnSuffix;
    this.targetGroupArnSuffix = loadBalancer.targetGroupArnSuffix;
    this.clusterName = cluster.clusterName;
    this.serviceName = app.serviceName;
    this.redeployFailedQueueName = redeploy.failedQueueName;
    this.loadBalancer = { arn: loadBalancer.loadBalancerArn, dnsName: loadBalancer.dnsName, zoneId: loadBalancer.zoneId };
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output('service_url', `${config.loadBalancer.certificateArn ? 'https' : 'http'}://${loadBalancer.dnsName}`, 'URL of the load balancer (point your DNS name at it)');
    output('load_balancer_dns_name', loadBalancer.dnsName, 'DNS name of the load balancer');
    output('load_balancer_zone_id', loadBalancer.zoneId, 'Route 53 zone of the load balancer, for an alias record');
    output('load_balancer_arn_suffix', loadBalancer.loadBalancerArnSuffix, 'The load balancer\'s CloudWatch dimension');
    output('target_group_arn_suffix', loadBalancer.targetGroupArnSuffix, 'The target group\'s CloudWatch dimension');
    output('access_log_bucket', loadBalancer.accessLogBucketName, 'Bucket of the load balancer\'s access logs');
    output('repository_url', repository.repositoryUrl, 'ECR repository to push images to; deploy one by setting service.image.tag');
    output('cluster_name', cluster.clusterName, 'Name of the ECS cluster');
    output('service_name', app.serviceName, 'Name of the ECS service');
    output('task_role_arn', app.taskRoleArn, 'Role the application\'s code acts as; grant it what the application calls');
    output('log_group_name', app.logGroupName, 'Log group of the application\'s containers');
    output('redeploy_failed_queue_name', redeploy.failedQueueName, 'Queue of rotations whose redeployment failed; alarm on its depth');
  }

  /** The standby's copy of the images: in its region, under a key made there. */
  private imageReplica(env: Environment, region: string, preventDestroy: boolean): RepositoryReplica {
    const provider = this.regionalProvider('standby', region);
    const key = new EncryptionKey(this, 'standby-images-key', {
      description: `Images of the service of Groundwork environment ${env.name}, copied to its standby`,
      alias: `groundwork/${env.name}/image-replicas`,
      accountId: env.accountId,
      region,
      rotationPeriodDays: env.kms.rotationPeriodDays,
      deletionWindowDays: env.kms.deletionWindowDays,
      preventDestroy,
      provider,
    });
    return { accountId: env.accountId, region, provider, encryptionKeyArn: key.keyArn, roleName: `groundwork-${env.name}-image-replicas` };
  }
}
