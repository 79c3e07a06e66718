import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { bundleLambda } from '../lib/lambda-bundle';
import { partitionOf } from '../lib/arn';
import { ServiceRole } from './service-role';

/** Where a function runs when it must reach something inside the VPC. */
export interface FunctionVpcPlacement {
  /** Subnets with a route to the AWS APIs the function calls (private subnets, through NAT). */
  readonly subnetIds: string[];
  /** Security groups of the function's network interfaces. */
  readonly securityGroupIds: string[];
}

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
  /** The account and region the function runs in: its log group's ARN is built from them. */
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
 * Rotates one secret on a schedule. The rotation function is TypeScript from `lambda/`, bundled by
 * esbuild into an asset whose hash changes only with the code; its role may touch its own secret, key
 * and log group and whatever `statements` name, nothing else; only Secrets Manager, for this secret,
 * may invoke it.
 */
export class SecretRotation extends Construct {
  readonly functionArn: string;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    const logGroupName = `/aws/lambda/${props.functionName}`;
    const logGroupArn = `arn:${partitionOf(props.region)}:logs:${props.region}:${props.accountId}:log-group:${logGroupName}`;
    const asset = new TerraformAsset(this, 'code', { path: bundleLambda(props.code), type: AssetType.FILE });

    const logGroup = new CloudwatchLogGroup(this, 'log-group', { name: logGroupName, retentionInDays: props.logRetentionDays ?? 365 });
    const role = new ServiceRole(this, 'role', { roleName: props.functionName, servicePrincipal: 'lambda.amazonaws.com', region: props.region, sourceAccount: props.accountId });
    const permissions = new DataAwsIamPolicyDocument(this, 'permissions', {
      statement: [
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
        {
          sid: 'WriteItsLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${logGroupArn}:*`],
        },
        ...(props.vpc
          ? [
              {
                // Lambda manages the function's network interfaces with these; EC2 offers no narrower resource for them.
                sid: 'AttachToTheVpc',
                actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
                resources: ['*'],
              },
            ]
          : []),
        ...(props.statements ?? []),
      ],
    });
    const policy = new IamRolePolicy(this, 'policy', { name: 'rotate', role: role.roleName, policy: permissions.json });

    const fn = new LambdaFunction(this, 'function', {
      functionName: props.functionName,
      description: `Rotates ${props.secretArn}`,
      role: role.roleArn,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      filename: asset.path,
      // The asset hash follows the bundle's content, so the function updates exactly when its code changes.
      sourceCodeHash: asset.assetHash,
      timeout: props.timeoutSeconds ?? 30,
      memorySize: 256,
      environment: props.environment ? { variables: { ...props.environment } } : undefined,
      vpcConfig: props.vpc ? { subnetIds: props.vpc.subnetIds, securityGroupIds: props.vpc.securityGroupIds } : undefined,
      loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
      dependsOn: [policy, logGroup],
    });
    const invoke = new LambdaPermission(this, 'secrets-manager-invokes', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionName,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: props.secretArn,
    });
    new SecretsmanagerSecretRotation(this, 'schedule', {
      secretId: props.secretArn,
      rotationLambdaArn: fn.arn,
      rotationRules: { automaticallyAfterDays: props.rotationDays },
      // The first value is fresh; the first rotation comes on schedule.
      rotateImmediately: false,
      dependsOn: [invoke],
    });
    this.functionArn = fn.arn;
    this.functionName = fn.functionName;
  }
}
