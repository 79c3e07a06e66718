import { environments, loadEnvironments } from '../environments';
import { AWS_SERVICES } from '../stacks/environment-stack';
import { COMPONENTS, ENVIRONMENT_NAMES, readStacks, stack, synthesizeInto } from './support/synthesized';

describe.each(ENVIRONMENT_NAMES)('the AWS provider of %s', (env) => {
  it.each([...COMPONENTS])('in %s tags every resource with environment, component and managed-by', (component) => {
    const [aws] = stack(`${component}-${env}`).provider.aws;
    expect((aws.default_tags as any)[0].tags).toMatchObject({ environment: env, component, 'managed-by': 'groundwork' });
  });

  it('refuses to act on any account but the environment\'s', () => {
    const [aws] = stack(`network-${env}`).provider.aws;
    expect(aws.allowed_account_ids).toHaveLength(1);
    const [config] = loadEnvironments({ [env]: environments[env as keyof typeof environments] });
    expect(aws.allowed_account_ids).toEqual([config.accountId]);
  });
});

it('merges an environment\'s own tags under Groundwork\'s', () => {
  const [aws] = stack('network-prod').provider.aws;
  expect((aws.default_tags as any)[0].tags).toEqual({
    'cost-center': 'platform',
    owner: 'platform-team',
    'data-classification': 'confidential',
    environment: 'prod',
    component: 'network',
    'managed-by': 'groundwork',
  });
});

it('talks to real AWS in dev, staging and prod', () => {
  for (const env of ['dev', 'staging', 'prod']) {
    for (const component of COMPONENTS) {
      const json = stack(`${component}-${env}`);
      expect(json.provider.aws[0].endpoints).toBeUndefined();
      expect(json.terraform.backend!.s3.endpoints).toBeUndefined();
    }
  }
});

describe('local', () => {
  it('points every service the stacks use, and the backend, at the emulator on loopback', () => {
    const json = stack('network-local');
    const [endpoints] = json.provider.aws[0].endpoints as Record<string, string>[];
    expect(Object.keys(endpoints).sort()).toEqual([...AWS_SERVICES].sort());
    expect(new Set(Object.values(endpoints))).toEqual(new Set(['http://127.0.0.1:5000']));
    expect(json.terraform.backend!.s3).toMatchObject({ endpoints: { s3: 'http://127.0.0.1:5000' }, use_path_style: true });
  });

  it('covers the service of every resource type the local stacks create', () => {
    for (const component of COMPONENTS) {
      const json = stack(`${component}-local`);
      const types = [...Object.keys(json.resource), ...Object.keys(json.ephemeral ?? {})];
      for (const type of types) expect(AWS_SERVICES).toContain(serviceOf(type));
    }
  });

  it('takes the emulator URL from AWS_ENDPOINT_URL when it is set', () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    try {
      jest.isolateModules(() => {
        const { local } = require('../environments/local');
        const json = readStacks(synthesizeInto({ local })).get('network-local')!;
        expect(new Set(Object.values((json.provider.aws[0].endpoints as Record<string, string>[])[0]))).toEqual(new Set(['http://127.0.0.1:4566']));
        expect(json.terraform.backend!.s3.endpoints).toMatchObject({ s3: 'http://127.0.0.1:4566' });
      });
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });
});

/** The API a resource type is created through; a new type must be added here, so local keeps covering it. */
function serviceOf(type: string): string {
  const byPrefix: [string, string][] = [
    ['aws_s3_', 's3'],
    ['aws_kms_', 'kms'],
    ['aws_iam_', 'iam'],
    ['aws_cloudwatch_log_', 'logs'],
    ['aws_vpc', 'ec2'],
    ['aws_subnet', 'ec2'],
    ['aws_default_security_group', 'ec2'],
    ['aws_eip', 'ec2'],
    ['aws_nat_gateway', 'ec2'],
    ['aws_internet_gateway', 'ec2'],
    ['aws_route', 'ec2'],
    ['aws_flow_log', 'ec2'],
    ['aws_security_group', 'ec2'],
    ['aws_instance', 'ec2'],
    ['aws_ebs_volume', 'ec2'],
    ['aws_volume_attachment', 'ec2'],
    ['aws_network_interface', 'ec2'],
    ['aws_ssm_', 'ssm'],
    ['aws_secretsmanager_', 'secretsmanager'],
    ['aws_lambda_', 'lambda'],
    ['aws_db_', 'rds'],
    ['aws_rds_', 'rds'],
    ['aws_elasticache_', 'elasticache'],
    ['aws_eks_', 'eks'],
    ['aws_ecr_', 'ecr'],
    ['aws_ecs_', 'ecs'],
    ['aws_lb', 'elbv2'],
    ['aws_appautoscaling_', 'applicationautoscaling'],
    ['aws_cloudwatch_event_', 'events'],
    ['aws_sqs_', 'sqs'],
    ['aws_sns_', 'sns'],
    ['aws_cloudwatch_metric_alarm', 'cloudwatch'],
    ['aws_cloudwatch_dashboard', 'cloudwatch'],
    ['aws_cloudtrail', 'cloudtrail'],
    ['aws_backup_', 'backup'],
    ['aws_prometheus_', 'amp'],
  ];
  const match = byPrefix.find(([prefix]) => type.startsWith(prefix));
  if (!match) throw new Error(`which AWS service creates ${type}? add it to serviceOf`);
  return match[1];
}
