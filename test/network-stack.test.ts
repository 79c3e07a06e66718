import { parseCidr, blockSize } from '../lib/ipv4';
import { environments } from '../environments';
import { ENVIRONMENT_NAMES, only, ownOutputs, referencedName, resources, stack } from './support/synthesized';

const STANDBY_ENVIRONMENTS = ENVIRONMENT_NAMES.filter((env) => 'failover' in environments[env as keyof typeof environments]);

/** The aws_route resources of a route table, by the table's logical name. */
const routesOf = (stackName: string, tableName: string) =>
  resources(stack(stackName), 'aws_route').filter(([, route]) => referencedName(route.route_table_id) === tableName).map(([, route]) => route);

const subnetsOfTier = (stackName: string, tier: string) =>
  resources(stack(stackName), 'aws_subnet').filter(([, body]) => body.tags['groundwork:subnet-tier'] === tier);

describe('NAT gateways follow the NAT mode', () => {
  it.each([
    ['prod', 'per-az', 3],
    ['staging', 'single', 1],
    ['dev', 'single', 1],
    ['local', 'single', 1],
  ])('%s (%s) has %d', (env, _mode, count) => {
    const json = stack(`network-${env}`);
    expect(resources(json, 'aws_nat_gateway')).toHaveLength(count);
    expect(resources(json, 'aws_eip')).toHaveLength(count);
  });

  it('per-az: each private subnet routes through the NAT gateway of its own zone', () => {
    const json = stack('network-prod');
    const natZone = new Map(resources(json, 'aws_nat_gateway').map(([name, nat]) => [name, json.resource.aws_subnet[referencedName(nat.subnet_id)].availability_zone]));
    const privateTables = resources(json, 'aws_route_table').filter(([, t]) => t.tags.Name.includes('-private-'));
    expect(privateTables).toHaveLength(3);
    for (const [tableName, table] of privateTables) {
      const zone = table.tags.Name.replace('groundwork-prod-private-', '');
      const [route] = routesOf('network-prod', tableName);
      expect(route.destination_cidr_block).toBe('0.0.0.0/0');
      expect(natZone.get(referencedName(route.nat_gateway_id))).toBe(zone);
    }
  });

  it('single: every private subnet routes through the one NAT gateway', () => {
    const json = stack('network-dev');
    const [natName] = only(json, 'aws_nat_gateway') && Object.keys(json.resource.aws_nat_gateway);
    const privateTables = resources(json, 'aws_route_table').filter(([, t]) => t.tags.Name.includes('-private-'));
    expect(privateTables.flatMap(([tableName]) => routesOf('network-dev', tableName)).map((route) => referencedName(route.nat_gateway_id))).toEqual([natName, natName]);
  });
});

/** Every network stack, with its environment: each environment's, and the standby's where it has `failover`. */
const NETWORK_STACKS = [...ENVIRONMENT_NAMES.map((env) => [`network-${env}`, env]), ...STANDBY_ENVIRONMENTS.map((env) => [`standby_network-${env}`, env])];

