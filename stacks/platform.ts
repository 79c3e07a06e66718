import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { DataStack } from './data-stack';
import { NetworkStack } from './network-stack';
import { SecretsStack } from './secrets-stack';
import { StateStack } from './state-stack';

/** The stacks of one environment. Later components take what they need from the earlier ones. */
export interface Platform {
  readonly state: StateStack;
  readonly network: NetworkStack;
  readonly secrets: SecretsStack;
  readonly data: DataStack;
}

/** Adds every stack of one environment to the app. */
export function addPlatform(scope: Construct, env: Environment): Platform {
  const state = new StateStack(scope, env);
  const network = new NetworkStack(scope, env);
  const secrets = new SecretsStack(scope, env);
  const data = new DataStack(scope, env, network, secrets);
  // Every stack keeps its state in the state stack's bucket, so `cdktf deploy` must apply that first.
  // Cross-stack references add the other dependencies (data on network and secrets) themselves.
  for (const stack of [network, secrets, data]) stack.addDependency(state);
  return { state, network, secrets, data };
}
