import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { Construct } from 'constructs';
import { NodejsFunction, type NodejsFunctionProps } from './nodejs-function';

export interface SecretRotationProps extends Omit<NodejsFunctionProps, 'description'> {
  /** ARN of the one secret the function rotates. */
  readonly secretArn: string;
  /** ARN of the KMS key that encrypts the secret. */
  readonly secretKeyArn: string;
  /** Days between rotations (Secrets Manager allows 1 to 1000). */
  readonly rotationDays: number;
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
    const { secretArn, secretKeyArn, rotationDays, ...functionProps } = props;
    const fn = new NodejsFunction(this, 'rotation', {
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
          resources: [secretKeyArn],
        },
        ...(props.statements ?? []),
      ],
    });
    const invoke = new LambdaPermission(this, 'secrets-manager-invokes', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionName,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: secretArn,
    });
    new SecretsmanagerSecretRotation(this, 'schedule', {
      secretId: secretArn,
      rotationLambdaArn: fn.functionArn,
      rotationRules: { automaticallyAfterDays: rotationDays },
      // The first value is fresh; the first rotation comes on schedule.
      rotateImmediately: false,
      dependsOn: [invoke],
    });
    this.functionArn = fn.functionArn;
    this.functionName = fn.functionName;
  }
}
