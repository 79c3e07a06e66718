import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * ECS reads a task's secrets once, when the task starts. After a secret rotates, the running tasks keep
 * the old value until they are replaced, and with a database password that value stops working. This
 * function receives Secrets Manager's RotationSucceeded event and starts a new deployment of exactly the
 * services of its cluster whose task definition injects the rotated secret and whose current deployment
 * began before the rotation; the deployment replaces their tasks one batch at a time, behind the load
 * balancer's health checks. With a standby, it does the same for the standby's cluster in its region,
 * whose tasks inject the secret's replica there.
 */

/** The part of the EventBridge event (a CloudTrail service event of Secrets Manager) this function reads. */
export interface RotationSucceededEvent {
  readonly source?: string;
  readonly 'detail-type'?: string;
  /** When the rotation finished (ISO 8601). */
  readonly time?: string;
  readonly detail?: {
    readonly eventSource?: string;
    readonly eventName?: string;
    /** Secrets Manager puts the rotated secret's ARN here. */
    readonly additionalEventData?: { readonly SecretId?: string };
  };
}

export interface RedeployResult {
  /** The secret that rotated, or undefined when the event was not a rotation. */
  readonly secretArn?: string;
  /** ARNs of the services a new deployment was started for. */
  readonly redeployed: string[];
  /** ARNs of the services that use the secret but started a deployment after the rotation already. */
  readonly alreadyFresh?: string[];
}

/** A service that injects the rotated secret. */
interface Consumer {
  readonly serviceArn: string;
  /** When its current (primary) deployment started: its tasks read their secrets after that. */
  readonly deployedAt?: Date;
}

/** ECS DescribeServices takes at most 10 services per call. */
const DESCRIBE_BATCH = 10;

/**
 * True when a container's secret reference names the secret: its full ARN, or the ARN followed by
 * ECS's `:<json-key>:<version-stage>:<version-id>` selector.
 */
export function referencesSecret(valueFrom: string, secretArn: string): boolean {
  return valueFrom === secretArn || valueFrom.startsWith(`${secretArn}:`);
}

/** The active services of `cluster` whose current task definition injects the secret. */
export async function servicesUsingSecret(ecs: ECSClient, cluster: string, secretArn: string): Promise<Consumer[]> {
  const serviceArns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 }));
    serviceArns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);

  const taskDefinitionOf = new Map<string, string>();
  const deployedAt = new Map<string, Date | undefined>();
  for (let i = 0; i < serviceArns.length; i += DESCRIBE_BATCH) {
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns.slice(i, i + DESCRIBE_BATCH) }));
    for (const service of services ?? []) {
      if (service.status !== 'ACTIVE' || !service.serviceArn || !service.taskDefinition) continue;
      taskDefinitionOf.set(service.serviceArn, service.taskDefinition);
      deployedAt.set(service.serviceArn, service.deployments?.find((deployment) => deployment.status === 'PRIMARY')?.createdAt);
    }
  }

  const injects = new Map<string, boolean>();
  for (const taskDefinition of new Set(taskDefinitionOf.values())) {
    const { taskDefinition: definition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    const references = (definition?.containerDefinitions ?? []).flatMap((container) => (container.secrets ?? []).map((secret) => secret.valueFrom ?? ''));
    injects.set(taskDefinition, references.some((valueFrom) => referencesSecret(valueFrom, secretArn)));
  }
  return [...taskDefinitionOf].filter(([, taskDefinition]) => injects.get(taskDefinition)).map(([serviceArn]) => ({ serviceArn, deployedAt: deployedAt.get(serviceArn) }));
}

/** A cluster whose services the function redeploys, and a client of ECS in the cluster's region. */
export interface RedeployTarget {
  readonly ecs: ECSClient;
  readonly cluster: string;
  /**
   * For a cluster whose tasks inject a replica (the standby's): Secrets Manager in both regions, to wait
   * until the replica holds the rotated version, which it receives a moment after the rotation ends.
   */
  readonly replica?: { readonly source: SecretsManagerClient; readonly here: SecretsManagerClient; readonly waitSeconds?: number };
}

/** The version a secret's AWSCURRENT stage is on. */
async function currentVersion(secrets: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  const { VersionIdsToStages = {} } = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  return Object.entries(VersionIdsToStages).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
}

