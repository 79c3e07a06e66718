import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { logGroupArn as logGroupArnOf } from '../lib/arn';
import { EncryptionKey, logGroupKeyGrant } from './encryption-key';

export interface VpcFlowLogsProps {
  /** The VPC whose traffic is recorded. */
  readonly vpcId: string;
  /** Name of the CloudWatch log group, e.g. `/groundwork/prod/vpc-flow-logs`. */
  readonly logGroupName: string;
  /** Name of the IAM role the flow log service assumes to deliver records. */
  readonly roleName: string;
  /** Alias (without `alias/`) of the KMS key that encrypts the log group. */
  readonly keyAlias: string;
  /** The account that owns the VPC: the role trusts the service only on its behalf, and the key is its. */
  readonly accountId: string;
  /** The VPC's region. */
  readonly region: string;
  /** Days to keep records. */
  readonly retentionDays: number;
  /** Which traffic to record. @default 'ALL' */
  readonly trafficType?: 'ALL' | 'ACCEPT' | 'REJECT';
  /** Days between rotations of the log group's key. @default 365 */
  readonly keyRotationPeriodDays?: number;
  /** Days a deleted log group key waits before it is gone. @default 30 */
  readonly keyDeletionWindowDays?: number;
}

/**
 * VPC flow logs delivered to a CloudWatch log group with retention, encrypted with a key of its own that
 * CloudWatch Logs may use for this log group only, by a role that may write to this log group only.
 */
export class VpcFlowLogs extends Construct {
  readonly logGroupArn: string;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: VpcFlowLogsProps) {
    super(scope, id);
    // Built from the name, not taken from the log group: the key's policy needs it, and the log group needs the key.
    const logGroupArn = logGroupArnOf(props.region, props.accountId, props.logGroupName);
    const key = new EncryptionKey(this, 'key', {
      description: `CloudWatch log group ${props.logGroupName}`,
      alias: props.keyAlias,
      accountId: props.accountId,
      region: props.region,
      rotationPeriodDays: props.keyRotationPeriodDays,
      deletionWindowDays: props.keyDeletionWindowDays,
      serviceGrants: [logGroupKeyGrant(props.region, logGroupArn)],
    });
    const logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: props.logGroupName,
      retentionInDays: props.retentionDays,
      kmsKeyId: key.keyArn,
    });
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [
        {
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: ['vpc-flow-logs.amazonaws.com'] }],
          // Guards against the confused deputy: only flow logs of this account may assume the role.
          condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] }],
        },
      ],
    });
    const role = new IamRole(this, 'role', { name: props.roleName, assumeRolePolicy: trust.json });
    const deliver = new DataAwsIamPolicyDocument(this, 'deliver', {
      statement: [
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [`${logGroup.arn}:*`],
        },
      ],
    });
    new IamRolePolicy(this, 'deliver-policy', { name: 'deliver-flow-logs', role: role.id, policy: deliver.json });
    new FlowLog(this, 'flow-log', {
      vpcId: props.vpcId,
      trafficType: props.trafficType ?? 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });
    this.logGroupArn = logGroup.arn;
    this.keyArn = key.keyArn;
  }
}
