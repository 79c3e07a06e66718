import type { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { Construct } from 'constructs';
import { NodejsFunction, type FunctionVpcPlacement } from './nodejs-function';

export interface SecretRotationProps {
  /** ARN of the one secret the function rotates. */
  readonly secretArn: string;
  /** ARN of the KMS key that encrypts the secret. */
  readonly secretKeyArn: string;
  /** Days between rotations (Secrets Manager allows 1 to 1000). */
  readonly rotationDays: number;
  /** Name of the rotation function. */
  readonly functionName: string;
  /** The handler's module under `lambda/`, without `.ts`; it must export `handler`. */
  readonly code: string;
  /** The account and region the function runs in. */
  readonly accountId: string;
  readonly region: string;
  /** Seconds one step may take. @default 30 */
  readonly timeoutSeconds?: number;
  /** Environment variables of the function; never a secret value. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Run inside the VPC. @default - outside any VPC */
  readonly vpc?: FunctionVpcPlacement;
  /** What the function may do besides rotating its secret, each statement naming its resources. @default - nothing */
  readonly statements?: readonly DataAwsIamPolicyDocumentStatement[];
  /** Days the function's log group keeps records. @default 365 */
  readonly logRetentionDays?: number;
}

/**
 * Rotates one secret on a schedule with a TypeScript rotation function. The function may touch its own
 * secret and key and whatever `statements` name, nothing else; only Secrets Manager, for this secret,
 * may invoke it.
 */
export class SecretRotation extends Construct {
  readonly functionArn: string;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    const fn = new NodejsFunction(this, 'rotation', {
      functionName: props.functionName,
      description: `Rotates ${props.secretArn}`,
      code: props.code,
      accountId: props.accountId,
      region: props.region,
      timeoutSeconds: props.timeoutSeconds,
      environment: props.environment,
      vpc: props.vpc,
      logRetentionDays: props.logRetentionDays,
      statements: [
        {
          sid: 'RotateItsSecret',
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          resources: [props.secretArn],
        },
        {
          sid: 'UseTheSecretsKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.secretKeyArn],
        },
        ...(props.statements ?? []),
      ],
    });
    const invoke = new LambdaPermission(this, 'secrets-manager-invokes', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionName,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: props.secretArn,
    });
    new SecretsmanagerSecretRotation(this, 'schedule', {
      secretId: props.secretArn,
      rotationLambdaArn: fn.functionArn,
      rotationRules: { automaticallyAfterDays: props.rotationDays },
      // The first value is fresh; the first rotation comes on schedule.
      rotateImmediately: false,
      dependsOn: [invoke],
    });
    this.functionArn = fn.functionArn;
    this.functionName = fn.functionName;
  }
}
