import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { bundleLambda } from '../lib/lambda-bundle';
import { logGroupArn } from '../lib/arn';
import { ServiceRole } from './service-role';

/** Where a function runs when it must reach something inside the VPC. */
export interface FunctionVpcPlacement {
  /** Subnets with a route to the AWS APIs the function calls (private subnets, through NAT). */
  readonly subnetIds: string[];
  /** Security groups of the function's network interfaces. */
  readonly securityGroupIds: string[];
}

export interface NodejsFunctionProps {
  /** Name of the function (unique in its region); its log group is named after it. */
  readonly functionName: string;
  /** Name of the function's role, unique in the account (a standby's functions share their names with the primary's). @default - functionName */
  readonly roleName?: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** The handler's module under `lambda/`, without `.ts`; it must export `handler`. */
  readonly code: string;
  /** The account and region the function runs in: its log group's ARN is built from them. */
  readonly accountId: string;
  readonly region: string;
  /** Seconds one invocation may take. @default 30 */
  readonly timeoutSeconds?: number;
  /** Environment variables of the function; never a secret value. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Run inside the VPC. @default - outside any VPC */
  readonly vpc?: FunctionVpcPlacement;
  /** What the function may do besides writing its logs, each statement naming its resources. @default - nothing */
  readonly statements?: readonly DataAwsIamPolicyDocumentStatement[];
  /** Days the function's log group keeps records. @default 365 */
  readonly logRetentionDays?: number;
  /**
   * The KMS key that encrypts the function's log group. Its key policy must let CloudWatch Logs use it for
   * that log group: give the key `logGroupKeyGrant(region, functionLogGroupArn(props))`.
   */
  readonly logEncryptionKeyArn: string;
}

/** The log group Lambda writes a function's logs to, which NodejsFunction creates: `/aws/lambda/<function name>`. */
export function functionLogGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** The ARN of a function's log group, known at synth time: for the key policy of `logEncryptionKeyArn`. */
export function functionLogGroupArn(props: Pick<NodejsFunctionProps, 'functionName' | 'accountId' | 'region'>): string {
  return logGroupArn(props.region, props.accountId, functionLogGroupName(props.functionName));
}

/**
 * A Lambda function written in TypeScript under `lambda/`, bundled by esbuild into an asset whose hash
 * changes only with the code, on the Node.js 22 runtime (which provides the AWS SDK v3). Its log group is
 * encrypted with `logEncryptionKeyArn` and kept `logRetentionDays`. Its role trusts Lambda for this account
 * only and may write its own log group and do what `statements` name, nothing else.
 * Who may invoke it is the caller's to grant.
 */
export class NodejsFunction extends Construct {
  readonly functionArn: string;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: NodejsFunctionProps) {
    super(scope, id);
    const logGroupName = functionLogGroupName(props.functionName);
    const asset = new TerraformAsset(this, 'code', { path: bundleLambda(props.code), type: AssetType.FILE });

    const logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: props.logEncryptionKeyArn,
    });
    const role = new ServiceRole(this, 'role', { roleName: props.roleName ?? props.functionName, servicePrincipal: 'lambda.amazonaws.com', region: props.region, sourceAccount: props.accountId });
    const permissions = new DataAwsIamPolicyDocument(this, 'permissions', {
      statement: [
        {
          sid: 'WriteItsLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${functionLogGroupArn(props)}:*`],
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
    const policy = new IamRolePolicy(this, 'policy', { name: 'function', role: role.roleName, policy: permissions.json });

    const fn = new LambdaFunction(this, 'function', {
      functionName: props.functionName,
      description: props.description,
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
    this.functionArn = fn.arn;
    this.functionName = fn.functionName;
  }
}
