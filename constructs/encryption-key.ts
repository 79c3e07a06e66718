import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { partitionOf, regionalServicePrincipal } from '../lib/arn';

/** Lets an AWS service use the key on the account's behalf, under conditions. */
export interface ServiceKeyGrant {
  /** The service principal, e.g. `logs.eu-west-1.amazonaws.com`. */
  readonly principal: string;
  /** The KMS actions the service may call. */
  readonly actions: readonly string[];
  /** Conditions that narrow the grant to the caller's own resources. @default - none */
  readonly conditions?: readonly { readonly test: string; readonly variable: string; readonly values: readonly string[] }[];
}

/** Lets CloudWatch Logs encrypt and read one log group with the key, and nothing else. */
export function logGroupKeyGrant(region: string, logGroupArn: string): ServiceKeyGrant {
  return {
    principal: regionalServicePrincipal('logs', region),
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    conditions: [{ test: 'ArnLike', variable: 'kms:EncryptionContext:aws:logs:arn', values: [logGroupArn] }],
  };
}

export interface EncryptionKeyProps {
  /** What the key protects; shown in the KMS console. */
  readonly description: string;
  /** Alias name without the `alias/` prefix, e.g. `groundwork/prod/tfstate`. */
  readonly alias: string;
  /** The account that owns the key; its IAM principals may use it as their IAM policies allow. */
  readonly accountId: string;
  /** The key's region; decides the partition of the account's ARN in the key policy. */
  readonly region: string;
  /** Days between automatic rotations of the key material (AWS allows 90 to 2560). @default 365 */
  readonly rotationPeriodDays?: number;
  /** Days a deleted key waits before it is gone for good (AWS allows 7 to 30). @default 30 */
  readonly deletionWindowDays?: number;
  /** AWS services that may use the key directly. @default - none */
  readonly serviceGrants?: readonly ServiceKeyGrant[];
  /** Refuse any plan that would destroy the key (Terraform `prevent_destroy`). @default false */
  readonly preventDestroy?: boolean;
  /** The AWS provider to create the key with, for a key in another region. @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/** A customer-managed, automatically rotating KMS key with an alias and a least-privilege key policy. */
export class EncryptionKey extends Construct {
  readonly keyArn: string;
  readonly keyId: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const partition = partitionOf(props.region);
    const root = `arn:${partition}:iam::${props.accountId}:root`;

    // The account root statement is AWS's default key policy: it delegates use of the key to IAM policies.
    const provider = props.provider;
    const policy = new DataAwsIamPolicyDocument(this, 'policy', {
      provider,
      statement: [
        {
          sid: 'AccountAdministersKeyThroughIam',
          principals: [{ type: 'AWS', identifiers: [root] }],
          actions: ['kms:*'],
          resources: ['*'],
        },
        ...(props.serviceGrants ?? []).map((grant, i) => ({
          sid: `ServiceUse${i}`,
          principals: [{ type: 'Service', identifiers: [grant.principal] }],
          actions: [...grant.actions],
          resources: ['*'],
          condition: (grant.conditions ?? []).map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })),
        })),
      ],
    });

    const key = new KmsKey(this, 'key', {
      provider,
      description: props.description,
      enableKeyRotation: true,
      rotationPeriodInDays: props.rotationPeriodDays ?? 365,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: policy.json,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    new KmsAlias(this, 'alias', { provider, name: `alias/${props.alias}`, targetKeyId: key.keyId });

    this.keyArn = key.arn;
    this.keyId = key.keyId;
  }
}