describe.each(NETWORK_STACKS)('%s', (stackName, env) => {
  const json = () => stack(stackName);

  it('has a public, a private and an isolated subnet in every zone, inside the VPC and not overlapping', () => {
    const vpc = only(json(), 'aws_vpc');
    const zones = json().output!.availability_zones.value as string[];
    const vpcRange = parseCidr(vpc.cidr_block)!;
    const ranges: [number, number][] = [];
    for (const tier of ['public', 'private', 'isolated']) {
      const subnets = subnetsOfTier(stackName, tier);
      expect(subnets.map(([, s]) => s.availability_zone)).toEqual(zones);
      for (const [, s] of subnets) {
        const range = parseCidr(s.cidr_block)!;
        expect(range.aligned).toBe(true);
        expect(range.base).toBeGreaterThanOrEqual(vpcRange.base);
        expect(range.base + blockSize(range.prefix)).toBeLessThanOrEqual(vpcRange.base + blockSize(vpcRange.prefix));
        ranges.push([range.base, range.base + blockSize(range.prefix)]);
        expect(s.map_public_ip_on_launch).toBe(false);
      }
    }
    ranges.sort((a, b) => a[0] - b[0]);
    ranges.slice(1).forEach((range, i) => expect(range[0]).toBeGreaterThanOrEqual(ranges[i][1]));
  });

  it('routes public subnets to the internet gateway and gives isolated subnets no route out', () => {
    const tables = resources(json(), 'aws_route_table');
    const [publicTable] = tables.find(([, t]) => t.tags.Name.endsWith('-public'))!;
    expect(routesOf(stackName, publicTable)).toEqual([expect.objectContaining({ destination_cidr_block: '0.0.0.0/0', gateway_id: expect.stringContaining('aws_internet_gateway.') })]);
    const isolatedTable = tables.find(([, t]) => t.tags.Name.endsWith('-isolated'))!;
    expect(routesOf(stackName, isolatedTable[0])).toEqual([]);
    expect(resources(json(), 'aws_route')).toHaveLength(1 + subnetsOfTier(stackName, 'private').length);
    const isolatedSubnetNames = subnetsOfTier(stackName, 'isolated').map(([name]) => name);
    const associated = resources(json(), 'aws_route_table_association')
      .filter(([, a]) => referencedName(a.route_table_id) === isolatedTable[0])
      .map(([, a]) => referencedName(a.subnet_id));
    expect(associated.sort()).toEqual(isolatedSubnetNames.sort());
  });

  it('strips every rule from the default security group', () => {
    const group = only(json(), 'aws_default_security_group');
    expect(group.ingress).toEqual([]);
    expect(group.egress).toEqual([]);
  });

  it('sends flow logs to a KMS-encrypted log group with retention', () => {
    const flowLog = only(json(), 'aws_flow_log');
    expect(flowLog.traffic_type).toBe('ALL');
    expect(flowLog.vpc_id).toContain('aws_vpc.');
    const logGroup = json().resource.aws_cloudwatch_log_group[referencedName(flowLog.log_destination)];
    expect(logGroup.kms_key_id).toContain('aws_kms_key.');
    expect(logGroup.retention_in_days).toBe({ prod: 365, staging: 90, dev: 30, local: 7 }[env]);
    const key = json().resource.aws_kms_key[referencedName(logGroup.kms_key_id)];
    expect(key.enable_key_rotation).toBe(true);
  });

  it('lets CloudWatch Logs use the logs key only for its own log group', () => {
    const key = only(json(), 'aws_kms_key');
    const statements = json().data!.aws_iam_policy_document[referencedName(key.policy)].statement as any[];
    const logs = statements.find((s) => s.principals[0].type === 'Service');
    expect(logs.principals[0].identifiers[0]).toMatch(/^logs\.[a-z0-9-]+\.amazonaws\.com$/);
    expect(logs.condition[0]).toMatchObject({ test: 'ArnLike', variable: 'kms:EncryptionContext:aws:logs:arn' });
    expect(logs.condition[0].values[0]).toMatch(new RegExp(`:log-group:/groundwork/${env}/vpc-flow-logs$`));
  });

  it('outputs what later stacks consume', () => {
    expect(ownOutputs(json()).sort()).toEqual(
      ['availability_zones', 'isolated_subnet_ids', 'private_subnet_ids', 'public_subnet_ids', 'service_security_group_id', 'vpc_cidr', 'vpc_id'].sort(),
    );
  });
});

it('no two VPC ranges overlap, the standbys\' included, so they can be peered', () => {
  const ranges = NETWORK_STACKS.map(([name]) => parseCidr(only(stack(name), 'aws_vpc').cidr_block)!);
  ranges.forEach((a, i) =>
    ranges.slice(i + 1).forEach((b) => {
      const overlap = a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
      expect(overlap).toBe(false);
    }),
  );
});

describe('standby_network-prod, the standby\'s network (failover)', () => {
  const json = () => stack('standby_network-prod');

  it('is built in the failover region, the DR region by default, across as many zones as the primary, with a NAT gateway in each', () => {
    expect(json().provider.aws).toEqual([expect.objectContaining({ region: 'eu-central-1', allowed_account_ids: ['333333333333'] })]);
    expect(json().output!.availability_zones.value).toEqual(['eu-central-1a', 'eu-central-1b', 'eu-central-1c']);
    expect(only(json(), 'aws_vpc').cidr_block).toBe('10.31.0.0/16');
    expect(resources(json(), 'aws_nat_gateway')).toHaveLength(3);
  });

  it('keeps its state beside the primary\'s, in the primary region\'s state bucket, under its own key', () => {
    expect(json().terraform.backend!.s3).toMatchObject({ bucket: 'groundwork-prod-tfstate-333333333333', region: 'eu-west-1', key: 'prod/standby_network.tfstate' });
  });

  it('names what IAM keeps unique in the account apart from the primary\'s, and tags its component', () => {
    expect(only(json(), 'aws_iam_role').name).toBe('groundwork-prod-standby-vpc-flow-logs');
    expect(only(stack('network-prod'), 'aws_iam_role').name).toBe('groundwork-prod-vpc-flow-logs');
    expect(json().provider.aws[0].default_tags).toEqual([{ tags: expect.objectContaining({ environment: 'prod', component: 'standby_network' }) }]);
  });
});
