import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { accountWideName } from '../environments/standby';
import { SUBNET_TIERS, type SubnetTier } from '../lib/subnet-plan';
import { PrivateSecurityGroup } from '../constructs/private-security-group';
import { ThreeTierVpc } from '../constructs/three-tier-vpc';
import { VpcFlowLogs } from '../constructs/vpc-flow-logs';
import { EnvironmentStack } from './environment-stack';

/**
 * `network-<env>`: the VPC every other stack runs in, with flow logs, and the service's security group;
 * `standby_network-<env>` the same in the standby's region (`failover`).
 * Later stacks read the VPC id, CIDR, subnet ids and that group from here by cross-stack reference.
 */
export class NetworkStack extends EnvironmentStack {
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Subnet ids by tier, in the order of the environment's availability zones. */
  readonly subnetIds: Readonly<Record<SubnetTier, string[]>>;
  /**
   * The service's security group. It lives here, before the data and service stacks, so the database
   * can admit it and the service can join it without either stack depending on the other.
   */
  readonly serviceSecurityGroupId: string;

  constructor(scope: Construct, env: Environment) {
    super(scope, 'network', env);
    const vpc = new ThreeTierVpc(this, 'vpc', {
      name: accountWideName(env),
      cidr: env.network.cidr,
      availabilityZones: env.network.availabilityZones,
      natMode: env.network.natMode,
      subnetPrefixLengths: {
        public: env.network.subnets.publicPrefixLength,
        private: env.network.subnets.privatePrefixLength,
        isolated: env.network.subnets.isolatedPrefixLength,
      },
      reservedAzCount: env.network.subnets.reservedAzCount,
    });
    new VpcFlowLogs(this, 'flow-logs', {
      vpcId: vpc.vpcId,
      logGroupName: `/groundwork/${env.name}/vpc-flow-logs`,
      roleName: `${accountWideName(env)}-vpc-flow-logs`,
      keyAlias: `groundwork/${env.name}/network-logs`,
      accountId: env.accountId,
      region: env.region,
      retentionDays: env.network.flowLogs.retentionDays,
      trafficType: env.network.flowLogs.trafficType,
      keyRotationPeriodDays: env.kms.rotationPeriodDays,
      keyDeletionWindowDays: env.kms.deletionWindowDays,
    });

    const service = new PrivateSecurityGroup(this, 'service-security-group', {
      name: `${accountWideName(env)}-service`,
      description: `Application tasks of Groundwork environment ${env.name}`,
      vpcId: vpc.vpcId,
    });
    // Tasks pull their image and secrets and ship their logs through the NAT gateways.
    service.allowOutboundHttps();

    this.vpcId = vpc.vpcId;
    this.serviceSecurityGroupId = service.securityGroupId;
    this.vpcCidr = vpc.cidrBlock;
    this.subnetIds = vpc.subnetIds;
    new TerraformOutput(this, 'vpc_id', { value: vpc.vpcId, description: 'ID of the VPC' });
    new TerraformOutput(this, 'vpc_cidr', { value: vpc.cidrBlock, description: 'IPv4 CIDR block of the VPC' });
    new TerraformOutput(this, 'availability_zones', { value: env.network.availabilityZones, description: 'Zones the subnets span, in subnet order' });
    new TerraformOutput(this, 'service_security_group_id', { value: service.securityGroupId, description: 'Security group of the application tasks' });
    for (const tier of SUBNET_TIERS) {
      new TerraformOutput(this, `${tier}_subnet_ids`, { value: vpc.subnetIds[tier], description: `IDs of the ${tier} subnets, one per zone` });
    }
  }
}
