import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { regionalServicePrincipal } from '../lib/arn';
import { ServiceRole } from './service-role';

/** A secret the container receives as an environment variable, read by ECS when a task starts. */
export interface ContainerSecret {
  /** ARN of the Secrets Manager secret. */
  readonly secretArn: string;
  /** A key of the secret's JSON value to inject instead of the whole value. @default - the whole value */
  readonly jsonKey?: string;
}

/** Target tracking: the service is scaled to hold each metric at its target. */
export interface ServiceAutoscaling {
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Average CPU utilization (%) to hold. */
  readonly cpuTargetPercent: number;
  /** Average memory utilization (%) to hold. @default - not scaled on memory */
  readonly memoryTargetPercent?: number;
  /** Requests per task per minute to hold, with the load balancer's and target group's ARN suffixes. @default - not scaled on requests */
  readonly requests?: { readonly perTarget: number; readonly loadBalancerArnSuffix: string; readonly targetGroupArnSuffix: string };
  /** Seconds after a scale-in before the next. @default 300 */
  readonly scaleInCooldownSeconds?: number;
  /** Seconds after a scale-out before the next. @default 60 */
  readonly scaleOutCooldownSeconds?: number;
}

export interface FargateServiceProps {
  /** Name of the service; its task family, roles and log streams are named after it. */
  readonly serviceName: string;
  readonly clusterArn: string;
  readonly clusterName: string;
  /** The image to run, `<repository URL>:<tag>`. */
  readonly image: string;
  /** ARN of the ECR repository the image comes from; the task may pull from it and nothing else. */
  readonly repositoryArn: string;
  /** CPU units per task (a Fargate size). */
  readonly cpu: number;
  /** Memory per task in MiB (one Fargate pairs with `cpu`). */
  readonly memoryMiB: number;
  /** CPU architecture of the image. @default 'X86_64' */
  readonly cpuArchitecture?: 'X86_64' | 'ARM64';
  /** Port the container listens on. */
  readonly containerPort: number;
  /** Non-root user (uid or uid:gid) the container runs as. */
  readonly user: string;
  /** Plain environment variables; never a secret. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Secrets injected as environment variables by ARN; the task may read these and nothing else. @default {} */
  readonly secrets?: Readonly<Record<string, ContainerSecret>>;
  /** KMS keys that encrypt those secrets; the task may decrypt with these, through Secrets Manager only. @default [] */
  readonly secretKeyArns?: readonly string[];
  /** Private subnets the tasks run in; they get no public IP. */
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  /** The load balancer's target group the tasks register in, and the listener that must exist first. */
  readonly loadBalancer: { readonly targetGroupArn: string; readonly listener: ITerraformDependable };
  /** Tasks at creation; with `autoscaling`, it owns the count afterwards. */
  readonly desiredCount: number;
  /**
   * The count belongs to an operation after creation (a failover scales a standby): Terraform sets it, and
   * with `autoscaling` the floor (`minTasks`), only when it creates them, so an apply mid-failover cannot
   * scale the serving region down.
   * @default false (with `autoscaling`, the count is autoscaling's either way)
   */
  readonly countSetAfterCreation?: boolean;
  /** Share of tasks that must stay healthy during a deployment. @default 100 */
  readonly minimumHealthyPercent?: number;
  /** Share of tasks that may run during a deployment. @default 200 */
  readonly maximumPercent?: number;
  /** Seconds a new task may fail load balancer health checks while it starts. @default 60 */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Target tracking of the task count. @default - none: the service keeps `desiredCount` tasks */
  readonly autoscaling?: ServiceAutoscaling;
  /** The container's logs: a new log group of this name, encrypted with this key (which must let CloudWatch Logs use it for the group). */
  readonly logs: { readonly logGroupName: string; readonly retentionDays: number; readonly encryptionKeyArn: string };
  /** The account and region the service runs in. */
  readonly accountId: string;
  readonly region: string;
}

/**
 * An ECS service of one container on Fargate, in private subnets without public IPs, behind a load
 * balancer's target group: deployments roll with a circuit breaker that rolls a failing one back;
 * the container runs as a non-root user on a read-only root filesystem (with a writable /tmp), logs to
 * an encrypted log group, and gets its secrets by ARN when a task starts (so a rotated secret reaches
 * tasks started after it). The task may pull its image, write its logs and read its secrets, nothing
 * more. Target tracking scales it on CPU, and optionally memory and requests.
 */
