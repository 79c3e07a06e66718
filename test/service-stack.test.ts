import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { PLATFORM_SECRETS, PLATFORM_VARIABLES } from '../environments/service-schema';
import { isPrivateCidr } from '../lib/ipv4';
import {
  crossStackSource,
  ENVIRONMENT_NAMES,
  only,
  ownOutputs,
  policyOf,
  readStacks,
  referencedName,
  resources,
  shippedStacks,
  stack,
  synthesizeInto,
  type StackJson,
} from './support/synthesized';

const config = (env: string) => loadEnvironments({ [env]: environments[env as keyof typeof environments] })[0];
/** Synthesizes one shipped environment with a change, and returns its service stack. */
const serviceStackWith = (env: string, change: (c: any) => void): StackJson => {
  const changed = structuredClone(environments[env as keyof typeof environments]) as EnvironmentConfig;
  change(changed);
  return readStacks(synthesizeInto({ [env]: changed })).get(`service-${env}`)!;
};
const containerOf = (json: StackJson) => JSON.parse(only(json, 'aws_ecs_task_definition').container_definitions)[0];
const ref = (type: string, json: StackJson, attribute: string) => `\${${type}.${Object.keys(json.resource[type])[0]}.${attribute}}`;
/** The expression a cross-stack reference stands for, or the reference itself when it is local. */
const source = (reference: string) => (reference.startsWith('${data.terraform_remote_state.') ? crossStackSource(reference) : { stack: 'self', expression: reference });
const outputExpression = (stackName: string, output: string) => String(stack(stackName).output![output].value);
/** What the task gets only from a cache (cache.enabled). */
const CACHE_VARIABLES = ['CACHE_HOST', 'CACHE_READER_HOST', 'CACHE_PORT', 'CACHE_TLS'];
const CACHE_SECRETS = ['CACHE_AUTH_TOKEN'];
const GRAPH_VARIABLES = ['NEO4J_URI'];
const GRAPH_SECRETS = ['NEO4J_USERNAME', 'NEO4J_PASSWORD'];

