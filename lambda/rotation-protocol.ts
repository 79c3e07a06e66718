import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/**
 * The Secrets Manager rotation protocol, shared by every rotation function: Secrets Manager calls the
 * function four times per rotation, once per step, with the same ClientRequestToken (the new version's id).
 * What differs between secrets (how a value is made, installed and checked) is a RotationStrategy.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
 */

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** What Secrets Manager sends the rotation function. */
export interface RotationEvent {
  readonly Step: RotationStep;
  /** ARN of the secret being rotated. */
  readonly SecretId: string;
  /** Id of the new version; every step of one rotation gets the same token. */
  readonly ClientRequestToken: string;
}

/** The values a strategy sees while installing a new one. */
export interface SecretValues {
  /** The new value (stage AWSPENDING). */
  readonly pending: string;
  /** The value in use (stage AWSCURRENT). */
  readonly current: string;
  /** The value the last rotation replaced (stage AWSPREVIOUS). @default - none yet */
  readonly previous?: string;
}

/** What one kind of secret does in each step beyond Secrets Manager's own bookkeeping. */
export interface RotationStrategy {
  /** Makes a new value from the current one (createSecret). */
  generate(current: string): string | Promise<string>;
  /** Makes the system that checks the secret accept the new value, without refusing the current one (setSecret). */
  set(values: SecretValues): Promise<void>;
  /** Throws unless the new value works (testSecret); the rotation then stops with AWSCURRENT where it was. */
  test(pending: string): Promise<void>;
}

/** A secret holding a user's credentials, as RDS stores them: `username`, `password`, and fields kept as they are. */
export interface UserCredentials {
  readonly username: string;
  readonly password: string;
  readonly [field: string]: unknown;
}

/** The credentials in a secret's value; throws, naming no value, when it holds none. */
export function credentialsIn(value: string): UserCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error('the secret is not a JSON object of username and password');
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
    throw new Error('the secret is not a JSON object of username and password');
  }
  return parsed as UserCredentials;
}

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';

/** A Lambda handler that runs the rotation protocol with one strategy. Every step is safe to retry. */
export function rotationHandler(strategy: RotationStrategy, secrets: SecretsManagerClient) {
  return async (event: RotationEvent): Promise<void> => {
    const { Step: step, SecretId: secretId, ClientRequestToken: token } = event;
    const metadata = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (!metadata.RotationEnabled) throw new Error(`Secret ${secretId} does not have rotation enabled`);
    const versions = metadata.VersionIdsToStages ?? {};
    const stages = versions[token];
    if (stages?.includes(CURRENT)) {
      log(step, secretId, `version ${token} is already ${CURRENT}; nothing to do`);
      return;
    }
    // Secrets Manager marks the new version AWSPENDING before it calls createSecret; after that the
    // version must still be pending, or another rotation has taken over. A createSecret for a version
    // Secrets Manager has not announced may start a rotation only when no other one is under way.
    const unannounced = stages === undefined && step === 'createSecret';
    if (unannounced && Object.values(versions).some((labels) => labels.includes(PENDING) && !labels.includes(CURRENT))) {
      throw new Error(`Secret ${secretId} has another rotation under way; version ${token} is not ${PENDING}`);
    }
    if (!unannounced && !stages?.includes(PENDING)) {
      throw new Error(`Secret ${secretId} version ${token} is not ${PENDING} for rotation`);
    }

    switch (step) {
      case 'createSecret': {
        const current = await valueOf(secrets, secretId, { VersionStage: CURRENT }); // there must be a value to rotate from
        if (await optionalValueOf(secrets, secretId, { VersionId: token, VersionStage: PENDING })) {
          log(step, secretId, `version ${token} already has a value`);
          return;
        }
        await secrets.send(
          new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: await strategy.generate(current), VersionStages: [PENDING] }),
        );
        log(step, secretId, `put a new value as version ${token}`);
        return;
      }
      case 'setSecret': {
        await strategy.set({
          pending: await valueOf(secrets, secretId, { VersionId: token, VersionStage: PENDING }),
          current: await valueOf(secrets, secretId, { VersionStage: CURRENT }),
          previous: await optionalValueOf(secrets, secretId, { VersionStage: PREVIOUS }),
        });
        log(step, secretId, `installed version ${token}`);
        return;
      }
      case 'testSecret': {
        await strategy.test(await valueOf(secrets, secretId, { VersionId: token, VersionStage: PENDING }));
        log(step, secretId, `version ${token} works`);
        return;
      }
      case 'finishSecret': {
        const current = Object.entries(versions).find(([, labels]) => labels.includes(CURRENT))?.[0];
        // Secrets Manager moves AWSPREVIOUS to the version AWSCURRENT leaves.
        await secrets.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: CURRENT, MoveToVersionId: token, RemoveFromVersionId: current }));
        log(step, secretId, `version ${token} is now ${CURRENT}`);
        return;
      }
      default:
        throw new Error(`Unknown rotation step ${String(step)}`);
    }
  };
}

type VersionSelector = { VersionId?: string; VersionStage: string };

async function valueOf(secrets: SecretsManagerClient, secretId: string, version: VersionSelector): Promise<string> {
  const value = await optionalValueOf(secrets, secretId, version);
  if (value === undefined) throw new Error(`Secret ${secretId} has no ${version.VersionStage} value${version.VersionId ? ` for version ${version.VersionId}` : ''}`);
  return value;
}

async function optionalValueOf(secrets: SecretsManagerClient, secretId: string, version: VersionSelector): Promise<string | undefined> {
  try {
    return (await secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...version }))).SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Logs what happened, never a value. */
function log(step: RotationStep, secretId: string, message: string): void {
  console.log(`${step} ${secretId}: ${message}`);
}
