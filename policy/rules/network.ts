import { asArray, blocks, fail, isSet, isTrue, pass, strings, type Resource, type Rule, type RuleContext } from '../engine';
import { WORLD } from './common';

/** One way into a security group: from these ranges, on this protocol and port range. */
interface Opening {
  /** The field that opens it: `cidr_ipv4`, `cidr_blocks`, `ingress[0]`. */
  readonly field: string;
  readonly cidrs: readonly string[];
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  /** The security group it opens, when the gate can tell. */
  readonly securityGroup?: Resource;
}

const INGRESS_TYPES = ['aws_vpc_security_group_ingress_rule', 'aws_security_group_rule', 'aws_security_group'];
const ALL_PROTOCOLS = new Set(['-1', 'all']);

const portsOf = (body: Record<string, unknown>) => ({
  fromPort: body.from_port === undefined ? 0 : Number(body.from_port),
  toPort: body.to_port === undefined ? 65535 : Number(body.to_port),
});

/** The openings a resource adds; undefined when it adds none of its own kind (an egress rule). */
function ingressOf(resource: Resource, { graph }: RuleContext): Opening[] | undefined {
  const group = (value: unknown) => {
    const target = graph.resolve(resource, value)?.resource;
    return target && ['aws_security_group', 'aws_default_security_group'].includes(target.type) ? target : undefined;
  };
  const body = resource.body;
  switch (resource.type) {
    case 'aws_vpc_security_group_ingress_rule':
      return [
        {
          field: isSet(body.cidr_ipv6) && !isSet(body.cidr_ipv4) ? 'cidr_ipv6' : 'cidr_ipv4',
          cidrs: [...strings(body.cidr_ipv4), ...strings(body.cidr_ipv6)],
          protocol: String(body.ip_protocol ?? '-1').toLowerCase(),
          ...portsOf(body),
          securityGroup: group(body.security_group_id),
        },
      ];
    case 'aws_security_group_rule':
      if (body.type !== 'ingress') return undefined;
      return [
        {
          field: 'cidr_blocks',
          cidrs: [...strings(body.cidr_blocks), ...strings(body.ipv6_cidr_blocks)],
          protocol: String(body.protocol ?? '-1').toLowerCase(),
          ...portsOf(body),
          securityGroup: group(body.security_group_id),
        },
      ];
    default:
      return blocks(body.ingress).map((rule, i) => ({
        field: `ingress[${i}]`,
        cidrs: [...strings(rule.cidr_blocks), ...strings(rule.ipv6_cidr_blocks)],
        protocol: String(rule.protocol ?? '-1').toLowerCase(),
        ...portsOf(rule),
        securityGroup: resource,
      }));
  }
}

const fromAnywhere = (opening: Opening) => opening.cidrs.some((cidr) => WORLD.includes(cidr));

function opensPort(opening: Opening, port: number, protocols: readonly string[]): boolean {
  if (ALL_PROTOCOLS.has(opening.protocol)) return true;
  return protocols.includes(opening.protocol) && opening.fromPort <= port && port <= opening.toPort;
}

/** A rule that no opening lets the whole internet reach `port`. */
function noWorldAccessTo(id: string, port: number, name: string, checkov: string, protocols: readonly string[]): Rule {
  return {
    id,
    title: `No security group admits ${name} (port ${port}) from 0.0.0.0/0 or ::/0`,
    checkov: [checkov],
    why: `${name} open to the internet is scanned and brute-forced within minutes; administrative access goes through SSM Session Manager or a VPN.`,
    subjects: INGRESS_TYPES,
    check(resource, context) {
      const openings = ingressOf(resource, context);
      if (!openings) return undefined;
      const open = openings.find((o) => fromAnywhere(o) && opensPort(o, port, protocols));
      return open ? fail(open.field, `admits ${open.cidrs.filter((c) => WORLD.includes(c)).join(' and ')} on port ${port} (${open.protocol} ${open.fromPort}-${open.toPort})`) : pass();
    },
  };
}

