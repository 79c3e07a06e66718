import { environments, loadEnvironments } from '../environments';
import { crossStackSource, only, referencedName, resources, stack } from './support/synthesized';

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

  it('keeps the API endpoint private', () => {
    expect(only(json(), 'aws_eks_cluster').vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
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

it('is built only where the config asks for EKS', () => {
  expect(() => stack('cluster-dev')).toThrow('no stack cluster-dev');
  expect(() => stack('cluster-local')).toThrow('no stack cluster-local');
});
