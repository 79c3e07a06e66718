import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Construct } from 'constructs';
import { planSubnets, type SubnetTier } from '../lib/subnet-plan';

/** How private subnets reach the internet. */
export type NatMode = 'single' | 'per-az';

export interface ThreeTierVpcProps {
  /** Prefix of every resource's `Name` tag, e.g. `groundwork-prod`. */
  readonly name: string;
  /** The VPC's IPv4 CIDR block. */
  readonly cidr: string;
  /** The zones to spread subnets across, one subnet per tier in each. */
  readonly availabilityZones: readonly string[];
  /** `single`: one NAT gateway in the first zone; `per-az`: one in every zone, so no zone depends on another. */
  readonly natMode: NatMode;
  /** Prefix length of one subnet of each tier. @default - public 24, private 20, isolated 24 */
  readonly subnetPrefixLengths?: Readonly<Record<SubnetTier, number>>;
  /** Zones each tier reserves address space for, so adding a zone never renumbers a subnet. @default 4 */
  readonly reservedAzCount?: number;
}

/**
 * A VPC with three subnet tiers in every zone: public (internet gateway), private (egress through NAT) and
 * isolated (no route out). The default security group is stripped of its rules, so anything attached to
 * it by mistake can talk to nothing.
 */
export class ThreeTierVpc extends Construct {
  readonly vpcId: string;
  readonly cidrBlock: string;
  /** Subnet ids of each tier, in the order of `availabilityZones`. */
  readonly subnetIds: Readonly<Record<SubnetTier, string[]>>;
  readonly natGatewayIds: string[];

  constructor(scope: Construct, id: string, props: ThreeTierVpcProps) {
    super(scope, id);
    const zones = props.availabilityZones;
    const prefixLengths = props.subnetPrefixLengths ?? { public: 24, private: 20, isolated: 24 };
    const plan = planSubnets({ vpcCidr: props.cidr, azCount: zones.length, reservedAzCount: props.reservedAzCount ?? 4, prefixLengths });
    if (!plan.fits) {
      throw new Error(`${this.node.path}: subnets need ${plan.needed} addresses but ${props.cidr} has ${plan.available}`);
    }

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.name },
    });
    new DefaultSecurityGroup(this, 'default-security-group', {
      vpcId: vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: `${props.name}-default-unused` },
    });

    const subnet = (tier: SubnetTier, i: number, extraTags: Record<string, string>) =>
      new Subnet(this, `${tier}-${zones[i]}`, {
        vpcId: vpc.id,
        cidrBlock: plan.cidrs[tier][i],
        availabilityZone: zones[i],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-${tier}-${zones[i]}`, 'groundwork:subnet-tier': tier, ...extraTags },
      });
    // The kubernetes.io role tags let an EKS load balancer controller find the right subnets.
    const publicSubnets = zones.map((_, i) => subnet('public', i, { 'kubernetes.io/role/elb': '1' }));
    const privateSubnets = zones.map((_, i) => subnet('private', i, { 'kubernetes.io/role/internal-elb': '1' }));
    const isolatedSubnets = zones.map((_, i) => subnet('isolated', i, {}));

    const igw = new InternetGateway(this, 'internet-gateway', { vpcId: vpc.id, tags: { Name: props.name } });
    // Routes are resources of their own, not inline blocks, so a later stack can add one (peering, a
    // transit gateway) without this one removing it on its next apply.
    const publicRoutes = new RouteTable(this, 'public-routes', { vpcId: vpc.id, tags: { Name: `${props.name}-public` } });
    new Route(this, 'public-default-route', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    publicSubnets.forEach((s, i) => new RouteTableAssociation(this, `public-${zones[i]}-routes`, { subnetId: s.id, routeTableId: publicRoutes.id }));

    const natZones = props.natMode === 'per-az' ? zones : zones.slice(0, 1);
    const natGateways = natZones.map((zone, i) => {
      const eip = new Eip(this, `nat-${zone}-eip`, { domain: 'vpc', tags: { Name: `${props.name}-nat-${zone}` } });
      return new NatGateway(this, `nat-${zone}`, {
        allocationId: eip.allocationId,
        subnetId: publicSubnets[i].id,
        tags: { Name: `${props.name}-nat-${zone}` },
        dependsOn: [igw],
      });
    });
    privateSubnets.forEach((s, i) => {
      const nat = natGateways[props.natMode === 'per-az' ? i : 0];
      const routes = new RouteTable(this, `private-${zones[i]}-route-table`, { vpcId: vpc.id, tags: { Name: `${props.name}-private-${zones[i]}` } });
      new Route(this, `private-${zones[i]}-default-route`, { routeTableId: routes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
      new RouteTableAssociation(this, `private-${zones[i]}-routes`, { subnetId: s.id, routeTableId: routes.id });
    });

    // Isolated subnets share one table with only the implicit local route.
    const isolatedRoutes = new RouteTable(this, 'isolated-routes', { vpcId: vpc.id, tags: { Name: `${props.name}-isolated` } });
    isolatedSubnets.forEach((s, i) => new RouteTableAssociation(this, `isolated-${zones[i]}-routes`, { subnetId: s.id, routeTableId: isolatedRoutes.id }));

    this.vpcId = vpc.id;
    this.cidrBlock = vpc.cidrBlock;
    this.subnetIds = {
      public: publicSubnets.map((s) => s.id),
      private: privateSubnets.map((s) => s.id),
      isolated: isolatedSubnets.map((s) => s.id),
    };
    this.natGatewayIds = natGateways.map((n) => n.id);
  }
}
