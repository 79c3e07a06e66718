import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { standbyOf } from '../environments/standby';
import { BackupStack } from './backup-stack';
import { ClusterStack } from './cluster-stack';
import { DataStack } from './data-stack';
import { adoptExistingResources } from './existing-resources';
import { GitopsStack } from './gitops-stack';
import { NetworkStack } from './network-stack';
import { ObservabilityStack } from './observability-stack';
import { RoutingStack } from './routing-stack';
import { SecretsStack } from './secrets-stack';
import { ServiceStack } from './service-stack';
import { StateStack } from './state-stack';

/** The stacks of one environment. Later components take what they need from the earlier ones. */
export interface Platform {
  readonly state: StateStack;
  readonly network: NetworkStack;
  readonly secrets: SecretsStack;
  readonly data: DataStack;
  readonly service: ServiceStack;
  /** The database's backups, copied to the DR region. */
  readonly backup: BackupStack;
  /** Alarms on the service, database and cache, their dashboard, and the account's audit trail. */
  readonly observability: ObservabilityStack;
  /** The EKS cluster, when `gitops.cluster.kind` is `eks`. */
  readonly cluster?: ClusterStack;
  /** ArgoCD and its policy, when the environment has `gitops`. */
  readonly gitops?: GitopsStack;
  /** The standby's stacks in `failover.region`, when the environment has `failover`. */
  readonly standby?: Standby;
  /** Traffic to whichever region serves, when the environment has `failover`. */
  readonly routing?: RoutingStack;
}

/** The standby's stacks: the primary's classes, built for the standby's view of the environment. */
export interface Standby {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly service: ServiceStack;
  readonly observability: ObservabilityStack;
}

/** Adds every stack of one environment to the app. */
export function addPlatform(scope: Construct, env: Environment): Platform {
  const state = new StateStack(scope, env);
  const network = new NetworkStack(scope, env);
  const secrets = new SecretsStack(scope, env);
  const data = new DataStack(scope, env, network, secrets);
  const service = new ServiceStack(scope, env, { network, secrets, data });
  const backup = new BackupStack(scope, env, data);
  const observability = new ObservabilityStack(scope, env, { service, data });
  // Every stack keeps its state in the state stack's bucket, so `cdktn deploy` must apply that first.
  // Cross-stack references add the other dependencies (data on network and secrets, ...) themselves.
  const clusterConfig = env.gitops?.cluster;
  const cluster = clusterConfig?.kind === 'eks' ? new ClusterStack(scope, env, clusterConfig, network, data, observability) : undefined;
  const gitops = env.gitops ? new GitopsStack(scope, env, { network, secrets, data, observability, cluster }) : undefined;
  const standby = env.failover ? addStandby(scope, standbyOf(env), secrets, data, service) : undefined;
  const routing = standby ? new RoutingStack(scope, env, service, standby.service) : undefined;
  const standbyStacks = standby ? [standby.network, standby.data, standby.service, standby.observability, routing] : [];
  for (const stack of [network, secrets, data, service, backup, observability, cluster, gitops, ...standbyStacks]) stack?.addDependency(state);
  adoptExistingResources(env, [state, network, secrets, data, service, backup, observability, cluster, gitops, ...standbyStacks]);
  return { state, network, secrets, data, service, backup, observability, cluster, gitops, standby, routing };
}

/** The standby's stacks: the same classes, in the standby's region, following the primary's. */
function addStandby(scope: Construct, env: Environment, secrets: SecretsStack, primaryData: DataStack, primaryService: ServiceStack): Standby {
  const network = new NetworkStack(scope, env);
  const data = new DataStack(scope, env, network, secrets, primaryData);
  const service = new ServiceStack(scope, env, { network, secrets, data, primary: primaryService });
  const observability = new ObservabilityStack(scope, env, { service, data });
  return { network, data, service, observability };
}
