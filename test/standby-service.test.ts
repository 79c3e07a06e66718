import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { templateAsJson } from '../policy/rules/ecs';
import { expectRejected, changed } from './support/rejected';
import { crossStackSource, only, policyOf, readStacks, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

// The standby's service, the routing between the regions, and the standby's alarms (failover): prod's warm
// standby behind a Global Accelerator, and dev with a pilot light behind Route 53 failover records.
const prod = loadEnvironments({ prod: environments.prod })[0];
const standbyRegion = prod.failover!.region;

const devWithStandby = (() => {
  const config = structuredClone(environments.dev) as EnvironmentConfig;
  config.failover = { network: { cidr: '10.41.0.0/16' }, routing: { kind: 'route53', hostedZoneId: 'Z0DEVEXAMPLE', zoneName: 'dev.example.com', recordName: 'app.dev.example.com', requestIntervalSeconds: 10 } };
  return readStacks(synthesizeInto({ dev: config }));
})();

const providerRegion = (json: StackJson) => (json.provider!.aws as any[]).find((p) => !p.alias).region;
/** `container_definitions` is a Terraform template: its `${...}` may quote strings, as the replicas' ARNs do. */
const containerOf = (json: StackJson) => JSON.parse(templateAsJson(only(json, 'aws_ecs_task_definition').container_definitions))[0];
/** The stack a cross-stack reference reads from (of any synthesized app, not only the shipped one). */
const sourceStack = (reference: string) => /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([^.]+)\.outputs\./.exec(reference)?.[1];
const rolesNamed = (json: StackJson) => resources(json, 'aws_iam_role').map(([, role]) => role.name).sort();

describe('standby_service-prod, the warm standby', () => {
  const json = () => stack('standby_service-prod');

  it('runs in the standby\'s region, in the standby network\'s private subnets', () => {
    expect(providerRegion(json())).toBe(standbyRegion);
    const service = only(json(), 'aws_ecs_service');
    for (const subnet of service.network_configuration.subnets) expect(crossStackSource(subnet)).toEqual({ stack: 'standby_network-prod', expression: expect.stringMatching(/^\$\{aws_subnet\.vpc_private-/) });
  });

  it('runs the images ECR copies to its region, and may pull from that repository only', () => {
    expect(resources(json(), 'aws_ecr_repository')).toEqual([]);
    const image = containerOf(json()).image;
    expect(image).toBe(`${prod.accountId}.dkr.ecr.${standbyRegion}.amazonaws.com/groundwork/prod/app:${prod.service.image.tag}`);
    const execution = resources(json(), 'aws_iam_role_policy').map(([, p]) => policyOf(json(), p.policy)).find((statements) => statements.some((s) => s.sid === 'PullTheImage'))!;
    expect(execution.find((s) => s.sid === 'PullTheImage')!.resources).toEqual([`arn:aws:ecr:${standbyRegion}:${prod.accountId}:repository/groundwork/prod/app`]);
  });

  it('injects the secrets\' replicas in its region and its own cache\'s token, decrypted with the standby\'s key only', () => {
    const secrets = Object.fromEntries(containerOf(json()).secrets.map((s: any) => [s.name, s.valueFrom]));
    const replica = (name: string) => new RegExp(`^\\$\\{replace\\(.*${name}_initial-version_[^,]*, ":${prod.region}:", ":${standbyRegion}:"\\)\\}`);
    expect(secrets.SECRET_KEY_BASE).toMatch(replica('secret-key-base'));
    expect(secrets.DATABASE_PASSWORD).toMatch(replica('database-credentials'));
    expect(secrets.DATABASE_PASSWORD).toMatch(/:password::$/);
    expect(crossStackSource(secrets.CACHE_AUTH_TOKEN).stack).toBe('standby_data-prod');
    const execution = resources(json(), 'aws_iam_role_policy').map(([, p]) => policyOf(json(), p.policy)).find((statements) => statements.some((s) => s.sid === 'DecryptTheSecrets'))!;
    const keys = execution.find((s) => s.sid === 'DecryptTheSecrets')!.resources;
    expect(keys).toHaveLength(1);
    expect(crossStackSource(keys[0])).toEqual({ stack: 'secrets-prod', expression: expect.stringMatching(/^\$\{aws_kms_key\.standby-secrets-key/) });
    const env = Object.fromEntries(containerOf(json()).environment.map((v: any) => [v.name, v.value]));
    expect(crossStackSource(env.DATABASE_HOST).stack).toBe('standby_data-prod');
    expect(crossStackSource(env.CACHE_HOST).stack).toBe('standby_data-prod');
  });

  it('waits at failover.standbyTasks, scales up to the primary\'s maximum, and leaves the count to a failover once made', () => {
    const service = only(json(), 'aws_ecs_service');
    expect(service.desired_count).toBe(prod.failover!.standbyTasks);
    expect(prod.failover!.standbyTasks).toBe(2);
    expect(service.lifecycle).toEqual({ ignore_changes: ['desired_count'] });
    // The floor too: a failover raises it, and an apply while the standby serves must not lower it.
    expect(only(json(), 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 2, max_capacity: prod.service.autoscaling.maxTasks, lifecycle: { ignore_changes: ['min_capacity'] } });
    expect(only(stack('service-prod'), 'aws_appautoscaling_target').lifecycle).toBeUndefined();
  });

  it('serves HTTPS with the certificate of its own region, behind a protected load balancer', () => {
    const https = resources(json(), 'aws_lb_listener').map(([, l]) => l).find((l) => l.port === 443)!;
    expect(https.certificate_arn).toBe(prod.failover!.certificateArn);
    expect(https.certificate_arn).toContain(`:acm:${standbyRegion}:`);
    expect(only(json(), 'aws_lb')).toMatchObject({ name: 'groundwork-prod', enable_deletion_protection: true });
  });

  it('names what IAM and S3 keep account- or world-wide apart from the primary\'s, and what is regional as the primary does', () => {
    const primaryRoles = rolesNamed(stack('service-prod'));
    const standbyRoles = rolesNamed(json());
    expect(standbyRoles.filter((name) => primaryRoles.includes(name))).toEqual([]);
    expect(standbyRoles).toEqual(['groundwork-prod-standby-app-execution', 'groundwork-prod-standby-app-task', 'groundwork-prod-standby-redeploy-on-rotation']);
    expect(only(json(), 'aws_s3_bucket').bucket).toBe(`groundwork-prod-standby-alb-logs-${prod.accountId}`);
    expect(only(json(), 'aws_ecs_cluster').name).toBe('groundwork-prod');
  });
});

describe('service-prod, for its standby', () => {
  it('redeploys the standby\'s services after a rotation only once it may see each replica catch up, values never', () => {
    const json = stack('service-prod');
    const fn = resources(json, 'aws_lambda_function').map(([, f]) => f).find((f) => f.function_name === 'groundwork-prod-redeploy-on-rotation')!;
    const [, policy] = resources(json, 'aws_iam_role_policy').find(([, p]) => p.role === fn.role.replace('.arn}', '.name}'))!;
    const statement = policyOf(json, policy.policy).find((s) => s.sid === 'SeeTheReplicasCatchUp')!;
    expect(statement.actions).toEqual(['secretsmanager:DescribeSecret']);
    const secrets = JSON.parse(only(json, 'aws_cloudwatch_event_rule').event_pattern).detail.additionalEventData.SecretId as string[];
    expect(statement.resources).toHaveLength(2 * secrets.length);
    for (const arn of secrets) {
      expect(statement.resources).toContain(arn);
      expect(statement.resources.some((r: string) => r.startsWith('${replace(') && r.includes(`":${prod.region}:", ":${standbyRegion}:"`))).toBe(true);
    }
    expect(resources(stack('service-staging'), 'aws_iam_role_policy').flatMap(([, p]) => policyOf(stack('service-staging'), p.policy)).some((s) => s.sid === 'SeeTheReplicasCatchUp')).toBe(false);
  });
});

describe('dev with a pilot light', () => {
  it('makes the standby\'s service with no task, and no autoscaling without the primary\'s', () => {
    const json = devWithStandby.get('standby_service-dev')!;
    const service = only(json, 'aws_ecs_service');
    expect(service.desired_count).toBe(0);
    expect(service.lifecycle).toEqual({ ignore_changes: ['desired_count'] });
  });

  it('watches the replica\'s lag, in seconds, and no standby task health, as it runs none', () => {
    const alarms = resources(devWithStandby.get('standby_observability-dev')!, 'aws_cloudwatch_metric_alarm').map(([, a]) => a);
    const lag = alarms.find((a) => a.metric_name === 'ReplicaLag')!;
    expect(lag).toMatchObject({ namespace: 'AWS/RDS', threshold: 60, statistic: 'Maximum' });
    expect(sourceStack(lag.dimensions.DBInstanceIdentifier)).toBe('standby_data-dev');
    expect(alarms.find((a) => a.metric_name === 'HealthyHostCount')).toBeUndefined();
  });
});

describe('routing-prod: a Global Accelerator', () => {
  const json = () => stack('routing-prod');

  it('has an endpoint group per region holding that region\'s load balancer, the primary\'s taking all traffic', () => {
    const groups = resources(json(), 'aws_globalaccelerator_endpoint_group').map(([, g]) => g);
    expect(groups.map((g) => [g.endpoint_group_region, g.traffic_dial_percentage])).toEqual([[prod.region, 100], [standbyRegion, 0]]);
    const sources = groups.map((g) => crossStackSource(g.endpoint_configuration[0].endpoint_id).stack);
    expect(sources).toEqual(['service-prod', 'standby_service-prod']);
    for (const group of groups) {
      expect(group.endpoint_configuration[0]).toMatchObject({ client_ip_preservation_enabled: true, weight: 100 });
      // The dials are a failover's to turn; an apply must not turn them back.
      expect(group.lifecycle).toEqual({ ignore_changes: ['traffic_dial_percentage'] });
    }
  });

  it('checks the service\'s health path over HTTPS', () => {
    for (const [, group] of resources(json(), 'aws_globalaccelerator_endpoint_group')) {
      expect(group).toMatchObject({ health_check_protocol: 'HTTPS', health_check_port: 443, health_check_path: prod.service.healthCheck.path });
    }
    expect(prod.service.healthCheck.path).toBe('/healthz');
  });

  it('listens on the ports the load balancers serve', () => {
    expect(only(json(), 'aws_globalaccelerator_listener')).toMatchObject({ protocol: 'TCP', port_range: [{ from_port: 80, to_port: 80 }, { from_port: 443, to_port: 443 }] });
  });
});

describe('routing-dev: Route 53 failover records', () => {
  const json = () => devWithStandby.get('routing-dev')!;

  it('answers with the primary while its health check passes, else the standby', () => {
    const records = resources(json(), 'aws_route53_record').map(([, r]) => r);
    expect(records.map((r) => [r.set_identifier, r.failover_routing_policy.type])).toEqual([['primary', 'PRIMARY'], ['standby', 'SECONDARY']]);
    const [[zoneName, zone]] = Object.entries(json().data!.aws_route53_zone as Record<string, Record<string, any>>);
    for (const record of records) {
      expect(record).toMatchObject({ zone_id: `\${data.aws_route53_zone.${zoneName}.zone_id}`, name: 'app.dev.example.com', type: 'A' });
      expect(record.alias.evaluate_target_health).toBe(true);
      expect(record.health_check_id).toMatch(/^\$\{aws_route53_health_check\./);
    }
    expect(records.map((r) => sourceStack(r.alias.name))).toEqual(['service-dev', 'standby_service-dev']);
    // The zone is read by its id, and the plan stops when its name is not the configured one.
    expect(zone).toMatchObject({ zone_id: 'Z0DEVEXAMPLE' });
    expect(zone.lifecycle.postcondition).toEqual([
      { condition: '${trimsuffix(self.name, ".") == "dev.example.com"}', error_message: expect.stringContaining('Hosted zone Z0DEVEXAMPLE is not dev.example.com') },
    ]);
  });

  it('checks each region\'s health path through its load balancer, and lets a failover invert the primary\'s check', () => {
    const checks = resources(json(), 'aws_route53_health_check').map(([, c]) => c);
    expect(checks).toHaveLength(2);
    for (const check of checks) expect(check).toMatchObject({ type: 'HTTP', port: 80, resource_path: '/healthz', request_interval: 10, failure_threshold: 3, invert_healthcheck: false });
    expect(checks.map((c) => sourceStack(c.fqdn))).toEqual(['service-dev', 'standby_service-dev']);
    expect(checks[0].lifecycle).toEqual({ ignore_changes: ['invert_healthcheck'] });
    expect(checks[1].lifecycle).toBeUndefined();
  });
});

describe('standby_observability-prod', () => {
  const json = () => stack('standby_observability-prod');
  const alarms = () => resources(json(), 'aws_cloudwatch_metric_alarm').map(([, a]) => a);

  it('alarms in the standby\'s region on the global database\'s replication lag, in milliseconds', () => {
    expect(providerRegion(json())).toBe(standbyRegion);
    const lag = alarms().find((a) => a.metric_name === 'AuroraGlobalDBReplicationLag')!;
    expect(crossStackSource(lag.dimensions.DBClusterIdentifier)).toEqual({ stack: 'standby_data-prod', expression: expect.stringMatching(/^\$\{aws_rds_cluster\.[^.]+\.cluster_identifier\}$/) });
    expect(lag).toMatchObject({ namespace: 'AWS/RDS', threshold: 60_000, comparison_operator: 'GreaterThanThreshold', treat_missing_data: 'missing' });
  });

  it('alarms when fewer than the warm standby\'s tasks are healthy', () => {
    const healthy = alarms().find((a) => a.metric_name === 'HealthyHostCount')!;
    expect(healthy).toMatchObject({ namespace: 'AWS/ApplicationELB', threshold: 2, comparison_operator: 'LessThanThreshold', statistic: 'Minimum' });
    expect(crossStackSource(healthy.dimensions.TargetGroup).stack).toBe('standby_service-prod');
  });

  it('tells a topic in its own region, graphs it on a dashboard of its own, and makes no second trail', () => {
    for (const alarm of alarms()) expect(alarm.alarm_actions).toEqual([expect.stringMatching(/^\$\{aws_sns_topic\./)]);
    expect(only(json(), 'aws_cloudwatch_dashboard').dashboard_name).toBe('groundwork-prod-standby');
    expect(JSON.parse(only(json(), 'aws_cloudwatch_dashboard').dashboard_body).widgets.some((w: any) => JSON.stringify(w).includes('AuroraGlobalDBReplicationLag'))).toBe(true);
    expect(resources(json(), 'aws_cloudtrail')).toEqual([]);
    expect(alarms().find((a) => a.namespace === 'AWS/S3')).toBeUndefined();
  });
});

describe('the policy gate\'s reading of a task definition', () => {
  it('keeps an interpolation that quotes strings whole, where plain JSON parsing would fail', () => {
    const template = '[{"valueFrom":"${replace(data.x.arn, ":eu-west-1:", ":eu-central-1:")}:password::","q":"${jsonencode("a\\"b")}","p":"${replace(x, "\\\\", "/")}"}]';
    expect(() => JSON.parse(template)).toThrow();
    expect(JSON.parse(templateAsJson(template))).toEqual([
      { valueFrom: '${replace(data.x.arn, ":eu-west-1:", ":eu-central-1:")}:password::', q: '${jsonencode("a\\"b")}', p: '${replace(x, "\\\\", "/")}' },
    ]);
  });
});

describe('validation', () => {
  it.each([
    ['a standby size for a pilot light', changed(environments.prod, (c) => Object.assign(c.failover, { mode: 'pilot-light', standbyTasks: 2 })), 'prod.failover.standbyTasks', 'a pilot light runs no task until a failover'],
    ['a standby larger than the service may be', changed(environments.prod, (c) => (c.failover.standbyTasks = 13)), 'prod.failover.standbyTasks', 'more than service.autoscaling.maxTasks (12)'],
    ['a standby without a certificate while the primary serves HTTPS', changed(environments.prod, (c) => delete c.failover.certificateArn), 'prod.failover.certificateArn', 'needs a certificate of its own region'],
    ['a standby certificate of the primary\'s region', changed(environments.prod, (c) => (c.failover.certificateArn = environments.prod.service.loadBalancer!.certificateArn)), 'prod.failover.certificateArn', 'names region eu-west-1; it must be in partition aws, region eu-central-1'],
    ['Route 53 health checks the load balancer keeps out', changed(environments.prod, (c) => Object.assign(c, { service: { ...c.service, loadBalancer: { ...c.service.loadBalancer, allowedCidrs: ['203.0.113.0/24'] } }, failover: { ...c.failover, routing: { kind: 'route53', hostedZoneId: 'Z0PROD', zoneName: 'example.com', recordName: 'app.example.com' } } })), 'prod.failover.routing.kind', 'keeps Route 53\'s health checkers out'],
    ['a record name with a trailing dot', changed(environments.prod, (c) => (c.failover.routing = { kind: 'route53', hostedZoneId: 'Z0PROD', zoneName: 'example.com', recordName: 'app.example.com.' })), 'prod.failover.routing.recordName', 'must be a lowercase DNS name'],
    ['a Global Accelerator where the partition has none', changed(environments.prod, (c) => Object.assign(c, { region: 'cn-north-1', drRegion: 'cn-northwest-1', accountId: '333333333333' })), 'prod.failover.routing.kind', 'which the aws-cn partition does not offer'],
    ['an unknown routing kind', changed(environments.prod, (c) => (c.failover.routing = { kind: 'anycast' })), 'prod.failover.routing.kind', "Invalid discriminator value. Expected 'route53' | 'global-accelerator'"],
    ['a standby without routing', changed(environments.prod, (c) => delete c.failover.routing), 'prod.failover.routing', 'is required'],
    ['an unknown standby mode', changed(environments.prod, (c) => (c.failover.mode = 'hot')), 'prod.failover.mode', 'expected one of "pilot-light"|"warm-standby"'],
    ['a warm standby of no task', changed(environments.prod, (c) => (c.failover.standbyTasks = 0)), 'prod.failover.standbyTasks', 'expected number to be >=1'],
    ['a warm standby of half a task', changed(environments.prod, (c) => (c.failover.standbyTasks = 1.5)), 'prod.failover.standbyTasks', 'expected int'],
    ['a standby certificate that is no ACM ARN', changed(environments.prod, (c) => (c.failover.certificateArn = 'arn:aws:acm:eu-central-1:333333333333:cert/x')), 'prod.failover.certificateArn', 'must be an ACM certificate ARN'],
    ['a standby certificate of another account', changed(environments.prod, (c) => (c.failover.certificateArn = 'arn:aws:acm:eu-central-1:444444444444:certificate/0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f')), 'prod.failover.certificateArn', 'names account 444444444444; it must be in partition aws, region eu-central-1, account 333333333333'],
    ['a standby certificate where the primary serves plain HTTP', changed(environments.prod, (c) => (c.service.loadBalancer = { ...c.service.loadBalancer, certificateArn: undefined })), 'prod.failover.certificateArn', 'is set, but the primary serves plain HTTP'],
    ['a hosted zone id that is not one', changed(environments.prod, (c) => (c.failover.routing = { kind: 'route53', hostedZoneId: 'zone-1', zoneName: 'example.com', recordName: 'app.example.com' })), 'prod.failover.routing.hostedZoneId', 'must be a Route 53 hosted zone id'],
    ['a record name in capitals', changed(environments.prod, (c) => (c.failover.routing = { kind: 'route53', hostedZoneId: 'Z0PROD', zoneName: 'example.com', recordName: 'App.example.com' })), 'prod.failover.routing.recordName', 'must be a lowercase DNS name'],
    ['a record name outside its hosted zone', changed(environments.prod, (c) => (c.failover.routing = { kind: 'route53', hostedZoneId: 'Z0PROD', zoneName: 'example.com', recordName: 'app.example.org' })), 'prod.failover.routing.recordName', 'is app.example.org, outside the hosted zone example.com'],
    ['a record name that only ends like its zone', changed(environments.prod, (c) => (c.failover.routing = { kind: 'route53', hostedZoneId: 'Z0PROD', zoneName: 'example.com', recordName: 'appexample.com' })), 'prod.failover.routing.recordName', 'outside the hosted zone example.com'],
    ['Route 53 routing without the zone\'s name', changed(environments.prod, (c) => (c.failover.routing = { kind: 'route53', hostedZoneId: 'Z0PROD', recordName: 'app.example.com' })), 'prod.failover.routing.zoneName', 'is required'],
    ['a failure threshold Route 53 does not take', changed(environments.prod, (c) => (c.failover.routing = { kind: 'route53', hostedZoneId: 'Z0PROD', zoneName: 'example.com', recordName: 'app.example.com', failureThreshold: 11 })), 'prod.failover.routing.failureThreshold', 'expected number to be <=10'],
    ['a check interval Route 53 does not offer', changed(environments.prod, (c) => (c.failover.routing = { kind: 'route53', hostedZoneId: 'Z0PROD', zoneName: 'example.com', recordName: 'app.example.com', requestIntervalSeconds: 20 })), 'prod.failover.routing.requestIntervalSeconds', 'must be 10 or 30: the only intervals Route 53 checks at'],
    ['a check interval Global Accelerator does not offer', changed(environments.prod, (c) => (c.failover.routing = { kind: 'global-accelerator', healthCheckIntervalSeconds: 15 })), 'prod.failover.routing.healthCheckIntervalSeconds', 'must be 10 or 30: the only intervals Global Accelerator checks at'],
    ['a Global Accelerator threshold of zero', changed(environments.prod, (c) => (c.failover.routing = { kind: 'global-accelerator', thresholdCount: 0 })), 'prod.failover.routing.thresholdCount', 'expected number to be >=1'],
    ['a hosted zone on a Global Accelerator', changed(environments.prod, (c) => (c.failover.routing = { kind: 'global-accelerator', hostedZoneId: 'Z0PROD' })), 'prod.failover.routing.hostedZoneId', 'is not a known field'],
    ['a replication lag threshold of zero', changed(environments.prod, (c) => (c.observability.thresholds = { replicationLagSeconds: 0 })), 'prod.observability.thresholds.replicationLagSeconds', 'expected number to be >=1'],
  ])('refuses %s, naming the field', (what, config, field, fragment) => {
    expectRejected([what, 'prod', config, field, fragment]);
  });
});
