import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { EphemeralRandomPassword, type EphemeralRandomPasswordProps } from './ephemeral-values';

export interface GeneratedSecretProps {
  /** Name of the secret, e.g. `groundwork/prod/cache-auth-token`. */
  readonly name: string;
  /** What the secret is for; shown in the console. */
  readonly description: string;
  /** ARN of the customer-managed KMS key that encrypts the secret. */
  readonly encryptionKeyArn: string;
  /** The first value: a random password of this shape. */
  readonly initialValue: EphemeralRandomPasswordProps;
  /**
   * Store the value as a JSON object: these fields, and the random password under `passwordField`
   * (credentials as RDS stores them: `username`, `password`, ...).
   * @default - the password alone, as a plain string
   */
  readonly json?: { readonly passwordField: string; readonly fields: Readonly<Record<string, string | number>> };
  /** Days a deleted secret can still be restored (0 deletes at once; else 7 to 30). @default 30 */
  readonly recoveryWindowDays?: number;
  /**
   * Other regions that keep a read-only copy, each encrypted with a key of its own region; Secrets Manager
   * copies every new value (a rotation's too) there.
   * @default - none
   */
  readonly replicas?: readonly SecretReplica[];
}

/** A region that holds a replica of a secret, and the key there that encrypts it. */
export interface SecretReplica {
  readonly region: string;
  readonly encryptionKeyArn: string;
}

/** The ARN of a secret's replica: the secret's, with the replica's region (as Secrets Manager makes it). */
export function replicaSecretArn(secretArn: string, primaryRegion: string, replicaRegion: string): string {
  return Fn.replace(secretArn, `:${primaryRegion}:`, `:${replicaRegion}:`);
}

/**
 * A Secrets Manager secret encrypted with a customer key, born with a random value that never enters
 * Terraform's configuration, plan or state: an ephemeral password passed to a write-only argument.
 * Every later value comes from rotation (see SecretRotation).
 */
export class GeneratedSecret extends Construct {
  readonly secretArn: string;
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    const secret = new SecretsmanagerSecret(this, 'secret', {
      name: props.name,
      description: props.description,
      kmsKeyId: props.encryptionKeyArn,
      recoveryWindowInDays: props.recoveryWindowDays ?? 30,
      replica: props.replicas?.map((replica) => ({ region: replica.region, kmsKeyId: replica.encryptionKeyArn })),
    });
    const initial = new EphemeralRandomPassword(this, 'initial-value', props.initialValue);
    // Written once: the write-only version number never changes, so Terraform never writes over a rotated value.
    const version = new SecretsmanagerSecretVersion(this, 'initial-version', {
      secretId: secret.id,
      secretStringWo: props.json ? jsonWithPassword(props.json, initial.expression) : initial.value,
      secretStringWoVersion: 1,
      // Rotation moves AWSCURRENT off this version; Terraform must not move it back.
      lifecycle: { ignoreChanges: ['version_stages'] },
    });
    // Read from the version, so whatever uses the ARN (a rotation schedule, a reader) waits for the first value.
    this.secretArn = version.arn;
    this.secretName = secret.name;
  }
}

/**
 * `jsonencode({...})` over the fields and the password. Written by hand: cdktf's Fn.jsonencode escapes a
 * reference inside an object into a literal string. The fields are plain values, quoted as JSON strings
 * are (HCL reads those alike); none may hold a template sequence.
 */
function jsonWithPassword(json: NonNullable<GeneratedSecretProps['json']>, password: string): string {
  const fields = Object.entries(json.fields).map(([key, value]) => {
    const text = JSON.stringify(value);
    if (/[$%]\{/.test(text)) throw new Error(`secret field ${key} holds a template sequence`);
    return `${JSON.stringify(key)} = ${text}`;
  });
  return `\${jsonencode({ ${[...fields, `${JSON.stringify(json.passwordField)} = ${password}`].join(', ')} })}`;
}
