import { environments, loadEnvironments } from '../environments';
import { crossStackSource, only, readStacks, referencedName, resources, stack, synthesizeInto } from './support/synthesized';

describe.each(['staging', 'prod'])('cluster-%s', (env) => {
  const json = () => stack(`cluster-${env}`);
  const config = () => {
    const cluster = loadEnvironments({ [env]: environments[env as 'staging' | 'prod'] })[0].gitops!.cluster;
    if (cluster.kind !== 'eks') throw new Error('expected an EKS cluster');
    return cluster;
  };

  it('runs the control plane and the nodes in the private subnets', () => {
    const cluster = only(json(), 'aws_eks_cluster');
    const nodes = only(json(), 'aws_eks_node_group');
    for (const subnets of [cluster.vpc_config.subnet_ids, nodes.subnet_ids]) {
      expect(subnets.map((ref: string) => crossStackSource(ref).expression)).toEqual(expect.arrayContaining([expect.stringMatching(/^\$\{aws_subnet\.vpc_private-/)]));
      expect(subnets).toHaveLength(2 + (env === 'prod' ? 1 : 0));
    }
  });

  it('keeps the API endpoint private, reachable on 443 from inside the VPC only', () => {
    const cluster = only(json(), 'aws_eks_cluster');
    expect(cluster.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    const [apiGroup] = cluster.vpc_config.security_group_ids.map(referencedName);
    const rules = resources(json(), 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => referencedName(r.security_group_id) === apiGroup);
    const vpcCidr = loadEnvironments({ [env]: environments[env as 'staging' | 'prod'] })[0].network.cidr;
    expect(rules).toEqual([expect.objectContaining({ cidr_ipv4: vpcCidr, from_port: 443, to_port: 443, ip_protocol: 'tcp' })]);
  });

  it('lets its nodes, and so its pods, reach the database and the cache (where there is one) on their ports, and nothing else', () => {
    const ingress = resources(json(), 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => r.referenced_security_group_id);
    const hasCache = loadEnvironments({ [env]: environments[env as 'staging' | 'prod'] })[0].cache.enabled;
    expect(ingress.map((r) => [crossStackSource(r.security_group_id).expression.replace(/_[0-9A-F]{8}\.id\}$/, ''), r.from_port]).sort()).toEqual([
      ...(hasCache ? [['${aws_security_group.cache-security-group', 6379]] : []),
      ['${aws_security_group.database-security-group', 5432],
    ]);
    for (const rule of ingress) expect(rule.referenced_security_group_id).toMatch(/^\$\{aws_eks_cluster\.[^.]+\.vpc_config\[0\]\.cluster_security_group_id\}$/);
  });

  it('envelope-encrypts Kubernetes secrets with its own rotating key', () => {
    const { encryption_config: encryption } = only(json(), 'aws_eks_cluster');
    expect(encryption.resources).toEqual(['secrets']);
    expect(referencedName(encryption.provider.key_arn)).toBe(Object.keys(json().resource.aws_kms_key)[0]);
    expect(only(json(), 'aws_kms_key').enable_key_rotation).toBe(true);
    expect(only(json(), 'aws_kms_alias').name).toBe(`alias/groundwork/${env}/eks-secrets`);
  });

  it('logs the control plane to a log group with retention, created before the cluster', () => {
    const cluster = only(json(), 'aws_eks_cluster');
    expect(cluster.enabled_cluster_log_types).toEqual(expect.arrayContaining(['api', 'audit', 'authenticator']));
    const [logName, logs] = resources(json(), 'aws_cloudwatch_log_group')[0];
    expect(logs).toMatchObject({ name: `/aws/eks/groundwork-${env}/cluster`, retention_in_days: config().logRetentionDays });
    expect(cluster.depends_on).toContain(`aws_cloudwatch_log_group.${logName}`);
  });

  it('encrypts the control plane\'s logs with its key, which CloudWatch Logs may use for that log group only', () => {
    const [keyName, key] = resources(json(), 'aws_kms_key')[0];
    const logs = only(json(), 'aws_cloudwatch_log_group');
    expect(logs.kms_key_id).toBe(`\${aws_kms_key.${keyName}.arn}`);
    const environment = loadEnvironments({ [env]: environments[env as 'staging' | 'prod'] })[0];
    const grants = json().data!.aws_iam_policy_document[referencedName(key.policy)].statement.filter((s: any) => s.principals[0].type === 'Service');
    expect(grants).toEqual([
      expect.objectContaining({
        principals: [{ type: 'Service', identifiers: [`logs.${environment.region}.amazonaws.com`] }],
        condition: [{ test: 'ArnLike', variable: 'kms:EncryptionContext:aws:logs:arn', values: [`arn:aws:logs:${environment.region}:${environment.accountId}:log-group:/aws/eks/groundwork-${env}/cluster`] }],
      }),
    ]);
  });

  it('authenticates through access entries and trusts its OIDC issuer for service-account roles', () => {
    expect(only(json(), 'aws_eks_cluster').access_config.authentication_mode).toBe('API');
    const oidc = only(json(), 'aws_iam_openid_connect_provider');
    expect(oidc.client_id_list).toEqual(['sts.amazonaws.com']);
    expect(oidc.url).toMatch(/^\$\{aws_eks_cluster\.[^.]+\.identity\[0\]\.oidc\[0\]\.issuer\}$/);
  });

  it('sizes the node group from config and leaves the count to the autoscaler afterwards', () => {
    const nodes = only(json(), 'aws_eks_node_group');
    const { minSize, maxSize, desiredSize, instanceTypes } = config().nodes;
    expect(nodes.scaling_config).toEqual({ min_size: minSize, max_size: maxSize, desired_size: desiredSize });
    expect(nodes.instance_types).toEqual(instanceTypes);
    expect(nodes.lifecycle.ignore_changes).toEqual(['scaling_config[0].desired_size']);
  });

  it('gives the cluster and the nodes only the AWS-managed policies EKS documents', () => {
    const attached = resources(json(), 'aws_iam_role_policy_attachment').map(([, a]) => a.policy_arn.split('/').pop()).sort();
    expect(attached).toEqual(['AmazonEC2ContainerRegistryReadOnly', 'AmazonEKSClusterPolicy', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy']);
  });
});

it('gives the configured admin roles cluster-admin through access entries', () => {
  const prod = structuredClone(environments.prod) as any;
  prod.gitops.cluster.adminRoleArns = ['arn:aws:iam::333333333333:role/deployer'];
  const json = readStacks(synthesizeInto({ prod })).get('cluster-prod')!;
  expect(only(json, 'aws_eks_access_entry').principal_arn).toBe('arn:aws:iam::333333333333:role/deployer');
  expect(only(json, 'aws_eks_access_policy_association')).toMatchObject({
    policy_arn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
    access_scope: { type: 'cluster' },
  });
});

it('opens only the database to the nodes when the environment has no cache', () => {
  const staging = structuredClone(environments.staging) as any;
  staging.cache = { enabled: false };
  const stacks = readStacks(synthesizeInto({ staging }));
  const json = stacks.get('cluster-staging')!;
  const ingress = resources(json, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => r.referenced_security_group_id);
  // What the cross-stack reference reads in this synthesis's data stack.
  const [, output] = /\.outputs\.([^}]+)\}$/.exec(ingress[0]?.security_group_id ?? '') ?? [];
  expect(ingress.map((r) => r.from_port)).toEqual([5432]);
  expect(String(stacks.get('data-staging')!.output![output].value)).toMatch(/^\$\{aws_security_group\.database-security-group_/);
  expect(JSON.stringify(json)).not.toMatch(/cache-security-group|6379/);
});

it('is built only where the config asks for EKS', () => {
  expect(() => stack('cluster-dev')).toThrow('no stack cluster-dev');
  expect(() => stack('cluster-local')).toThrow('no stack cluster-local');
});
