import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import type { Construct } from 'constructs';
import { NodejsFunction, type NodejsFunctionProps } from './nodejs-function';

export interface SecretRotationProps extends Omit<NodejsFunctionProps, 'description'> {
  /** ARN of the one secret the function rotates. */
  readonly secretArn: string;
  /** ARN of the KMS key that encrypts the secret. */
  readonly secretKeyArn: string;
  /** Days between rotations (Secrets Manager allows 1 to 1000). */
  readonly rotationDays: number;
  /**
   * Keys of the secret's replicas in other regions: Secrets Manager encrypts each new value with them as
   * the principal that wrote it, this function.
   * @default - none
   */
  readonly replicaKeyArns?: readonly string[];
}

/**
 * A rotation function for one secret, and its schedule: a TypeScript NodejsFunction that may touch its
 * own secret and key and whatever `statements` name, nothing else, and that only Secrets Manager, for this
 * secret, may invoke. It is a NodejsFunction itself, not a wrapper around one, so its resources keep the
 * Terraform addresses they had before NodejsFunction was factored out (a wrapper would move them, and
 * Terraform would recreate live functions, roles and log groups under the same names).
 */
export class SecretRotation extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    const { secretArn, secretKeyArn, rotationDays, replicaKeyArns = [], ...functionProps } = props;
    super(scope, id, {
      ...functionProps,
      description: `Rotates ${secretArn}`,
      statements: [
        {
          sid: 'RotateItsSecret',
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          resources: [secretArn],
        },
        {
          sid: 'UseTheSecretsKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [secretKeyArn, ...replicaKeyArns],
        },
        ...(props.statements ?? []),
      ],
    });
    const invoke = new LambdaPermission(this, 'secrets-manager-invokes', {
      action: 'lambda:InvokeFunction',
      functionName: this.functionName,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: secretArn,
    });
    new SecretsmanagerSecretRotation(this, 'schedule', {
      secretId: secretArn,
      rotationLambdaArn: this.functionArn,
      rotationRules: { automaticallyAfterDays: rotationDays },
      // The first value is fresh; the first rotation comes on schedule.
      rotateImmediately: false,
      dependsOn: [invoke],
    });
  }
}
