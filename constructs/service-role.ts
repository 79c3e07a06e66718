import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Construct } from 'constructs';
import { partitionOf } from '../lib/arn';

export interface ServiceRoleProps {
  /** Name of the role. */
  readonly roleName: string;
  /** The service that assumes it, e.g. `eks.amazonaws.com`. */
  readonly servicePrincipal: string;
  /** The role's region, for the partition of the managed policies' ARNs. */
  readonly region: string;
  /** AWS-managed policies to attach, by name with any path, e.g. `AmazonEKSClusterPolicy` or `service-role/AWSBackupServiceRolePolicyForBackup`. @default - none */
  readonly managedPolicies?: readonly string[];
  /** Let the service assume the role only on behalf of this account (guards against the confused deputy). @default - any */
  readonly sourceAccount?: string;
}

/** An IAM role that one AWS service assumes, with AWS-managed policies attached by name. */
export class ServiceRole extends Construct {
  readonly roleArn: string;
  readonly roleName: string;
  /** The policy attachments, for resources that must wait until the role may act. */
  readonly attachments: IamRolePolicyAttachment[];

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [
        {
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: [props.servicePrincipal] }],
          condition: props.sourceAccount ? [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.sourceAccount] }] : undefined,
        },
      ],
    });
    const role = new IamRole(this, 'role', { name: props.roleName, assumeRolePolicy: trust.json });
    this.attachments = (props.managedPolicies ?? []).map(
      // The id is the policy's name without its path (`service-role/...`): a construct id may not hold a slash.
      (policy) => new IamRolePolicyAttachment(this, policy.split('/').pop()!, { role: role.name, policyArn: `arn:${partitionOf(props.region)}:iam::aws:policy/${policy}` }),
    );
    this.roleArn = role.arn;
    this.roleName = role.name;
  }
}
