import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { Construct } from 'constructs';

export interface FargateClusterProps {
  /** Name of the cluster, e.g. `groundwork-prod`. */
  readonly clusterName: string;
}

/** An ECS cluster for Fargate services, with Container Insights collecting per-task metrics. */
export class FargateCluster extends Construct {
  readonly clusterArn: string;
  readonly clusterName: string;

  constructor(scope: Construct, id: string, props: FargateClusterProps) {
    super(scope, id);
    const cluster = new EcsCluster(this, 'cluster', {
      name: props.clusterName,
      setting: [{ name: 'containerInsights', value: 'enabled' }],
    });
    this.clusterArn = cluster.arn;
    this.clusterName = cluster.name;
  }
}
