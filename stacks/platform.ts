import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { NetworkStack } from './network-stack';
import { StateStack } from './state-stack';

/** The stacks of one environment. Later components take what they need from the earlier ones. */
export interface Platform {
  readonly state: StateStack;
  readonly network: NetworkStack;
}

/** Adds every stack of one environment to the app. */
export function addPlatform(scope: Construct, env: Environment): Platform {
  const state = new StateStack(scope, env);
  const network = new NetworkStack(scope, env);
  // Every stack keeps its state in the state stack's bucket, so `cdktf deploy` must apply that first.
  network.addDependency(state);
  return { state, network };
}
