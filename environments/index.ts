import { dev } from './dev';
import { local } from './local';
import { prod } from './prod';
import { staging } from './staging';

/** Every environment Groundwork builds, keyed by name. Add an environment by adding its file here. */
export const environments = { dev, staging, prod, local };

export { ConfigError, loadEnvironments } from './load';
export type { Environment, EnvironmentConfig, Tier } from './schema';
