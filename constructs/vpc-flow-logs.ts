import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';

export interface VpcFlowLogsProps {
  /** The VPC whose traffic is recorded. */
  readonly vpcId: string;
  /** Name of the CloudWatch log group; the IAM role is named after it. */
  readonly logGroupName: string;
  /** Name of the IAM role the flow log service assumes to deliver records. */
  readonly roleName: string;
  /** ARN of the KMS key the log group is encrypted with; its policy must let CloudWatch Logs use it. */
  readonly kmsKeyArn: string;
  /** The account that owns the VPC: the role trusts the service only on this account's behalf. */
  readonly accountId: string;
  /** Days to keep records. */
  readonly retentionDays: number;
  /** Which traffic to record. @default 'ALL' */
  readonly trafficType?: 'ALL' | 'ACCEPT' | 'REJECT';
}

/** VPC flow logs delivered to a KMS-encrypted CloudWatch log group with retention, by a role scoped to it. */
export class VpcFlowLogs extends Construct {
  readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: VpcFlowLogsProps) {
    super(scope, id);
    const logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: props.logGroupName,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.kmsKeyArn,
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
  }
}
