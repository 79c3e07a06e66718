import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { ServiceRole } from './service-role';

export interface InstanceRoleProps {
  /** Name of the role and of its instance profile. */
  readonly roleName: string;
  /** The role's region, for the partition of the managed policies' ARNs. */
  readonly region: string;
  /** What the instance may do, as policy statements; nothing else. @default - nothing */
  readonly statements?: readonly DataAwsIamPolicyDocumentStatement[];
  /** AWS-managed policies to attach, by name. @default - none */
  readonly managedPolicies?: readonly string[];
}

/** The role EC2 instances run as, and the instance profile that hands it to them. */
export class InstanceRole extends Construct {
  readonly roleArn: string;
  readonly instanceProfileName: string;

  constructor(scope: Construct, id: string, props: InstanceRoleProps) {
    super(scope, id);
    const role = new ServiceRole(this, 'role', { roleName: props.roleName, servicePrincipal: 'ec2.amazonaws.com', region: props.region, managedPolicies: props.managedPolicies });
    if (props.statements && props.statements.length > 0) {
      const permissions = new DataAwsIamPolicyDocument(this, 'permissions', { statement: [...props.statements] });
      new IamRolePolicy(this, 'policy', { name: 'instance', role: role.roleName, policy: permissions.json });
    }
    const profile = new IamInstanceProfile(this, 'profile', { name: props.roleName, role: role.roleName });
    this.roleArn = role.roleArn;
    this.instanceProfileName = profile.name;
  }
}