describe.each(ENVIRONMENT_NAMES)('service-%s', (env) => {
  const json = () => stack(`service-${env}`);
  const cfg = () => config(env).service;
  const https = () => cfg().loadBalancer.certificateArn !== undefined;
  const hasCache = () => config(env).cache.enabled;
  const hasGraph = () => config(env).graph !== undefined;
  const autoscaled = () => cfg().autoscaling.enabled;

  describe('image repository', () => {
    it('keeps tags immutable, scans every push, and encrypts with the service key', () => {
      const repository = only(json(), 'aws_ecr_repository');
      expect(repository).toMatchObject({ name: `groundwork/${env}/app`, image_tag_mutability: 'IMMUTABLE', image_scanning_configuration: { scan_on_push: true } });
      expect(repository.encryption_configuration).toEqual([{ encryption_type: 'KMS', kms_key: ref('aws_kms_key', json(), 'arn') }]);
      expect(repository.force_delete).toBe(config(env).tier === 'dev');
    });

    it('copies its images to the standby\'s region where there is one (failover), and nowhere otherwise', () => {
      const failover = config(env).failover;
      expect(resources(json(), 'aws_ecr_replication_configuration')).toHaveLength(failover ? 1 : 0);
      expect(resources(json(), 'aws_ecr_repository_creation_template')).toHaveLength(failover ? 1 : 0);
    });

    it('never expires the tag the service runs, expires untagged images and keeps the newest `keepImages`', () => {
      const rules = JSON.parse(only(json(), 'aws_ecr_lifecycle_policy').policy).rules;
      expect(rules.map((rule: any) => rule.rulePriority)).toEqual([1, 2, 3]);
      expect(rules.map((rule: any) => rule.selection)).toEqual([
        { tagStatus: 'tagged', tagPatternList: [cfg().image.tag], countType: 'imageCountMoreThan', countNumber: 1 },
        { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
        { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: cfg().image.keepImages },
      ]);
      expect(rules.every((rule: any) => rule.action.type === 'expire')).toBe(true);
    });
  });

  it('runs a cluster with Container Insights', () => {
    expect(only(json(), 'aws_ecs_cluster')).toMatchObject({ name: `groundwork-${env}`, setting: [{ name: 'containerInsights', value: 'enabled' }] });
  });

  describe('task definition', () => {
    it('is a Fargate task of the configured size and architecture', () => {
      const task = only(json(), 'aws_ecs_task_definition');
      expect(task).toMatchObject({
        requires_compatibilities: ['FARGATE'],
        network_mode: 'awsvpc',
        cpu: String(cfg().cpu),
        memory: String(cfg().memoryMiB),
        runtime_platform: { operating_system_family: 'LINUX', cpu_architecture: cfg().cpuArchitecture },
      });
    });

    it('runs the configured tag from the environment\'s repository, as a non-root user on a read-only root filesystem', () => {
      const container = containerOf(json());
      expect(container.image).toBe(`${ref('aws_ecr_repository', json(), 'repository_url')}:${cfg().image.tag}`);
      expect(container.readonlyRootFilesystem).toBe(true);
      expect(container.user).toBe(cfg().user);
      expect(Number(container.user.split(':')[0])).toBeGreaterThan(0);
      expect(container.portMappings).toEqual([{ containerPort: cfg().containerPort, hostPort: cfg().containerPort, protocol: 'tcp' }]);
      // The one writable path is task storage, not the image.
      expect(container.mountPoints).toEqual([{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }]);
    });

    it('gets the configured variables and the platform\'s, with the database and (where there is one) cache endpoints from the data stack', () => {
      const variables = Object.fromEntries(containerOf(json()).environment.map((v: any) => [v.name, v.value]));
      expect(CACHE_VARIABLES.every((name) => (PLATFORM_VARIABLES as readonly string[]).includes(name))).toBe(true);
      const platform = PLATFORM_VARIABLES.filter((name) => (hasCache() || !CACHE_VARIABLES.includes(name)) && (hasGraph() || !GRAPH_VARIABLES.includes(name)));
      expect(Object.keys(variables).sort()).toEqual([...platform, ...Object.keys(cfg().environment)].sort());
      for (const [name, value] of Object.entries(cfg().environment)) expect(variables[name]).toBe(value);
      expect(variables).toMatchObject({ PORT: String(cfg().containerPort), DATABASE_PORT: '5432', DATABASE_NAME: 'app' });
      expect(source(variables.DATABASE_HOST)).toEqual({ stack: `data-${env}`, expression: outputExpression(`data-${env}`, 'database_endpoint') });
      if (hasCache()) {
        expect(variables).toMatchObject({ CACHE_PORT: '6379', CACHE_TLS: 'true' });
        expect(source(variables.CACHE_HOST)).toEqual({ stack: `data-${env}`, expression: outputExpression(`data-${env}`, 'cache_primary_endpoint') });
        expect(source(variables.CACHE_READER_HOST)).toEqual({ stack: `data-${env}`, expression: outputExpression(`data-${env}`, 'cache_reader_endpoint') });
      } else {
        expect(Object.keys(variables).filter((name) => name.startsWith('CACHE_'))).toEqual([]);
      }
    });

    it('injects the database credentials, the cache token (where there is a cache) and SECRET_KEY_BASE by ARN, never by value', () => {
      const secrets = Object.fromEntries(containerOf(json()).secrets.map((s: any) => [s.name, s.valueFrom]));
      expect(CACHE_SECRETS.every((name) => (PLATFORM_SECRETS as readonly string[]).includes(name))).toBe(true);
      expect(Object.keys(secrets).sort()).toEqual(PLATFORM_SECRETS.filter((name) => (hasCache() || !CACHE_SECRETS.includes(name)) && (hasGraph() || !GRAPH_SECRETS.includes(name))).sort());
      const databaseSecret = `\${${crossStackSource(secrets.DATABASE_PASSWORD.replace(/:password::$/, '')).expression.slice(2)}`;
      // RDS's secret, or with a standby Groundwork's own (RDS-managed passwords support no global database).
      const [owner, output] = config(env).failover ? [`secrets-${env}`, 'database_credentials_secret_arn'] : [`data-${env}`, 'database_secret_arn'];
      expect(databaseSecret).toBe(outputExpression(owner, output));
      expect(secrets.DATABASE_USERNAME).toBe(secrets.DATABASE_PASSWORD.replace(/:password::$/, ':username::'));
      if (hasCache()) expect(crossStackSource(secrets.CACHE_AUTH_TOKEN).expression).toBe(outputExpression(`secrets-${env}`, 'cache_auth_token_secret_arn'));
      else expect(secrets.CACHE_AUTH_TOKEN).toBeUndefined();
      expect(crossStackSource(secrets.SECRET_KEY_BASE).expression).toBe(outputExpression(`secrets-${env}`, 'secret_key_base_secret_arn'));
    });

    it('logs through awslogs to a log group encrypted with the service key, kept as configured', () => {
      const { logConfiguration } = containerOf(json());
      const [logGroupName, logGroup] = resources(json(), 'aws_cloudwatch_log_group').find(([, g]) => g.name === `/groundwork/${env}/app`)!;
      expect(logConfiguration).toEqual({
        logDriver: 'awslogs',
        options: { 'awslogs-group': `\${aws_cloudwatch_log_group.${logGroupName}.name}`, 'awslogs-region': config(env).region, 'awslogs-stream-prefix': 'app' },
      });
      expect(logGroup.kms_key_id).toBe(ref('aws_kms_key', json(), 'arn'));
      expect(logGroup.retention_in_days).toBe(cfg().logRetentionDays);
    });
  });

  describe('execution role', () => {
    const statements = () => {
      const [, policy] = resources(json(), 'aws_iam_role_policy').find(([, p]) => p.role.includes('app_execution-role'))!;
      return Object.fromEntries(policyOf(json(), policy.policy).map((s) => [s.sid, s]));
    };

    it('may pull from its repository only, write its log group only, and read exactly the injected secrets', () => {
      const granted = statements();
      expect(Object.keys(granted).sort()).toEqual(['AuthenticateToEcr', 'DecryptTheSecrets', 'PullTheImage', 'ReadTheSecrets', 'WriteTheLogs']);
      expect(granted.AuthenticateToEcr).toMatchObject({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] });
      expect(granted.PullTheImage.resources).toEqual([ref('aws_ecr_repository', json(), 'arn')]);
      const [appLogGroup] = resources(json(), 'aws_cloudwatch_log_group').find(([, g]) => g.name === `/groundwork/${env}/app`)!;
      expect(granted.WriteTheLogs.resources).toEqual([`\${aws_cloudwatch_log_group.${appLogGroup}.arn}:*`]);
      const injected = new Set(containerOf(json()).secrets.map((s: any) => s.valueFrom.replace(/:(username|password)::$/, '')));
      expect(new Set(granted.ReadTheSecrets.resources)).toEqual(injected);
      expect(granted.ReadTheSecrets.actions).toEqual(['secretsmanager:GetSecretValue']);
      expect(granted.DecryptTheSecrets.actions).toEqual(['kms:Decrypt']);
      // The data key also encrypts the database: the task may use it only as Secrets Manager reads a secret for it.
      expect(granted.DecryptTheSecrets.condition).toEqual([{ test: 'StringEquals', variable: 'kms:ViaService', values: [`secretsmanager.${config(env).region}.amazonaws.com`] }]);
      // The secrets key, and the key of the database's secret: the data key (RDS's secret), or the secrets key again
      // (Groundwork's); the data key again for the graph's credentials.
      const keyOwners = config(env).failover && !hasGraph() ? [`secrets-${env}`] : [`data-${env}`, `secrets-${env}`];
      expect(granted.DecryptTheSecrets.resources.map((r: string) => crossStackSource(r).stack).sort()).toEqual(keyOwners);
    });
  });

  describe('service', () => {
    const service = () => only(json(), 'aws_ecs_service');

    it('runs in the private subnets in the service security group, without a public IP', () => {
      const network = service().network_configuration;
      expect(network.assign_public_ip).toBe(false);
      expect(network.subnets.map((s: string) => crossStackSource(s).expression)).toEqual(
        config(env).network.availabilityZones.map((zone) => expect.stringMatching(new RegExp(`^\\$\\{aws_subnet\\.vpc_private-${zone}_`))),
      );
      expect(crossStackSource(network.security_groups[0]).expression).toBe(outputExpression(`network-${env}`, 'service_security_group_id'));
    });

    it('deploys with a circuit breaker that rolls back, keeping every task until its replacement is healthy', () => {
      expect(service()).toMatchObject({
        launch_type: 'FARGATE',
        deployment_circuit_breaker: { enable: true, rollback: true },
        deployment_minimum_healthy_percent: 100,
        deployment_maximum_percent: 200,
        health_check_grace_period_seconds: 60,
      });
    });

    it('starts with the configured count, then leaves the count to autoscaling, or keeps it without', () => {
      expect(service().desired_count).toBe(cfg().desiredCount);
      if (autoscaled()) expect(service().lifecycle.ignore_changes).toEqual(['desired_count']);
      // Without autoscaling Terraform owns the count: a drifted count is put back.
      else expect(service().lifecycle).toBeUndefined();
    });

    it('registers its container port in the load balancer\'s target group', () => {
      expect(service().load_balancer).toEqual([{ container_name: 'app', container_port: cfg().containerPort, target_group_arn: ref('aws_lb_target_group', json(), 'arn') }]);
    });
  });

  describe('load balancer', () => {
    const lb = () => only(json(), 'aws_lb');
    const listeners = () => resources(json(), 'aws_lb_listener').map(([, l]) => l);

    it('faces the internet from the public subnets and drops invalid header fields', () => {
      expect(lb()).toMatchObject({ load_balancer_type: 'application', internal: false, drop_invalid_header_fields: true });
      expect(lb().subnets.map((s: string) => crossStackSource(s).expression)).toEqual(
        config(env).network.availabilityZones.map((zone) => expect.stringMatching(new RegExp(`^\\$\\{aws_subnet\\.vpc_public-${zone}_`))),
      );
    });

    it('is protected from deletion in staging and prod', () => {
      expect(lb().enable_deletion_protection).toBe(config(env).tier !== 'dev');
    });

    it('logs every request to a private, encrypted bucket only the load balancer delivery may write to', () => {
      const bucket = ref('aws_s3_bucket', json(), 'bucket');
      expect(lb().access_logs).toEqual({ bucket, enabled: true });
      expect(only(json(), 'aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('AES256');
      expect(only(json(), 'aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      expect(only(json(), 'aws_s3_bucket_lifecycle_configuration').rule[0].expiration).toEqual([{ days: cfg().loadBalancer.accessLogRetentionDays }]);
      const statements = policyOf(json(), only(json(), 'aws_s3_bucket_policy').policy);
      const allows = statements.filter((s) => s.effect !== 'Deny');
      expect(allows).toHaveLength(1);
      expect(allows[0].actions).toEqual(['s3:PutObject']);
      expect(allows[0].resources).toEqual([`${ref('aws_s3_bucket', json(), 'arn')}/AWSLogs/${config(env).accountId}/*`]);
      // eu-west-1 and us-east-1 deliver as the regional ELB account, from the provider's table.
      expect(allows[0].principals).toEqual([{ type: 'AWS', identifiers: [`\${data.aws_elb_service_account.${Object.keys(json().data!.aws_elb_service_account)[0]}.arn}`] }]);
      expect(statements.some((s) => s.effect === 'Deny' && s.condition[0].variable === 'aws:SecureTransport')).toBe(config(env).buckets.tlsOnlyPolicy);
    });

    it('versions the access-log bucket, keeping a replaced or deleted log 30 days', () => {
      const bucket = ref('aws_s3_bucket', json(), 'id');
      expect(only(json(), 'aws_s3_bucket_versioning')).toMatchObject({ bucket, versioning_configuration: { status: 'Enabled' } });
      const lifecycle = only(json(), 'aws_s3_bucket_lifecycle_configuration');
      expect(lifecycle.rule.map((rule: any) => rule.id)).toEqual(['expire-objects', 'expire-noncurrent-versions']);
      expect(lifecycle.rule[1]).toMatchObject({ noncurrent_version_expiration: [{ noncurrent_days: 30 }], expiration: [{ expired_object_delete_marker: true }] });
    });

    it(`serves ${'HTTPS with a TLS 1.2+ policy and redirects HTTP, or plain HTTP where the tier allows it'}`, () => {
      const forward = [{ type: 'forward', target_group_arn: ref('aws_lb_target_group', json(), 'arn') }];
      if (https()) {
        expect(listeners().map((l) => l.port).sort()).toEqual([443, 80]);
        const secure = listeners().find((l) => l.port === 443)!;
        expect(secure).toMatchObject({ protocol: 'HTTPS', certificate_arn: cfg().loadBalancer.certificateArn, ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', default_action: forward });
        expect(listeners().find((l) => l.port === 80)!.default_action).toEqual([{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } }]);
      } else {
        expect(config(env).tier).toBe('dev');
        expect(listeners()).toEqual([expect.objectContaining({ port: 80, protocol: 'HTTP', default_action: forward })]);
      }
    });

    it('health-checks the tasks on /healthz', () => {
      const group = only(json(), 'aws_lb_target_group');
      expect(group).toMatchObject({ target_type: 'ip', protocol: 'HTTP', port: cfg().containerPort, lifecycle: { create_before_destroy: true } });
      expect(group.health_check).toMatchObject({ enabled: true, path: '/healthz', matcher: '200', interval: 15, timeout: 5, healthy_threshold: 2, unhealthy_threshold: 3 });
    });
  });

  describe('network', () => {
    const lbGroup = () => only(json(), 'aws_lb').security_groups[0];

    it('lets the allowed ranges reach the load balancer on 80 and 443 only', () => {
      const ingress = resources(json(), 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => r.security_group_id === lbGroup());
      expect(ingress.map((r) => [r.cidr_ipv4, r.from_port, r.to_port]).sort()).toEqual(
        cfg().loadBalancer.allowedCidrs.flatMap((cidr) => (https() ? [[cidr, 443, 443], [cidr, 80, 80]] : [[cidr, 80, 80]])).sort(),
      );
    });

    it('lets the load balancer reach the tasks on the container port, and nothing else', () => {
      const egress = resources(json(), 'aws_vpc_security_group_egress_rule').map(([, r]) => r).filter((r) => r.security_group_id === lbGroup());
      expect(egress).toHaveLength(1);
      expect(egress[0]).toMatchObject({ from_port: cfg().containerPort, to_port: cfg().containerPort, ip_protocol: 'tcp' });
      expect(crossStackSource(egress[0].referenced_security_group_id).expression).toBe(outputExpression(`network-${env}`, 'service_security_group_id'));
      const tasksIn = resources(json(), 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => r.referenced_security_group_id === lbGroup());
      expect(tasksIn).toEqual([expect.objectContaining({ from_port: cfg().containerPort, to_port: cfg().containerPort })]);
    });

    it('lets the tasks reach the database, cache and graph (Bolt) ports by security group, and HTTPS out for AWS APIs, nothing else', () => {
      const serviceGroup = outputExpression(`network-${env}`, 'service_security_group_id');
      const isServiceGroup = (reference: string, stackName: string) => (stackName.startsWith('network-') ? reference === serviceGroup : reference.startsWith('${data.') && crossStackSource(reference).expression === serviceGroup);
      const egress = [`network-${env}`, `data-${env}`, `service-${env}`].flatMap((name) =>
        resources(stack(name), 'aws_vpc_security_group_egress_rule')
          .map(([, r]) => r)
          .filter((r) => isServiceGroup(r.security_group_id, name))
          .map((r) => ({ stack: name, port: r.from_port, to: r.cidr_ipv4 ?? referencedName(r.referenced_security_group_id) })),
      );
      const expected: [string, number][] = [[`data-${env}`, 5432], ...(hasCache() ? [[`data-${env}`, 6379] as [string, number]] : []), ...(hasGraph() ? [[`data-${env}`, config(env).graph!.ports.bolt] as [string, number]] : []), [`network-${env}`, 443]];
      expect(egress.map((rule) => [rule.stack, rule.port]).sort()).toEqual(expected.sort());
      expect(egress.find((rule) => rule.port === 443)!.to).toBe('0.0.0.0/0');
    });
  });

  describe('autoscaling', () => {
    const policies = () => Object.fromEntries(resources(json(), 'aws_appautoscaling_policy').map(([, p]) => [p.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type, p]));

    it('scales the service between the configured minimum and maximum, or has no scalable target where autoscaling is off', () => {
      if (!autoscaled()) {
        expect(resources(json(), 'aws_appautoscaling_target')).toEqual([]);
        return;
      }
      const target = only(json(), 'aws_appautoscaling_target');
      expect(target).toMatchObject({ service_namespace: 'ecs', scalable_dimension: 'ecs:service:DesiredCount', min_capacity: cfg().autoscaling.minTasks, max_capacity: cfg().autoscaling.maxTasks });
      expect(target.resource_id).toBe(`service/${ref('aws_ecs_cluster', json(), 'name')}/${ref('aws_ecs_service', json(), 'name')}`);
    });

    it('tracks average CPU at the configured target, and requests per task where configured; no policy where autoscaling is off', () => {
      if (!autoscaled()) {
        expect(resources(json(), 'aws_appautoscaling_policy')).toEqual([]);
        return;
      }
      const byMetric = policies();
      expect(byMetric.ECSServiceAverageCPUUtilization.target_tracking_scaling_policy_configuration.target_value).toBe(cfg().autoscaling.cpuTargetPercent);
      expect(byMetric.ECSServiceAverageCPUUtilization.policy_type).toBe('TargetTrackingScaling');
      const requests = byMetric.ALBRequestCountPerTarget;
      if (cfg().autoscaling.requestsPerTarget === undefined) expect(requests).toBeUndefined();
      else {
        expect(requests.target_tracking_scaling_policy_configuration.target_value).toBe(cfg().autoscaling.requestsPerTarget);
        expect(requests.target_tracking_scaling_policy_configuration.predefined_metric_specification.resource_label).toBe(`${ref('aws_lb', json(), 'arn_suffix')}/${ref('aws_lb_target_group', json(), 'arn_suffix')}`);
      }
    });
  });

  describe('redeploy on rotation', () => {
    const rule = () => only(json(), 'aws_cloudwatch_event_rule');

    it('logs to a log group encrypted with the service key, which CloudWatch Logs may use for it', () => {
      const name = `/aws/lambda/groundwork-${env}-redeploy-on-rotation`;
      const [, logGroup] = resources(json(), 'aws_cloudwatch_log_group').find(([, g]) => g.name === name)!;
      expect(logGroup.kms_key_id).toBe(ref('aws_kms_key', json(), 'arn'));
      const serviceKey = resources(json(), 'aws_kms_key').find(([name]) => name.startsWith('service-key_'))![1];
      const grants = policyOf(json(), serviceKey.policy).filter((s) => s.principals[0].type === 'Service');
      expect(grants.flatMap((s) => s.condition.flatMap((c: any) => c.values))).toEqual([
        `arn:aws:logs:${config(env).region}:${config(env).accountId}:log-group:/groundwork/${env}/app`,
        `arn:aws:logs:${config(env).region}:${config(env).accountId}:log-group:${name}`,
      ]);
    });

    it('fires on RotationSucceeded for exactly the secrets the task injects', () => {
      const pattern = JSON.parse(rule().event_pattern);
      expect(pattern).toMatchObject({ source: ['aws.secretsmanager'], 'detail-type': ['AWS Service Event via CloudTrail'], detail: { eventName: ['RotationSucceeded'] } });
      const injected = new Set(containerOf(json()).secrets.map((s: any) => s.valueFrom.replace(/:(username|password)::$/, '')));
      expect(new Set(pattern.detail.additionalEventData.SecretId)).toEqual(injected);
      // The database credentials, SECRET_KEY_BASE, the cache token where there is a cache, the graph's credentials where there is a graph.
      expect(injected.size).toBe(2 + (hasCache() ? 1 : 0) + (hasGraph() ? 1 : 0));
    });

    it('invokes the redeploy function, which only this rule may invoke, and knows the cluster', () => {
      const fn = only(json(), 'aws_lambda_function');
      const functionRef = (attribute: string) => `\${aws_lambda_function.${Object.keys(json().resource.aws_lambda_function)[0]}.${attribute}}`;
      expect(only(json(), 'aws_cloudwatch_event_target').arn).toBe(functionRef('arn'));
      expect(only(json(), 'aws_lambda_permission')).toMatchObject({ principal: 'events.amazonaws.com', source_arn: ref('aws_cloudwatch_event_rule', json(), 'arn'), function_name: functionRef('function_name') });
      // With a standby, the standby's cluster too: rotations are reported in the primary's region only.
      const { failover, accountId } = config(env);
      const standbyCluster = failover && `arn:aws:ecs:${failover.region}:${accountId}:cluster/groundwork-${env}`;
      expect(fn.environment.variables).toEqual({ CLUSTER_ARN: ref('aws_ecs_cluster', json(), 'arn'), ...(standbyCluster && { STANDBY_CLUSTER_ARN: standbyCluster }) });
    });

    it('may redeploy the services of its own cluster only, and of the standby\'s', () => {
      const fn = only(json(), 'aws_lambda_function');
      const [, policy] = resources(json(), 'aws_iam_role_policy').find(([, p]) => p.role === fn.role.replace('.arn}', '.name}'))!;
      const granted = Object.fromEntries(policyOf(json(), policy.policy).map((s) => [s.sid, s]));
      expect(granted.RedeployTheClustersServices.actions).toEqual(['ecs:DescribeServices', 'ecs:UpdateService']);
      const { region, accountId, failover } = config(env);
      const standby = failover ? [{ services: `arn:aws:ecs:${failover.region}:${accountId}:service/groundwork-${env}/*`, cluster: `arn:aws:ecs:${failover.region}:${accountId}:cluster/groundwork-${env}` }] : [];
      expect(granted.RedeployTheClustersServices.resources).toEqual([`arn:aws:ecs:${region}:${accountId}:service/${ref('aws_ecs_cluster', json(), 'name')}/*`, ...standby.map((s) => s.services)]);
      expect(granted.ListTheClustersServices.condition).toEqual([{ test: 'ArnEquals', variable: 'ecs:cluster', values: [ref('aws_ecs_cluster', json(), 'arn'), ...standby.map((s) => s.cluster)] }]);
      const unrestricted = Object.values(granted).filter((s: any) => s.resources.includes('*') && !s.condition);
      expect(unrestricted.flatMap((s: any) => s.actions).sort()).toEqual(['ecs:DescribeTaskDefinition']);
    });

    it('keeps events and invocations that failed for good in an encrypted queue only the rule may write to', () => {
      const queue = ref('aws_sqs_queue', json(), 'arn');
      expect(only(json(), 'aws_sqs_queue').sqs_managed_sse_enabled).toBe(true);
      const policy = only(json(), 'aws_sqs_queue_policy');
      expect(policy.queue_url).toBe(ref('aws_sqs_queue', json(), 'url'));
      expect(policyOf(json(), policy.policy)).toEqual([
        expect.objectContaining({
          principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
          actions: ['sqs:SendMessage'],
          resources: [queue],
          condition: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: [ref('aws_cloudwatch_event_rule', json(), 'arn')] }],
        }),
      ]);
      expect(only(json(), 'aws_cloudwatch_event_target').dead_letter_config).toEqual({ arn: queue });
      expect(only(json(), 'aws_lambda_function_event_invoke_config').destination_config).toEqual({ on_failure: { destination: queue } });
    });
  });

  it('outputs what operators and later stacks need, each described', () => {
    expect(ownOutputs(json()).sort()).toEqual(
      ['access_log_bucket', 'cluster_name', 'load_balancer_arn_suffix', 'load_balancer_dns_name', 'load_balancer_zone_id', 'log_group_name', 'redeploy_failed_queue_name', 'repository_url', 'service_name', 'service_url', 'target_group_arn_suffix', 'task_role_arn'].sort(),
    );
    for (const name of ownOutputs(json())) expect(json().output![name].description).toBeTruthy();
    expect(String(json().output!.service_url.value)).toMatch(https() ? /^https:\/\// : /^http:\/\//);
  });
});

describe('the whole platform', () => {
  it('has no ingress open to an address range outside the VPCs but ports 80 and 443 of a load balancer', () => {
    let worldOpen = 0;
    for (const [name, json] of shippedStacks()) {
      const loadBalancerGroups = new Set(resources(json, 'aws_lb').flatMap(([, lb]) => lb.security_groups));
      for (const [, rule] of resources(json, 'aws_vpc_security_group_ingress_rule')) {
        if (rule.cidr_ipv6 !== undefined || rule.prefix_list_id !== undefined || (rule.cidr_ipv4 !== undefined && !isPrivateCidr(rule.cidr_ipv4))) {
          worldOpen++;
          expect({ stack: name, loadBalancer: loadBalancerGroups.has(rule.security_group_id), port: [80, 443].includes(rule.from_port) && rule.from_port === rule.to_port }).toEqual({ stack: name, loadBalancer: true, port: true });
        }
      }
      // Inline and legacy rules would escape the check above; Groundwork writes neither.
      expect(resources(json, 'aws_security_group_rule')).toEqual([]);
      for (const [, group] of resources(json, 'aws_security_group')) expect(group.ingress).toBeUndefined();
    }
    expect(worldOpen).toBeGreaterThan(0);
  });
});

describe('configuration', () => {
  it('serves a different health check path when configured', () => {
    const json = serviceStackWith('dev', (c) => (c.service.healthCheck = { path: '/ready', healthyHttpCodes: '200-204' }));
    expect(only(json, 'aws_lb_target_group').health_check).toMatchObject({ path: '/ready', matcher: '200-204' });
  });

  it('adds memory target tracking when configured', () => {
    const json = serviceStackWith('dev', (c) => (c.service.autoscaling = { memoryTargetPercent: 70 }));
    const memory = resources(json, 'aws_appautoscaling_policy').map(([, p]) => p.target_tracking_scaling_policy_configuration).find((p) => p.predefined_metric_specification.predefined_metric_type === 'ECSServiceAverageMemoryUtilization');
    expect(memory.target_value).toBe(70);
  });

  it('lets the log delivery service principal write the access logs in a region opened after August 2022', () => {
    const json = serviceStackWith('dev', (c) => ((c.region = 'eu-central-2'), (c.drRegion = 'eu-west-1')));
    expect(json.data?.aws_elb_service_account).toBeUndefined();
    const allows = policyOf(json, only(json, 'aws_s3_bucket_policy').policy).filter((s) => s.effect !== 'Deny');
    expect(allows.map((s) => s.principals)).toEqual([[{ type: 'Service', identifiers: ['logdelivery.elasticloadbalancing.amazonaws.com'] }]]);
  });

  it('limits the load balancer to the configured ranges', () => {
    const json = serviceStackWith('dev', (c) => (c.service.loadBalancer = { allowedCidrs: ['203.0.113.0/24', '198.51.100.0/24'] }));
    const open = resources(json, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r.cidr_ipv4).filter(Boolean);
    expect(open.sort()).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
  });

  it('runs exactly desiredCount tasks, with no autoscaling, when a real environment turns autoscaling off', () => {
    const json = serviceStackWith('dev', (c) => ((c.service.autoscaling = { enabled: false }), (c.service.desiredCount = 2)));
    const service = only(json, 'aws_ecs_service');
    expect(service.desired_count).toBe(2);
    expect(service.lifecycle).toBeUndefined();
    expect([resources(json, 'aws_appautoscaling_target'), resources(json, 'aws_appautoscaling_policy')]).toEqual([[], []]);
  });

  it('gives the task no CACHE_* variable or cache token when a real environment has no cache', () => {
    const container = containerOf(serviceStackWith('dev', (c) => (c.cache = { enabled: false })));
    expect(container.environment.map((v: any) => v.name).filter((name: string) => name.startsWith('CACHE_'))).toEqual([]);
    expect(container.secrets.map((s: any) => s.name).sort()).toEqual(['DATABASE_PASSWORD', 'DATABASE_USERNAME', 'SECRET_KEY_BASE']);
  });

  it('deploys a new tag by changing only the task definition\'s image', () => {
    const before = stack('service-dev');
    const after = serviceStackWith('dev', (c) => (c.service.image = { tag: '2026.11.21-abcdef0' }));
    expect(containerOf(after).image).toBe(`${ref('aws_ecr_repository', after, 'repository_url')}:2026.11.21-abcdef0`);
    const withoutImage = (json: StackJson) => ({ ...containerOf(json), image: undefined });
    expect(withoutImage(after)).toEqual(withoutImage(before));
  });
});

describe('service-prod, whose environment has a standby (failover): the images\' copies', () => {
  const json = () => stack('service-prod');
  const standbyKey = () => resources(json(), 'aws_kms_key').find(([name]) => name.startsWith('standby-images-key_'))!;

  it('replicates the repository, and only it, to the standby\'s region in the same account', () => {
    const [[, replication]] = resources(json(), 'aws_ecr_replication_configuration');
    expect(replication.provider).toBeUndefined();
    expect(replication.replication_configuration.rule).toEqual([
      { destination: [{ region: 'eu-central-1', registry_id: '333333333333' }], repository_filter: [{ filter: 'groundwork/prod/app', filter_type: 'PREFIX_MATCH' }] },
    ]);
  });

  it('shapes the copy\'s repository, before the first copy, as the repository: immutable tags, the same lifecycle, a key of the standby\'s region', () => {
    const [[templateName, template]] = resources(json(), 'aws_ecr_repository_creation_template');
    const [keyName, key] = standbyKey();
    expect(template).toMatchObject({ provider: 'aws.standby', prefix: 'groundwork/prod', applied_for: ['REPLICATION'], image_tag_mutability: 'IMMUTABLE' });
    expect(template.encryption_configuration).toEqual([{ encryption_type: 'KMS', kms_key: `\${aws_kms_key.${keyName}.arn}` }]);
    expect(template.lifecycle_policy).toBe(only(json(), 'aws_ecr_lifecycle_policy').policy);
    expect(key).toMatchObject({ provider: 'aws.standby', enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    expect(resources(json(), 'aws_ecr_replication_configuration')[0][1].depends_on).toEqual([`aws_ecr_repository_creation_template.${templateName}`]);
  });

  it('lets ECR make the copy as a role that may only create and fill repositories of the namespace there and use that key', () => {
    const [[, template]] = resources(json(), 'aws_ecr_repository_creation_template');
    const [roleName, role] = resources(json(), 'aws_iam_role').find(([, r]) => r.name === 'groundwork-prod-image-replicas')!;
    expect(template.custom_role_arn).toBe(`\${aws_iam_role.${roleName}.arn}`);
    expect(policyOf(json(), role.assume_role_policy)[0].principals).toEqual([{ type: 'Service', identifiers: ['ecr.amazonaws.com'] }]);
    const [, policy] = resources(json(), 'aws_iam_role_policy').find(([, p]) => referencedName(p.role) === roleName)!;
    const bySid = Object.fromEntries(policyOf(json(), policy.policy).map((statement) => [statement.sid, statement]));
    expect(bySid.MakeTheCopy.resources).toEqual(['arn:aws:ecr:eu-central-1:333333333333:repository/groundwork/prod/*']);
    expect(bySid.EncryptTheCopy.resources).toEqual([`\${aws_kms_key.${standbyKey()[0]}.arn}`]);
  });
});