export class FargateService extends Construct {
  readonly serviceName: string;
  readonly serviceArn: string;
  readonly taskDefinitionArn: string;
  /** The role the application's own code acts as; it starts with no permissions. */
  readonly taskRoleArn: string;
  readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const containerName = 'app';
    const secrets = Object.entries(props.secrets ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: props.logs.logGroupName,
      retentionInDays: props.logs.retentionDays,
      kmsKeyId: props.logs.encryptionKeyArn,
    });

    const taskRole = { servicePrincipal: 'ecs-tasks.amazonaws.com', region: props.region, sourceAccount: props.accountId };
    const execution = new ServiceRole(this, 'execution-role', { roleName: `${props.serviceName}-execution`, ...taskRole });
    const executionPermissions = new DataAwsIamPolicyDocument(this, 'execution-permissions', {
      statement: [
        // ECR's token is account-wide: the action has no resource to narrow it to.
        { sid: 'AuthenticateToEcr', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
        { sid: 'PullTheImage', actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], resources: [props.repositoryArn] },
        { sid: 'WriteTheLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.arn}:*`] },
        ...(secrets.length > 0
          ? [{ sid: 'ReadTheSecrets', actions: ['secretsmanager:GetSecretValue'], resources: [...new Set(secrets.map(([, s]) => s.secretArn))] }]
          : []),
        ...((props.secretKeyArns ?? []).length > 0
          ? [
              {
                sid: 'DecryptTheSecrets',
                actions: ['kms:Decrypt'],
                resources: [...(props.secretKeyArns ?? [])],
                // Only as Secrets Manager decrypts a secret for it: a key may protect more than secrets (the data key, the database).
                condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServicePrincipal('secretsmanager', props.region)] }],
              },
            ]
          : []),
      ],
    });
    const executionPolicy = new IamRolePolicy(this, 'execution-policy', { name: 'start-tasks', role: execution.roleName, policy: executionPermissions.json });
    const task = new ServiceRole(this, 'task-role', { roleName: `${props.serviceName}-task`, ...taskRole });

    const container = {
      name: containerName,
      image: props.image,
      essential: true,
      user: props.user,
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: props.containerPort, hostPort: props.containerPort, protocol: 'tcp' }],
      environment: Object.entries(props.environment ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value })),
      secrets: secrets.map(([name, secret]) => ({
        name,
        // ECS's syntax for one key of a JSON secret: <arn>:<json-key>:<version-stage>:<version-id>.
        valueFrom: secret.jsonKey ? `${secret.secretArn}:${secret.jsonKey}::` : secret.secretArn,
      })),
      mountPoints: [{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }],
      // An init process reaps zombies and forwards SIGTERM, so the application stops cleanly on a deployment.
      linuxParameters: { initProcessEnabled: true },
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': logGroup.name, 'awslogs-region': props.region, 'awslogs-stream-prefix': containerName },
      },
    };
    const taskDefinition = new EcsTaskDefinition(this, 'task-definition', {
      family: props.serviceName,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: props.cpuArchitecture ?? 'X86_64' },
      executionRoleArn: execution.roleArn,
      taskRoleArn: task.roleArn,
      // The only writable place besides what the application mounts: Fargate task storage.
      volume: [{ name: 'tmp' }],
      containerDefinitions: JSON.stringify([container]),
    });

    const service = new EcsService(this, 'service', {
      name: props.serviceName,
      cluster: props.clusterArn,
      taskDefinition: taskDefinition.arn,
      desiredCount: props.desiredCount,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: { subnets: props.subnetIds, securityGroups: props.securityGroupIds, assignPublicIp: false },
      loadBalancer: [{ targetGroupArn: props.loadBalancer.targetGroupArn, containerName, containerPort: props.containerPort }],
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds ?? 60,
      deploymentController: { type: 'ECS' },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: props.minimumHealthyPercent ?? 100,
      deploymentMaximumPercent: props.maximumPercent ?? 200,
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
      enableExecuteCommand: false,
      waitForSteadyState: false,
      // Autoscaling, or an operation, owns the count once the service exists.
      ...((props.autoscaling || props.countSetAfterCreation) && { lifecycle: { ignoreChanges: ['desired_count'] } }),
      // Tasks need the listener to take traffic, and the execution role's permissions to start.
      dependsOn: [props.loadBalancer.listener, executionPolicy],
    });

    if (props.autoscaling) this.scale(service.name, props.autoscaling, props);

    this.serviceName = service.name;
    this.serviceArn = service.id;
    this.taskDefinitionArn = taskDefinition.arn;
    this.taskRoleArn = task.roleArn;
    this.logGroupName = logGroup.name;
  }

  /** Target tracking on CPU, and on memory and requests per task when asked for. */
  private scale(serviceName: string, scaling: ServiceAutoscaling, props: FargateServiceProps): void {
    const target = new AppautoscalingTarget(this, 'scaling-target', {
      serviceNamespace: 'ecs',
      resourceId: `service/${props.clusterName}/${serviceName}`,
      scalableDimension: 'ecs:service:DesiredCount',
      minCapacity: scaling.minTasks,
      maxCapacity: scaling.maxTasks,
      // The floor belongs to the operation that sets the count, as the count does.
      ...(props.countSetAfterCreation && { lifecycle: { ignoreChanges: ['min_capacity'] } }),
    });
    const track = (metric: string, predefinedMetricType: string, targetValue: number, resourceLabel?: string) =>
      new AppautoscalingPolicy(this, `scale-on-${metric}`, {
        name: `${props.serviceName}-${metric}`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          targetValue,
          predefinedMetricSpecification: { predefinedMetricType, resourceLabel },
          scaleInCooldown: scaling.scaleInCooldownSeconds ?? 300,
          scaleOutCooldown: scaling.scaleOutCooldownSeconds ?? 60,
        },
      });
    track('cpu', 'ECSServiceAverageCPUUtilization', scaling.cpuTargetPercent);
    if (scaling.memoryTargetPercent !== undefined) track('memory', 'ECSServiceAverageMemoryUtilization', scaling.memoryTargetPercent);
    if (scaling.requests) {
      const { perTarget, loadBalancerArnSuffix, targetGroupArnSuffix } = scaling.requests;
      track('requests', 'ALBRequestCountPerTarget', perTarget, `${loadBalancerArnSuffix}/${targetGroupArnSuffix}`);
    }
  }
}
