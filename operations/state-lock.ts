import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { terraform } from './terraform-cli';

/** Where a synthesized stack keeps its state and its lock, as its `terraform.backend.s3` block says. */
export interface StackBackend {
  readonly stack: string;
  /** Absolute path of the stack's synthesized directory (where Terraform runs). */
  readonly dir: string;
  readonly bucket: string;
  /** The state object's key, e.g. `local/network.tfstate`. */
  readonly key: string;
  /** The lock object Terraform's S3 native locking writes beside the state: `<key>.tflock`. */
  readonly lockKey: string;
  readonly region: string;
  /** The S3 endpoint when the backend names one (an emulator). */
  readonly endpoint?: string;
  readonly pathStyle: boolean;
}

/** The JSON Terraform writes into the lock object (its statemgr.LockInfo). */
export interface StateLock {
  readonly ID: string;
  /** What the holder was doing, e.g. `OperationTypeApply`, `OperationTypePlan`. */
  readonly Operation: string;
  readonly Info: string;
  /** `user@host` of the process that took the lock. */
  readonly Who: string;
  /** The holder's Terraform version. */
  readonly Version: string;
  /** When the lock was taken, RFC 3339 (UTC, nanoseconds). */
  readonly Created: string;
  /** `<bucket>/<key>` of the state the lock protects. */
  readonly Path: string;
}

interface S3BackendBlock {
  bucket?: string;
  key?: string;
  region?: string;
  endpoints?: { s3?: string };
  /** Older spellings, still accepted by Terraform 1.11. */
  endpoint?: string;
  use_path_style?: boolean;
  force_path_style?: boolean;
  use_lockfile?: boolean;
}

/**
 * Reads the S3 backend of a synthesized stack from its `cdk.tf.json`. The lock lives wherever Terraform
 * puts it for this exact block, so nothing here is recomputed from the environment's config.
 */
export function stackBackend(outdir: string, stack: string): StackBackend {
  const dir = path.resolve(outdir, 'stacks', stack);
  const file = path.join(dir, 'cdk.tf.json');
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist: synthesize first`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { terraform?: { backend?: { s3?: S3BackendBlock } } };
  const s3 = json.terraform?.backend?.s3;
  if (!s3) throw new Error(`${stack} has no S3 backend in ${file}`);
  if (!s3.bucket || !s3.key || !s3.region) throw new Error(`${stack}'s S3 backend in ${file} lacks bucket, key or region`);
  if (s3.use_lockfile !== true) throw new Error(`${stack}'s S3 backend in ${file} does not lock with a lock file (use_lockfile)`);
  return {
    stack,
    dir,
    bucket: s3.bucket,
    key: s3.key,
    lockKey: `${s3.key}.tflock`,
    region: s3.region,
    endpoint: s3.endpoints?.s3 ?? s3.endpoint,
    pathStyle: s3.use_path_style ?? s3.force_path_style ?? false,
  };
}

/** `s3://bucket/key.tflock`, plus the endpoint when it is not AWS: for messages. */
export function lockLocation(backend: StackBackend): string {
  return `s3://${backend.bucket}/${backend.lockKey}${backend.endpoint ? ` at ${backend.endpoint}` : ''}`;
}

/**
 * An S3 client for the backend's bucket. Credentials come from `env` when it holds keys (the emulator's,
 * or those a script was given); otherwise the SDK's usual chain (profile, SSO, instance role).
 */
function s3For(backend: StackBackend, env: NodeJS.ProcessEnv): S3Client {
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
      : undefined;
  return new S3Client({
    region: backend.region,
    ...(backend.endpoint && { endpoint: backend.endpoint }),
    forcePathStyle: backend.pathStyle,
    ...(credentials && { credentials }),
    // A lock check must answer promptly, not retry for minutes against an endpoint that is down.
    maxAttempts: 3,
  });
}

/** The lock Terraform holds on the stack's state, or undefined when the lock object does not exist. */
export async function readStateLock(backend: StackBackend, env: NodeJS.ProcessEnv = process.env): Promise<StateLock | undefined> {
  const s3 = s3For(backend, env);
  let body: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: backend.bucket, Key: backend.lockKey }));
    body = await object.Body!.transformToString();
  } catch (error) {
    if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)) return undefined;
    throw new Error(`could not read the lock object ${lockLocation(backend)}: ${(error as Error).message || (error as Error).name}`);
  } finally {
    s3.destroy();
  }
  let lock: Partial<StateLock>;
  try {
    lock = JSON.parse(body) as Partial<StateLock>;
  } catch {
    throw new Error(`the lock object ${lockLocation(backend)} is not JSON: ${body.slice(0, 200)}`);
  }
  if (typeof lock.ID !== 'string' || lock.ID === '') throw new Error(`the lock object ${lockLocation(backend)} has no ID: ${body.slice(0, 200)}`);
  return { ID: lock.ID, Operation: lock.Operation ?? '', Info: lock.Info ?? '', Who: lock.Who ?? '', Version: lock.Version ?? '', Created: lock.Created ?? '', Path: lock.Path ?? '' };
}

export interface ForceUnlockOptions {
  /** Environment for Terraform and the S3 check: credentials, the CLI config. */
  readonly env: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** Bound on each terraform command. @default 300000 */
  readonly timeoutMs?: number;
}

/**
 * Removes the lock with this ID from the stack's state: `terraform init -input=false -reconfigure`, then
 * `terraform force-unlock -force <lockId>` in the stack's directory, then checks that the lock object is
 * gone. Terraform refuses when the object holds another ID, so a lock taken after the caller looked is
 * never removed. Only for a holder that is no longer running: a live apply then writes state unlocked.
 */
export async function forceUnlockStack(backend: StackBackend, lockId: string, options: ForceUnlockOptions): Promise<void> {
  const run = async (args: string[]) => {
    options.log?.(`$ terraform ${args.join(' ')}`);
    const result = await terraform(args, { cwd: backend.dir, env: options.env, timeoutMs: options.timeoutMs ?? 300_000 });
    if (result.code !== 0) throw new Error(`terraform ${args[0]} failed in ${backend.dir} (exit ${result.code}):\n${(result.stderr || result.stdout).trim()}`);
  };
  // -reconfigure: the backend may have moved since the last init (an emulator on a new port).
  await run(['init', '-input=false', '-reconfigure']);
  await run(['force-unlock', '-force', lockId]);
  const after = await readStateLock(backend, options.env);
  if (after?.ID === lockId) throw new Error(`terraform force-unlock exited 0, but ${lockLocation(backend)} still holds lock ${lockId}`);
  if (after) throw new Error(`lock ${lockId} was removed, but ${after.Who || 'another run'} has taken a new lock since (${after.ID}, ${after.Operation || 'no operation'}, ${after.Created})`);
}
