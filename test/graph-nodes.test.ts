import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { configurationDigest } from '../constructs/neo4j-configuration';
import { crossStackSource, ENVIRONMENT_NAMES, only, policyOf, readStacks, referencedName, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

// The graph database (issue 20): Neo4j on EC2 nodes whose data outlives the instance, booted from a golden
// image an SSM parameter names. What matters, read from the synthesized JSON of every environment with `graph`.

const config = (env: string) => loadEnvironments({ [env]: environments[env as keyof typeof environments] })[0];
const GRAPH_ENVIRONMENTS = ENVIRONMENT_NAMES.filter((env) => config(env).graph !== undefined);
const ref = (type: string, name: string, attribute = 'id') => `\${${type}.${name}.${attribute}}`;
const dataKey = (json: StackJson) => ref('aws_kms_key', only(json, 'aws_kms_key') && Object.keys(json.resource.aws_kms_key)[0], 'arn');
const graphWith = (env: string, change: (graph: any) => void): StackJson => {
  const changed = structuredClone(environments[env as keyof typeof environments]) as EnvironmentConfig;
  change(changed.graph);
  return readStacks(synthesizeInto({ [env]: changed })).get(`data-${env}`)!;
};

it('the shipped environments exercise the graph: a single server, a three-server cluster, and one without', () => {
  expect(GRAPH_ENVIRONMENTS.map((env) => config(env).graph!.nodes).sort()).toEqual([1, 1, 3]);
  const without = ENVIRONMENT_NAMES.filter((env) => !GRAPH_ENVIRONMENTS.includes(env));
  expect(without.length).toBeGreaterThan(0);
  for (const env of without) {
    for (const type of ['aws_instance', 'aws_ebs_volume', 'aws_ssm_parameter']) expect(resources(stack(`data-${env}`), type)).toEqual([]);
    expect(stack(`data-${env}`).output?.graph_uri).toBeUndefined();
  }
});

describe.each(GRAPH_ENVIRONMENTS)('graph nodes of %s', (env) => {
  const json = () => stack(`data-${env}`);
  const graph = () => config(env).graph!;
  const instances = () => resources(json(), 'aws_instance');
  const volumes = () => resources(json(), 'aws_ebs_volume');
  const graphGroup = () => resources(json(), 'aws_security_group').find(([, g]) => g.name === `groundwork-${env}-graph`)![0];
  /** The first node's address: its network interface's, or (without stable addresses) its instance's. */
  const firstAddress = () =>
    graph().stableAddresses ? ref('aws_network_interface', Object.keys(json().resource.aws_network_interface)[0], 'private_ip') : ref('aws_instance', instances()[0][0], 'private_ip');

  it('runs one instance per node, IMDSv2 only, the root volume encrypted with the data key, replaced when its boot script changes', () => {
    expect(instances()).toHaveLength(graph().nodes);
    for (const [, instance] of instances()) {
      expect(instance.instance_type).toBe(graph().instanceType);
      expect(instance.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 });
      expect(instance.root_block_device).toMatchObject({ encrypted: true, kms_key_id: dataKey(json()) });
      expect(instance.user_data_replace_on_change).toBe(true);
      expect(instance.associate_public_ip_address).toBeUndefined();
      if (graph().stableAddresses) {
        // No address of its own: the network interface's, which outlives the instance.
        expect(instance.subnet_id).toBeUndefined();
        expect(instance.network_interface).toEqual([{ network_interface_id: expect.stringMatching(/^\$\{aws_network_interface\./), device_index: 0 }]);
      } else {
        // An emulator's node (moto keeps a terminated instance's interface attached): its own address, in the node's group.
        expect(instance.network_interface).toBeUndefined();
        expect(instance.vpc_security_group_ids).toEqual([ref('aws_security_group', graphGroup())]);
      }
    }
    expect(resources(json(), 'aws_network_interface')).toHaveLength(graph().stableAddresses ? graph().nodes : 0);
    expect(instances().map(([, instance]) => instance.tags.Name).sort()).toEqual(Array.from({ length: graph().nodes }, (_, i) => `groundwork-${env}-graph-${i + 1}`));
  });

  it('keeps each node\'s data on a gp3 volume of its own, encrypted with the data key, in its zone, kept from destroy in prod', () => {
    expect(volumes()).toHaveLength(graph().nodes);
    const { sizeGiB, iops, throughputMiBps } = graph().dataVolume;
    for (const [name, volume] of volumes()) {
      expect(volume).toMatchObject({ type: 'gp3', size: sizeGiB, iops, throughput: throughputMiBps, encrypted: true, kms_key_id: dataKey(json()) });
      expect(volume.lifecycle.prevent_destroy).toBe(config(env).tier === 'prod');
      // The attachment joins this volume to its node's instance, which names the volume in a tag.
      const [, attachment] = resources(json(), 'aws_volume_attachment').find(([, a]) => a.volume_id === ref('aws_ebs_volume', name))!;
      expect(attachment.stop_instance_before_detaching).toBe(true);
      const instance = json().resource.aws_instance[referencedName(attachment.instance_id)];
      expect(instance.tags['groundwork:data-volume']).toBe(ref('aws_ebs_volume', name));
      // Same zone as the subnet of the node's network interface (or, without one, of the instance).
      const subnetId = instance.network_interface ? json().resource.aws_network_interface[referencedName(instance.network_interface[0].network_interface_id)].subnet_id : instance.subnet_id;
      const subnet = crossStackSource(subnetId).expression;
      expect(subnet).toContain(`private-${volume.availability_zone}`);
    }
    // One node per zone, in zone order.
    expect(volumes().map(([, volume]) => volume.availability_zone)).toEqual(config(env).network.availabilityZones.slice(0, graph().nodes));
  });

  it('admits only the service and the rotation on Bolt (and, in a cluster, the members on Bolt and the cluster ports), nothing on HTTP', () => {
    const [group] = resources(json(), 'aws_security_group').find(([, g]) => g.name === `groundwork-${env}-graph`)!;
    const ingress = resources(json(), 'aws_vpc_security_group_ingress_rule')
      .map(([, rule]) => rule)
      .filter((rule) => referencedName(rule.security_group_id) === group);
    expect(ingress.every((rule) => rule.cidr_ipv4 === undefined && rule.referenced_security_group_id)).toBe(true);
    const { bolt, http } = graph().ports;
    const from = (port: number) => ingress.filter((rule) => rule.from_port === port).map((rule) => rule.referenced_security_group_id);
    const service = from(bolt).find((source: string) => source.startsWith('${data.'))!;
    expect(crossStackSource(service).stack).toBe(`network-${env}`);
    const self = ref('aws_security_group', group);
    const rotation = resources(json(), 'aws_lambda_function').find(([, fn]) => fn.function_name === `groundwork-${env}-graph-password-rotation`)![1];
    expect(from(http)).toEqual([]);
    expect(from(bolt).sort()).toEqual([service, ...rotation.vpc_config.security_group_ids, ...(graph().nodes > 1 ? [self] : [])].sort());
    for (const port of [6000, 7000, 7688]) expect(from(port)).toEqual(graph().nodes > 1 ? [self] : []);
    expect(ingress).toHaveLength(2 + (graph().nodes > 1 ? 4 : 0));
  });

  it('runs as a role that may read its own credentials and write its own metrics, nothing else', () => {
    const [, profile] = resources(json(), 'aws_iam_instance_profile').find(([, p]) => p.name === `groundwork-${env}-graph`)!;
    for (const [, instance] of instances()) expect(instance.iam_instance_profile).toBe(ref('aws_iam_instance_profile', Object.entries(json().resource.aws_iam_instance_profile).find(([, p]) => p === profile)![0], 'name'));
    const [, policy] = resources(json(), 'aws_iam_role_policy').find(([, p]) => p.name === 'instance')!;
    const statements = policyOf(json(), policy.policy);
    const secret = resources(json(), 'aws_secretsmanager_secret').find(([, s]) => s.name === `groundwork/${env}/graph-credentials`)!;
    const secretVersion = resources(json(), 'aws_secretsmanager_secret_version').find(([, v]) => v.secret_id === ref('aws_secretsmanager_secret', secret[0]))!;
    expect(statements).toEqual([
      { sid: 'ReadTheCredentials', actions: ['secretsmanager:GetSecretValue'], resources: [ref('aws_secretsmanager_secret_version', secretVersion[0], 'arn')] },
      { sid: 'DecryptTheCredentials', actions: ['kms:Decrypt'], resources: [dataKey(json())] },
      { sid: 'WriteItsMetrics', actions: ['cloudwatch:PutMetricData'], resources: ['*'], condition: [{ test: 'StringEquals', variable: 'cloudwatch:namespace', values: ['Groundwork/Graph'] }] },
    ]);
    expect(resources(json(), 'aws_iam_role_policy_attachment').filter(([, a]) => a.role.includes('graph_role'))).toEqual([]);
  });

  it('boots the image the SSM parameter names, a parameter Terraform writes once and leaves to the pipeline', () => {
    const [paramName, parameter] = resources(json(), 'aws_ssm_parameter').find(([, p]) => p.name === `/groundwork/${env}/graph/x86_64/image-id`)!;
    expect(parameter).toMatchObject({ type: 'String', data_type: 'aws:ec2:image', lifecycle: { ignore_changes: ['insecure_value'] } });
    // The parameter's value as the plan's refresh reads it: a data source reading it would wait for any change of it until apply.
    for (const [, instance] of instances()) expect(instance.ami).toBe(ref('aws_ssm_parameter', paramName, 'insecure_value'));
  });

  it('builds the image with Image Builder where image.pipeline is on, publishing to that parameter on the schedule', () => {
    const pipelines = resources(json(), 'aws_imagebuilder_image_pipeline');
    if (!graph().image.pipeline) {
      for (const type of ['aws_imagebuilder_image_pipeline', 'aws_imagebuilder_image', 'aws_imagebuilder_component']) expect(resources(json(), type)).toEqual([]);
      // The parameter starts at AWS's Amazon Linux 2023.
      expect(Object.values(json().data!.aws_ssm_parameter).map((p) => p.name)).toContain('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
      return;
    }
    expect(pipelines).toHaveLength(1);
    const [, pipeline] = pipelines[0];
    expect(pipeline.schedule).toEqual({ schedule_expression: graph().image.schedule, pipeline_execution_start_condition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE' });
    const distribution = only(json(), 'aws_imagebuilder_distribution_configuration');
    expect(distribution.distribution[0].ssm_parameter_configuration).toEqual([{ parameter_name: `/groundwork/${env}/graph/x86_64/image-id`, data_type: 'aws:ec2:image' }]);
    expect(only(json(), 'aws_imagebuilder_infrastructure_configuration')).toMatchObject({ terminate_instance_on_failure: true, instance_metadata_options: { http_tokens: 'required' } });
    const recipe = only(json(), 'aws_imagebuilder_image_recipe');
    expect(recipe.block_device_mapping.every((mapping: any) => mapping.ebs.encrypted === 'true')).toBe(true);
    expect(recipe.parent_image).toMatch(/^arn:aws:imagebuilder:[a-z0-9-]+:aws:image\/amazon-linux-2023-x86\/x\.x\.x$/);
    const component = only(json(), 'aws_imagebuilder_component');
    expect(component.data).toContain(`${graph().edition === 'enterprise' ? 'neo4j-enterprise' : 'neo4j'}-${graph().neo4jVersion}`);
    // The first image is built once, at the first apply, and the parameter starts at it.
    const [firstName, first] = resources(json(), 'aws_imagebuilder_image')[0];
    expect(first.lifecycle).toEqual({ ignore_changes: 'all' });
    const [, parameter] = resources(json(), 'aws_ssm_parameter').find(([, p]) => p.name === `/groundwork/${env}/graph/x86_64/image-id`)!;
    expect(parameter.insecure_value).toContain(`aws_imagebuilder_image.${firstName}.output_resources`);
  });

  it('writes Neo4j\'s memory, ports and (in a cluster) every member into the boot script, and tags the configuration\'s digest', () => {
    const { memory, ports, nodes } = graph();
    for (const [, instance] of instances()) {
      const script: string = instance.user_data;
      expect(script).toContain(`server.memory.heap.max_size=${memory.heapGiB}g`);
      expect(script).toMatch(new RegExp(`server\\.memory\\.pagecache\\.size=(${memory.pageCacheGiB}g|${memory.pageCacheGiB * 1024}m)`));
      expect(script).toContain(`server.bolt.listen_address=:${ports.bolt}`);
      // Its own address from the instance metadata (IMDSv2), so the script names no attribute of the instance itself.
      expect(script).toContain('printf \'server.default_advertised_address=%s\\n\' "$address" >> /etc/neo4j/neo4j.conf');
      expect(script).not.toContain('aws_instance.');
      expect(script.split('\n')[1]).toBe(`# groundwork:config-digest ${instance.tags['groundwork:config-digest']}`);
      const endpoints = /^endpoints='(.*)'$/m.exec(script)?.[1];
      if (nodes > 1) expect(endpoints?.split(',')).toEqual(Object.keys(json().resource.aws_network_interface).map((nic) => `${ref('aws_network_interface', nic, 'private_ip')}:6000`));
      else expect(endpoints).toBeUndefined();
      // Terraform templates only its own references; the script's shell variables are plain `$name`.
      expect(script.match(/\$\{[^}]*\}/g)!.every((expression) => /^\$\{(replace\()?(aws_|data\.)/.test(expression))).toBe(true);
    }
    const digest = instances()[0][1].tags['groundwork:config-digest'];
    const heavier = graphWith(env, (g) => (g.memory = { ...g.memory, heapGiB: (g.memory?.heapGiB ?? 4) - 0.5 }));
    expect(Object.values(heavier.resource.aws_instance)[0].tags['groundwork:config-digest']).not.toBe(digest);
    expect(digest).toBe(configurationDigest({ nodes, heapGiB: memory.heapGiB, pageCacheGiB: memory.pageCacheGiB, boltPort: ports.bolt, httpPort: ports.http }));
    // The version is the image's: a new one replaces the nodes with the image that has it, not before.
    const newer = graphWith(env, (g) => (g.neo4jVersion = '2025.10.1'));
    expect(Object.values(newer.resource.aws_instance)[0].tags['groundwork:config-digest']).toBe(digest);
  });

  it('keeps the credentials in Secrets Manager under the data key, rotated every rotation.graphPasswordDays, never in the JSON', () => {
    const [secretName, secret] = resources(json(), 'aws_secretsmanager_secret').find(([, s]) => s.name === `groundwork/${env}/graph-credentials`)!;
    expect(secret.kms_key_id).toBe(dataKey(json()));
    const [versionName, version] = resources(json(), 'aws_secretsmanager_secret_version').find(([, v]) => v.secret_id === ref('aws_secretsmanager_secret', secretName))!;
    expect(version.secret_string).toBeUndefined();
    expect(version.secret_string_wo).toMatch(/^\$\{jsonencode\(\{ "username" = "neo4j", "password" = ephemeral\./);
    const [, rotation] = resources(json(), 'aws_secretsmanager_secret_rotation').find(([, r]) => r.secret_id === ref('aws_secretsmanager_secret_version', versionName, 'arn'))!;
    expect(rotation.rotation_rules).toEqual({ automatically_after_days: config(env).rotation.graphPasswordDays });
    const [, fn] = resources(json(), 'aws_lambda_function').find(([, f]) => f.function_name === `groundwork-${env}-graph-password-rotation`)!;
    expect(fn.environment.variables.NEO4J_URI).toBe(`neo4j://${firstAddress()}:${graph().ports.bolt}`);
  });

  it('gives the service the URI and the credentials by ARN, backs the volumes up and alarms on every node', () => {
    const service = stack(`service-${env}`);
    const [container] = JSON.parse(only(service, 'aws_ecs_task_definition').container_definitions);
    const secrets = Object.fromEntries(container.secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]));
    expect(secrets.NEO4J_PASSWORD).toMatch(/:password::$/);
    expect(crossStackSource(secrets.NEO4J_PASSWORD.replace(/:password::$/, '')).expression).toMatch(/aws_secretsmanager_secret_version\.graph_credentials/);
    expect(container.environment.find((v: { name: string }) => v.name === 'NEO4J_URI')).toBeDefined();

    const selection = resources(stack(`backup-${env}`), 'aws_backup_selection').map(([, s]) => s.resources).flat();
    if (config(env).backup.selectDatabase) {
      expect(selection.filter((arn: string) => crossStackSource(arn).expression.includes('aws_ebs_volume.graph_node'))).toHaveLength(graph().nodes);
    }
    const alarms = resources(stack(`observability-${env}`), 'aws_cloudwatch_metric_alarm').map(([, alarm]) => alarm.alarm_name as string);
    for (let n = 1; n <= graph().nodes; n++) {
      for (const what of ['status-check', 'memory', 'disk']) expect(alarms).toContain(`groundwork-${env}-graph-${n}-${what}`);
    }
  });
});