/** Waits until the replica's current version is the source's: tasks started before it would get the old value. */
export async function replicaCaughtUp(replica: NonNullable<RedeployTarget['replica']>, secretArn: string, replicaArn: string): Promise<void> {
  const wanted = await currentVersion(replica.source, secretArn);
  const deadline = Date.now() + (replica.waitSeconds ?? 30) * 1000;
  for (;;) {
    const seen = await currentVersion(replica.here, replicaArn);
    if (seen === wanted) return;
    if (Date.now() >= deadline) throw new Error(`the replica ${replicaArn} is on version ${seen ?? 'none'}, not the rotated ${wanted}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/**
 * The ARN under which a cluster's tasks name `secretArn`: the secret's own in its region, its replica's
 * (the same ARN with the cluster's region) in another. A cluster given by name is taken to be in the secret's.
 */
export function secretArnFor(secretArn: string, cluster: string): string {
  const region = cluster.startsWith('arn:') ? cluster.split(':')[3] : undefined;
  if (!region) return secretArn;
  const parts = secretArn.split(':');
  parts[3] = region;
  return parts.join(':');
}

/**
 * The handler for the function's own cluster and, with a standby, the standby's cluster in its region:
 * Secrets Manager reports a rotation only in the secret's region, and the standby's tasks inject the replica.
 */
export function redeployHandler(targets: readonly RedeployTarget[]) {
  return async (event: RotationSucceededEvent): Promise<RedeployResult> => {
    if (targets.length === 0 || !targets[0].cluster) throw new Error('CLUSTER_ARN is not set: the function does not know which cluster to redeploy');
    const secretArn = event.detail?.additionalEventData?.SecretId;
    if (event.detail?.eventName !== 'RotationSucceeded' || !secretArn) {
      console.log(JSON.stringify({ ignored: event.detail?.eventName ?? event['detail-type'] ?? 'unknown event' }));
      return { redeployed: [] };
    }
    // Event times are whole seconds: the rotation finished before the end of that second.
    const rotatedAt = event.time ? new Date(Date.parse(event.time) + 1000) : undefined;
    const isFresh = (consumer: Consumer) => rotatedAt !== undefined && consumer.deployedAt !== undefined && consumer.deployedAt >= rotatedAt;
    const redeployed: string[] = [];
    const alreadyFresh: string[] = [];
    const failed: string[] = [];
    const unreadable: string[] = [];
    let using = 0;
    for (const { ecs, cluster, replica } of targets) {
      let consumers: Consumer[];
      try {
        consumers = await servicesUsingSecret(ecs, cluster, secretArnFor(secretArn, cluster));
        // Only a secret the cluster's tasks inject has a replica there to wait for (the cache's token has none).
        if (replica && consumers.some((consumer) => !isFresh(consumer))) await replicaCaughtUp(replica, secretArn, secretArnFor(secretArn, cluster));
      } catch (error) {
        // A cluster that cannot be read (the standby's region down), or whose replica lags, does not keep the
        // other's services stale; the invocation fails afterwards and is retried.
        unreadable.push(`${cluster}: ${(error as Error).name}: ${(error as Error).message}`);
        continue;
      }
      // A deployment that started after the rotation already reads the new value. This also makes a retried
      // invocation (after a partial failure) redeploy only the services that failed.
      alreadyFresh.push(...consumers.filter(isFresh).map((consumer) => consumer.serviceArn));
      const services = consumers.filter((consumer) => !isFresh(consumer)).map((consumer) => consumer.serviceArn);
      using += services.length;
      // One failure does not keep the other services on a stale secret; it fails the invocation afterwards, so it is retried.
      for (const service of services) {
        try {
          await ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
          redeployed.push(service);
        } catch (error) {
          failed.push(`${service}: ${(error as Error).name}: ${(error as Error).message}`);
        }
      }
    }
    // ARNs only: never a secret's value.
    console.log(JSON.stringify({ secretArn, clusters: targets.map((target) => target.cluster), redeployed, alreadyFresh, failed, unreadable }));
    const problems = [
      ...(failed.length > 0 ? [`could not redeploy ${failed.length} of ${using} services using ${secretArn}: ${failed.join('; ')}`] : []),
      ...(unreadable.length > 0 ? [`could not redeploy in ${unreadable.join('; ')}`] : []),
    ];
    if (problems.length > 0) throw new Error(problems.join('; and '));
    return { secretArn, redeployed, alreadyFresh };
  };
}

const standbyCluster = process.env.STANDBY_CLUSTER_ARN;
const standbyRegion = standbyCluster?.split(':')[3];
export const handler = redeployHandler([
  { ecs: new ECSClient({}), cluster: process.env.CLUSTER_ARN ?? '' },
  ...(standbyCluster
    ? [{ ecs: new ECSClient({ region: standbyRegion }), cluster: standbyCluster, replica: { source: new SecretsManagerClient({}), here: new SecretsManagerClient({ region: standbyRegion }) } }]
    : []),
]);
