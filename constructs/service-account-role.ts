import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

export interface ServiceAccountRoleProps {
  /** Name of the role. */
  readonly roleName: string;
  /** The cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** The provider's issuer URL, as the cluster reports it (with or without `https://`). */
  readonly oidcIssuerUrl: string;
  /** Namespace of the Kubernetes service account. */
  readonly namespace: string;
  /** Name of the Kubernetes service account: only pods running as it may assume the role. */
  readonly serviceAccountName: string;
  /** What the role may do, as an inline policy. */
  readonly statements: readonly DataAwsIamPolicyDocumentStatement[];
}

/**
 * An IAM role for one Kubernetes service account (IRSA): the cluster's OIDC provider vouches for the pod's
 * token, and the trust admits that service account's tokens, issued for STS, and no other.
 */
export class ServiceAccountRole extends Construct {
  readonly roleArn: string;
  readonly roleName: string;

  constructor(scope: Construct, id: string, props: ServiceAccountRoleProps) {
    super(scope, id);
    const issuer = Fn.replace(props.oidcIssuerUrl, 'https://', '');
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [
        {
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principals: [{ type: 'Federated', identifiers: [props.oidcProviderArn] }],
          condition: [
            { test: 'StringEquals', variable: `${issuer}:sub`, values: [`system:serviceaccount:${props.namespace}:${props.serviceAccountName}`] },
            { test: 'StringEquals', variable: `${issuer}:aud`, values: ['sts.amazonaws.com'] },
          ],
        },
      ],
    });
    const role = new IamRole(this, 'role', { name: props.roleName, assumeRolePolicy: trust.json });
    const policy = new DataAwsIamPolicyDocument(this, 'policy', { statement: [...props.statements] });
    new IamRolePolicy(this, 'inline', { role: role.name, name: props.roleName, policy: policy.json });
    this.roleArn = role.arn;
    this.roleName = role.name;
  }
}
