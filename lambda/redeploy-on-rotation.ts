import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';

/**
 * ECS reads a task's secrets once, when the task starts. After a secret rotates, the running tasks keep
 * the old value until they are replaced, and with a database password that value stops working. This
 * function receives Secrets Manager's RotationSucceeded event and starts a new deployment of exactly the
 * services of its cluster whose task definition injects the rotated secret; the deployment replaces
 * their tasks one batch at a time, behind the load balancer's health checks.
 */

/** The part of the EventBridge event (a CloudTrail service event of Secrets Manager) this function reads. */
export interface RotationSucceededEvent {
  readonly source?: string;
  readonly 'detail-type'?: string;
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

/** ARNs of the active services of `cluster` whose current task definition injects the secret. */
export async function servicesUsingSecret(ecs: ECSClient, cluster: string, secretArn: string): Promise<string[]> {
  const serviceArns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 }));
    serviceArns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);

  const taskDefinitionOf = new Map<string, string>();
  for (let i = 0; i < serviceArns.length; i += DESCRIBE_BATCH) {
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns.slice(i, i + DESCRIBE_BATCH) }));
    for (const service of services ?? []) {
      if (service.status === 'ACTIVE' && service.serviceArn && service.taskDefinition) taskDefinitionOf.set(service.serviceArn, service.taskDefinition);
    }
  }

  const injects = new Map<string, boolean>();
  for (const taskDefinition of new Set(taskDefinitionOf.values())) {
    const { taskDefinition: definition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    const references = (definition?.containerDefinitions ?? []).flatMap((container) => (container.secrets ?? []).map((secret) => secret.valueFrom ?? ''));
    injects.set(taskDefinition, references.some((valueFrom) => referencesSecret(valueFrom, secretArn)));
  }
  return [...taskDefinitionOf].filter(([, taskDefinition]) => injects.get(taskDefinition)).map(([service]) => service);
}

export function redeployHandler(ecs: ECSClient, cluster: string) {
  return async (event: RotationSucceededEvent): Promise<RedeployResult> => {
    if (!cluster) throw new Error('CLUSTER_ARN is not set: the function does not know which cluster to redeploy');
    const secretArn = event.detail?.additionalEventData?.SecretId;
    if (event.detail?.eventName !== 'RotationSucceeded' || !secretArn) {
      console.log(JSON.stringify({ ignored: event.detail?.eventName ?? event['detail-type'] ?? 'unknown event' }));
      return { redeployed: [] };
    }
    const services = await servicesUsingSecret(ecs, cluster, secretArn);
    const redeployed: string[] = [];
    const failed: string[] = [];
    // One failure does not keep the other services on a stale secret; it fails the invocation afterwards, so it is retried.
    for (const service of services) {
      try {
        await ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
        redeployed.push(service);
      } catch (error) {
        failed.push(`${service}: ${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    // ARNs only: never a secret's value.
    console.log(JSON.stringify({ secretArn, cluster, redeployed, failed }));
    if (failed.length > 0) throw new Error(`could not redeploy ${failed.length} of ${services.length} services using ${secretArn}: ${failed.join('; ')}`);
    return { secretArn, redeployed };
  };
}

export const handler = redeployHandler(new ECSClient({}), process.env.CLUSTER_ARN ?? '');
