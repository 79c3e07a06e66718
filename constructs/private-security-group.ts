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
    new SecurityGroupAccess(this, `${name}-${port}`, { clientName: name, clientSecurityGroupId, serverName: this.name, serverSecurityGroupId: this.securityGroupId, port });
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

export interface SecurityGroupAccessProps {
  /** Short name of the client, for rule descriptions, e.g. `service`. */
  readonly clientName: string;
  readonly clientSecurityGroupId: string;
  /** Name of the server's group, for rule descriptions. */
  readonly serverName: string;
  readonly serverSecurityGroupId: string;
  /** The TCP port. */
  readonly port: number;
}

/**
 * One TCP port from one security group to another: ingress on the server's group, and the matching
 * egress on the client's. Either group may belong to another stack, so a later stack can open a server
 * of an earlier one to its own clients.
 */
export class SecurityGroupAccess extends Construct {
  constructor(scope: Construct, id: string, props: SecurityGroupAccessProps) {
    super(scope, id);
    const rule = { ipProtocol: 'tcp', fromPort: props.port, toPort: props.port };
    new VpcSecurityGroupIngressRule(this, 'ingress', {
      ...rule,
      securityGroupId: props.serverSecurityGroupId,
      referencedSecurityGroupId: props.clientSecurityGroupId,
      description: `${props.clientName} on ${props.port}`,
    });
    new VpcSecurityGroupEgressRule(this, 'egress', {
      ...rule,
      securityGroupId: props.clientSecurityGroupId,
      referencedSecurityGroupId: props.serverSecurityGroupId,
      description: `to ${props.serverName} on ${props.port}`,
    });
  }
}