export const networkRules: Rule[] = [
  noWorldAccessTo('GW-SG-01', 22, 'SSH', 'CKV_AWS_24', ['tcp', '6']),
  noWorldAccessTo('GW-SG-02', 3389, 'RDP', 'CKV_AWS_25', ['tcp', '6', 'udp', '17']),
  {
    id: 'GW-SG-03',
    title: "Ingress from 0.0.0.0/0 or ::/0 only on ports 80 and 443, and only to a load balancer's security group",
    checkov: ['CKV_AWS_260', 'CKV_AWS_277'],
    checkovNote: 'CKV_AWS_260 also flags port 80 on a load balancer; the gate allows it there, since GW-ALB-02 makes that listener redirect to HTTPS.',
    why: 'Everything but the public entry point stays unreachable from the internet; the load balancer is the one door, and it speaks only HTTP(S).',
    subjects: INGRESS_TYPES,
    check(resource, context) {
      const openings = ingressOf(resource, context);
      if (!openings) return undefined;
      for (const opening of openings.filter(fromAnywhere)) {
        const web = opening.protocol === 'tcp' || opening.protocol === '6';
        if (!web || opening.fromPort !== opening.toPort || ![80, 443].includes(opening.fromPort)) {
          return fail(opening.field, `admits the internet on ${opening.protocol} ${opening.fromPort}-${opening.toPort}; only tcp 80 and 443 may be open to it`);
        }
        const group = opening.securityGroup;
        const onLoadBalancer = group && ['aws_lb', 'aws_alb'].some((type) => context.graph.referrers(group, type, 'security_groups').length > 0);
        if (!onLoadBalancer) {
          return fail(opening.field, `admits the internet on port ${opening.fromPort} to ${group ? group.path : 'a security group the gate cannot find'}, which no load balancer uses`);
        }
      }
      return pass();
    },
  },
  {
    id: 'GW-SG-04',
    title: 'Every security group and security group rule has a description',
    checkov: ['CKV_AWS_23'],
    why: 'A rule nobody can explain is a rule nobody dares remove; the description says who is let in and why.',
    subjects: ['aws_security_group', 'aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule', 'aws_security_group_rule'],
    check(resource) {
      const description = resource.body.description;
      if (!isSet(description) || description === 'Managed by Terraform') return fail('description', 'is not set');
      for (const direction of resource.type === 'aws_security_group' ? ['ingress', 'egress'] : []) {
        const undescribed = blocks(resource.body[direction]).findIndex((rule) => !isSet(rule.description));
        if (undescribed >= 0) return fail(`${direction}[${undescribed}].description`, 'is not set');
      }
      return pass();
    },
  },
  {
    id: 'GW-VPC-01',
    title: 'VPC has flow logs',
    checkov: ['CKV2_AWS_11'],
    why: 'Flow logs are the only record of which addresses talked to which inside the network: needed to investigate an incident.',
    subjects: ['aws_vpc'],
    check(vpc, { graph }) {
      return graph.referrers(vpc, 'aws_flow_log', 'vpc_id').length > 0 ? pass() : fail('aws_flow_log', 'no flow log refers to this VPC');
    },
  },
  {
    id: 'GW-VPC-02',
    title: "VPC's default security group admits and sends nothing",
    checkov: ['CKV2_AWS_12'],
    why: 'Anything launched without a security group lands in the default one, which AWS creates open to its own members and to all egress.',
    subjects: ['aws_vpc'],
    check(vpc, { graph }) {
      const defaults = graph.referrers(vpc, 'aws_default_security_group', 'vpc_id');
      if (defaults.length === 0) return fail('aws_default_security_group', "the VPC's default security group is not managed, so it keeps AWS's default rules");
      const open = defaults.find((group) => asArray(group.body.ingress).length > 0 || asArray(group.body.egress).length > 0);
      return open ? fail('aws_default_security_group', `${open.path} has ingress or egress rules`) : pass();
    },
  },
  {
    id: 'GW-VPC-03',
    title: 'Subnets do not give instances public IP addresses by default',
    checkov: ['CKV_AWS_130'],
    why: 'Whatever is launched into such a subnet is on the internet unless someone remembers otherwise; the load balancer and NAT gateways get their addresses explicitly.',
    subjects: ['aws_subnet'],
    check(subnet) {
      return isTrue(subnet.body.map_public_ip_on_launch) ? fail('map_public_ip_on_launch', 'is true') : pass();
    },
  },
];
