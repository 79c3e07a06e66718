import { block, blocks, fail, isFalse, isSet, isTrue, pass, strings, type Resource, type Rule } from '../engine';
import { WORLD } from './common';

const CONTROL_PLANE_LOGS = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

export const eksRules: Rule[] = [
  {
    id: 'GW-EKS-01',
    title: 'EKS cluster envelope-encrypts Kubernetes secrets with a KMS key',
    checkov: ['CKV_AWS_58'],
    why: 'Kubernetes secrets are otherwise only base64 in etcd; envelope encryption puts them under a key the platform controls.',
    subjects: ['aws_eks_cluster'],
    check(cluster) {
      const config = blocks(cluster.body.encryption_config).find((c) => strings(c.resources).includes('secrets'));
      if (!config) return fail('encryption_config', 'does not encrypt "secrets"');
      return isSet(block(config.provider)?.key_arn) ? pass() : fail('encryption_config.provider.key_arn', 'is not set');
    },
  },
  {
    id: 'GW-EKS-02',
    title: 'EKS API endpoint is private; any public endpoint is limited to listed ranges, and prod has none',
    checkov: ['CKV_AWS_38', 'CKV_AWS_39'],
    checkovNote: 'CKV_AWS_39 wants the public endpoint off everywhere; the gate requires that of prod and lets other tiers open it to listed ranges (never 0.0.0.0/0, CKV_AWS_38).',
    why: 'The Kubernetes API is the cluster\'s control plane: reachable from the internet, it is one leaked credential or API bug away from takeover.',
    subjects: ['aws_eks_cluster'],
    check(cluster, { env }) {
      const vpc = block(cluster.body.vpc_config) ?? {};
      if (!isTrue(vpc.endpoint_private_access)) return fail('vpc_config.endpoint_private_access', 'is not true');
      if (isFalse(vpc.endpoint_public_access)) return pass();
      if (env.tier === 'prod') return fail('vpc_config.endpoint_public_access', 'is not false; prod\'s API endpoint is private only');
      const cidrs = strings(vpc.public_access_cidrs);
      if (cidrs.length === 0 || cidrs.some((cidr) => WORLD.includes(cidr))) {
        return fail('vpc_config.public_access_cidrs', 'leaves the public endpoint open to the internet (0.0.0.0/0, the default)');
      }
      return pass();
    },
  },
  {
    id: 'GW-EKS-03',
    title: 'EKS control plane logs every log type',
    checkov: ['CKV_AWS_37'],
    why: 'The audit and authenticator logs are the record of who did what to the cluster.',
    subjects: ['aws_eks_cluster'],
    check(cluster) {
      const enabled = strings(cluster.body.enabled_cluster_log_types);
      const missing = CONTROL_PLANE_LOGS.filter((type) => !enabled.includes(type));
      return missing.length === 0 ? pass() : fail('enabled_cluster_log_types', `lacks ${missing.join(', ')}`);
    },
  },
  {
    id: 'GW-EKS-04',
    title: "EKS control plane's log group is declared, in the cluster's stack or another, and created before the cluster",
    checkov: [],
    checkovNote: 'checkov does not relate a cluster to the log group EKS writes to.',
    why: 'EKS writes to /aws/eks/<cluster>/cluster; if the platform does not create that log group first (with retention and a KMS key, which GW-LOGS-* check), EKS creates it unencrypted and kept forever.',
    subjects: ['aws_eks_cluster'],
    check(cluster, { graph }) {
      const name = cluster.body.name;
      if (typeof name !== 'string' || name.includes('${')) return fail('name', 'is not a literal, so the gate cannot find the control plane\'s log group');
      const expected = `/aws/eks/${name}/cluster`;
      // What the cluster waits for: `aws_cloudwatch_log_group.x` in its own stack, or, for a log group of another
      // stack, the cross-stack reference cdktf writes (`data.terraform_remote_state.<input>.outputs.<output>`),
      // which the engine follows into the producing stack (that stack is then applied first).
      const dependsOn = strings(cluster.body.depends_on);
      const awaited = dependsOn.map((address) => ({ address, reference: graph.resolve(cluster, `\${${address}}`) }));
      const group = (r: Resource) => r.mode === 'resource' && r.type === 'aws_cloudwatch_log_group';
      if (awaited.some(({ reference }) => reference && group(reference.resource) && reference.resource.body.name === expected)) return pass();
      const unresolved = awaited.filter(({ reference }) => !reference).map(({ address }) => address);
      const declared = graph.all('aws_cloudwatch_log_group').filter((g) => g.body.name === expected);
      if (declared.length === 0) {
        const lost = unresolved.length > 0 ? `; depends_on names ${unresolved.join(', ')}, which ${unresolved.length > 1 ? 'lead' : 'leads'} to no resource of the environment's synthesized stacks` : '';
        return fail('aws_cloudwatch_log_group', `no log group named ${expected} is declared in any stack of the environment${lost}: EKS will create it, unencrypted and kept forever`);
      }
      const own = declared.find((g) => g.stack === cluster.stack);
      if (own) return fail('depends_on', `does not include ${own.address}: EKS may create the log group first`);
      const other = declared[0];
      return fail(
        'depends_on',
        `does not refer to ${other.path}, the log group in stack ${other.stack}: nothing makes that stack apply before ${cluster.stack}, and EKS may create the log group first (depend on it; cdktf writes a cross-stack reference)`,
      );
    },
  },
  {
    id: 'GW-EKS-05',
    title: 'EKS node groups allow no SSH from the internet',
    checkov: ['CKV_AWS_100'],
    why: 'A node group with remote access and no source security groups opens port 22 on every node to 0.0.0.0/0.',
    subjects: ['aws_eks_node_group'],
    check(nodeGroup) {
      const remote = block(nodeGroup.body.remote_access);
      if (!remote) return pass();
      return strings(remote.source_security_group_ids).length > 0 ? pass() : fail('remote_access.source_security_group_ids', 'is empty: SSH is open to 0.0.0.0/0');
    },
  },
];
