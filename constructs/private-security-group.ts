import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';

export interface PrivateSecurityGroupProps {
  /** Name of the group, e.g. `groundwork-prod-database`. */
  readonly name: string;
  /** What the group guards. */
  readonly description: string;
  /** The VPC the group belongs to. */
  readonly vpcId: string;
}

/**
 * A security group that starts with no rules at all (Terraform removes AWS's default allow-all egress),
 * and is opened only to other security groups, one port at a time, never to an address range. Every rule
 * is a resource of its own, so another stack can add rules to a group without this one removing them.
 */
export class PrivateSecurityGroup extends Construct {
  readonly securityGroupId: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: PrivateSecurityGroupProps) {
    super(scope, id);
    const group = new SecurityGroup(this, 'group', {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    this.securityGroupId = group.id;
    this.name = props.name;
  }

  /**
   * Lets the members of `client` reach this group's members on TCP `port`: ingress here, and the matching
   * egress on the client's group (which may belong to another stack).
   * @param name short name of the client, used in rule ids and descriptions, e.g. `service`
   */
  admit(name: string, clientSecurityGroupId: string, port: number): void {
    new VpcSecurityGroupIngressRule(this, `from-${name}-${port}`, {
      securityGroupId: this.securityGroupId,
      referencedSecurityGroupId: clientSecurityGroupId,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      description: `${name} on ${port}`,
    });
    new VpcSecurityGroupEgressRule(this, `${name}-to-${port}`, {
      securityGroupId: clientSecurityGroupId,
      referencedSecurityGroupId: this.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      description: `to ${this.name} on ${port}`,
    });
  }

  /**
   * Lets the members reach HTTPS anywhere, for AWS APIs through the NAT gateway. Egress only: nothing
   * outside can open a connection in.
   */
  allowOutboundHttps(): void {
    new VpcSecurityGroupEgressRule(this, 'https-out', {
      securityGroupId: this.securityGroupId,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS to AWS APIs',
    });
  }
}
