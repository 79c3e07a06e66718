import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { partitionOf } from '../lib/arn';
import type { SubnetTier } from '../lib/subnet-plan';
import { EncryptionKey } from '../constructs/encryption-key';
import { ThreeTierVpc } from '../constructs/three-tier-vpc';
import { VpcFlowLogs } from '../constructs/vpc-flow-logs';
import { EnvironmentStack } from './environment-stack';

/**
 * `network-<env>`: the VPC every other stack runs in, with flow logs. Later stacks read the VPC id,
 * CIDR and subnet ids from here by cross-stack reference.
 */
export class NetworkStack extends EnvironmentStack {
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Subnet ids by tier, in the order of the environment's availability zones. */
  readonly subnetIds: Readonly<Record<SubnetTier, string[]>>;

  constructor(scope: Construct, env: Environment) {
    super(scope, 'network', env);
    const prefix = `groundwork-${env.name}`;
    const logGroupName = `/groundwork/${env.name}/vpc-flow-logs`;
    const vpc = new ThreeTierVpc(this, 'vpc', {
      name: prefix,
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
    const logsKey = new EncryptionKey(this, 'logs-key', {
      description: `CloudWatch logs of Groundwork network ${env.name}`,
      alias: `groundwork/${env.name}/network-logs`,
      accountId: env.accountId,
      region: env.region,
      rotationPeriodDays: env.kms.rotationPeriodDays,
      deletionWindowDays: env.kms.deletionWindowDays,
      serviceGrants: [
        {
          principal: `logs.${env.region}.amazonaws.com`,
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          conditions: [
            {
              test: 'ArnLike',
              variable: 'kms:EncryptionContext:aws:logs:arn',
              values: [`arn:${partitionOf(env.region)}:logs:${env.region}:${env.accountId}:log-group:${logGroupName}`],
            },
          ],
        },
      ],
    });
    new VpcFlowLogs(this, 'flow-logs', {
      vpcId: vpc.vpcId,
      logGroupName,
      roleName: `${prefix}-vpc-flow-logs`,
      kmsKeyArn: logsKey.keyArn,
      accountId: env.accountId,
      retentionDays: env.network.flowLogs.retentionDays,
      trafficType: env.network.flowLogs.trafficType,
    });

    this.vpcId = vpc.vpcId;
    this.vpcCidr = vpc.cidrBlock;
    this.subnetIds = vpc.subnetIds;
    new TerraformOutput(this, 'vpc_id', { value: vpc.vpcId, description: 'ID of the VPC' });
    new TerraformOutput(this, 'vpc_cidr', { value: vpc.cidrBlock, description: 'IPv4 CIDR block of the VPC' });
    new TerraformOutput(this, 'availability_zones', { value: env.network.availabilityZones, description: 'Zones the subnets span, in subnet order' });
    for (const tier of ['public', 'private', 'isolated'] as const) {
      new TerraformOutput(this, `${tier}_subnet_ids`, { value: vpc.subnetIds[tier], description: `IDs of the ${tier} subnets, one per zone` });
    }
  }
}
