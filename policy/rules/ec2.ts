import { block, blocks, fail, isFalse, isSet, isTrue, pass, type Body, type Outcome, type PlatformGraph, type Resource, type Rule } from '../engine';

/** What an EBS volume gets when `encrypted` is true and no key is named. */
const DEFAULT_EBS_KEY = "is not set: the volume is encrypted with the account's default EBS key, the AWS-managed aws/ebs unless someone changed it";

/**
 * The failure of a `kms_key_id`-style field that names no customer-managed key (not set, or an
 * `alias/aws/...` key), or undefined when it names one (of the environment, or a key ARN the gate
 * cannot look into, as GW-SECRETS-01 and GW-BACKUP-01 take it).
 */
function notCustomerKey(graph: PlatformGraph, from: Resource, value: unknown, field: string): Outcome | undefined {
  const key = graph.key(from, value);
  if (!key) return fail(field, DEFAULT_EBS_KEY);
  return key.kind === 'aws-managed' ? fail(field, `is ${key.value}, an AWS-managed key`) : undefined;
}

/** An EBS block (an instance's root or data device, a recipe's mapping, a volume) encrypted with a customer-managed key. */
function encryptedWithCustomerKey(graph: PlatformGraph, from: Resource, device: Body, prefix: string): Outcome | undefined {
  if (!isTrue(device.encrypted)) return fail(`${prefix}encrypted`, 'is not true');
  return notCustomerKey(graph, from, device.kms_key_id, `${prefix}kms_key_id`);
}

/** The Elastic IPs that give an instance, or the network interfaces it is launched with, a public address. */
function elasticIps(instance: Resource, graph: PlatformGraph): { eip: Resource; to: Resource }[] {
  const interfaces = blocks(instance.body.network_interface)
    .map((attachment) => graph.resolve(instance, attachment.network_interface_id)?.resource)
    .filter((eni): eni is Resource => eni?.type === 'aws_network_interface');
  return [
    ...[...graph.referrers(instance, 'aws_eip', 'instance'), ...graph.referrers(instance, 'aws_eip_association', 'instance_id')].map((eip) => ({ eip, to: instance })),
    ...interfaces.flatMap((eni) =>
      [...graph.referrers(eni, 'aws_eip', 'network_interface'), ...graph.referrers(eni, 'aws_eip_association', 'network_interface_id')].map((eip) => ({ eip, to: eni })),
    ),
  ];
}

/** Resource types whose attributes are secrets (`<type>.<attribute>`; `data.` sources alike). */
const SECRET_ATTRIBUTES: Record<string, readonly string[]> = {
  aws_secretsmanager_secret_version: ['secret_string', 'secret_binary'],
  aws_secretsmanager_random_password: ['random_password'],
  random_password: ['result', 'bcrypt_hash'],
  aws_iam_access_key: ['secret', 'ses_smtp_password_v4'],
  aws_rds_cluster: ['master_password'],
  aws_db_instance: ['password'],
  aws_elasticache_replication_group: ['auth_token'],
};

/**
 * Where a value's secret comes from, when the gate can tell: a secret attribute of a resource of the
 * environment, or a SecureString parameter it declares. A data source's `value` is not judged: the gate
 * cannot tell whether the parameter it reads is a SecureString.
 */
function secretSource(parameter: Resource, value: unknown, graph: PlatformGraph): string | undefined {
  for (const { resource, attribute } of graph.referencesIn(parameter, value)) {
    const name = attribute.split(/[.[]/)[0];
    if (SECRET_ATTRIBUTES[resource.type]?.includes(name)) return `${resource.path}'s ${name}`;
    if (resource.mode === 'resource' && resource.type === 'aws_ssm_parameter' && resource.body.type === 'SecureString' && name === 'value') return `the value of SecureString parameter ${resource.path}`;
  }
  return undefined;
}

export const ec2Rules: Rule[] = [
  {
    id: 'GW-EC2-01',
    title: 'EC2 instance requires IMDSv2 (metadata_options.http_tokens "required")',
    checkov: ['CKV_AWS_79'],
    checkovNote: 'CKV_AWS_79 also passes an instance whose metadata endpoint is disabled, whatever its http_tokens; the gate asks for required tokens in any case, so turning the endpoint on later cannot bring IMDSv1 back.',
    why: "With IMDSv1, one server-side request forgery (a URL the application fetches for someone) reads the instance profile's credentials from 169.254.169.254; IMDSv2's session token needs a PUT that such requests cannot make.",
    subjects: ['aws_instance'],
    check(instance) {
      const options = block(instance.body.metadata_options);
      if (!options) return fail('metadata_options', 'is not set: the instance takes IMDSv1 unless its image says otherwise');
      return options.http_tokens === 'required' ? pass() : fail('metadata_options.http_tokens', `is ${options.http_tokens === undefined ? 'not set' : `"${String(options.http_tokens)}"`}; IMDSv2 only needs "required"`);
    },
  },
  {
    id: 'GW-EC2-02',
    title: "EC2 instance's root and EBS block devices are encrypted with a customer-managed KMS key",
    checkov: ['CKV_AWS_8'],
    checkovNote: 'CKV_AWS_8 asks only that the devices be encrypted (and passes one made from a snapshot); the gate asks for a customer-managed key too, as for volumes (GW-EBS-01).',
    why: 'The root volume holds the configuration, logs and anything the software spills to disk; without a root_block_device the instance gets an unencrypted root unless the account encrypts by default, and with the AWS-managed key its snapshots cannot be shared or revoked under the platform\'s key policy.',
    subjects: ['aws_instance'],
    check(instance, { graph }) {
      const root = block(instance.body.root_block_device);
      if (!root) return fail('root_block_device', 'is not set: the root volume is encrypted only if the account encrypts EBS by default');
      const rootOutcome = encryptedWithCustomerKey(graph, instance, root, 'root_block_device.');
      if (rootOutcome) return rootOutcome;
      for (const [i, device] of blocks(instance.body.ebs_block_device).entries()) {
        const outcome = encryptedWithCustomerKey(graph, instance, device, `ebs_block_device[${i}].`);
        if (outcome) return outcome;
      }
      return pass();
    },
  },
  {
    id: 'GW-EC2-03',
    title: 'EC2 instance has no public IP address: none asked for, none from its subnet, no Elastic IP on it or its network interface',
    checkov: ['CKV_AWS_88'],
    checkovNote: "CKV_AWS_88 reads associate_public_ip_address only; the gate also follows the instance to its subnet (map_public_ip_on_launch) and looks for Elastic IPs on the instance or the network interfaces it is launched with. It cannot tell a public subnet from a private one by its routes: a network interface's subnet is not judged (AWS never gives an existing interface an address at launch).",
    why: 'An instance with a public address is reachable from the internet whenever its security group allows; the nodes are reached inside the VPC and administered through SSM Session Manager.',
    subjects: ['aws_instance'],
    check(instance, { graph }) {
      const asked = instance.body.associate_public_ip_address;
      if (isTrue(asked)) return fail('associate_public_ip_address', 'is true');
      const subnet = graph.resolve(instance, instance.body.subnet_id)?.resource;
      if (subnet?.type === 'aws_subnet' && isTrue(subnet.body.map_public_ip_on_launch) && !isFalse(asked)) {
        return fail('associate_public_ip_address', `is not false, and subnet ${subnet.path} gives every instance launched into it a public IP address (map_public_ip_on_launch)`);
      }
      const [found] = elasticIps(instance, graph);
      if (found) return fail(found.eip.type, `${found.eip.path} gives ${found.to === instance ? 'the instance' : `its network interface ${found.to.path}`} a public Elastic IP address`);
      return pass();
    },
  },
  {
    id: 'GW-EC2-04',
    title: 'EC2 instance runs with an instance profile',
    checkov: ['CKV2_AWS_41'],
    why: 'Without a role, software on the instance (the SSM agent, backups, the CloudWatch agent) needs long-lived access keys on disk or in user data, and the instance cannot be reached through Session Manager.',
    subjects: ['aws_instance'],
    check(instance) {
      return isSet(instance.body.iam_instance_profile) ? pass() : fail('iam_instance_profile', 'is not set');
    },
  },
  {
    id: 'GW-EBS-01',
    title: 'EBS volume is encrypted with a customer-managed KMS key',
    checkov: ['CKV_AWS_3', 'CKV_AWS_189'],
    why: 'The data volume holds the database itself; under the platform\'s key, its snapshots and copies need kms:Decrypt on a key whose policy the platform controls, and encryption cannot be added to a live volume.',
    subjects: ['aws_ebs_volume'],
    check(volume, { graph }) {
      return encryptedWithCustomerKey(graph, volume, volume.body, '') ?? pass();
    },
  },
  {
    id: 'GW-EBS-02',
    title: 'Production EBS volumes refuse to be destroyed (lifecycle prevent_destroy)',
    checkov: [],
    checkovNote: 'checkov has no check on Terraform lifecycle settings.',
    why: 'A data volume has no deletion protection of its own: a plan that replaces it (a changed zone, type or snapshot) deletes the data with it. environments/protection.ts has prod refuse any plan that destroys its data, as for the database and its key.',
    subjects: ['aws_ebs_volume'],
    tiers: ['prod'],
    check(volume) {
      return isTrue(block(volume.body.lifecycle)?.prevent_destroy) ? pass() : fail('lifecycle.prevent_destroy', 'is not true');
    },
  },
  {
    id: 'GW-IMAGE-01',
    title: 'Image Builder build instances require IMDSv2 (instance_metadata_options.http_tokens "required")',
    checkov: [],
    checkovNote: 'checkov has no check on Image Builder infrastructure configurations.',
    why: "The build instance runs every component's scripts with an instance profile that can write images; with IMDSv1, one request forgery on it reads that profile's credentials.",
    subjects: ['aws_imagebuilder_infrastructure_configuration'],
    check(infrastructure) {
      const tokens = block(infrastructure.body.instance_metadata_options)?.http_tokens;
      return tokens === 'required' ? pass() : fail('instance_metadata_options.http_tokens', `is ${tokens === undefined ? 'not set' : `"${String(tokens)}"`}; IMDSv2 only needs "required"`);
    },
  },
  {
    id: 'GW-IMAGE-02',
    title: 'Image Builder terminates the build instance when a build fails',
    checkov: [],
    checkovNote: 'checkov has no check on Image Builder infrastructure configurations.',
    why: 'A failed build otherwise leaves its instance running, with its instance profile, half-installed software and no owner: a cost and a foothold nobody watches.',
    subjects: ['aws_imagebuilder_infrastructure_configuration'],
    check(infrastructure) {
      return isTrue(infrastructure.body.terminate_instance_on_failure) ? pass() : fail('terminate_instance_on_failure', 'is not true');
    },
  },
  {
    id: 'GW-IMAGE-03',
    title: "Image recipe's EBS block device mappings are encrypted with a customer-managed KMS key",
    checkov: ['CKV_AWS_200'],
    checkovNote: 'CKV_AWS_200 passes a recipe without EBS mappings; the gate does not, since the image then keeps its parent image\'s unencrypted volumes.',
    why: "The image's snapshots carry everything the build installed and configured; every instance launched from it starts from them, and only the recipe's mapping makes them encrypted under the platform's key.",
    subjects: ['aws_imagebuilder_image_recipe'],
    check(recipe, { graph }) {
      const mappings = blocks(recipe.body.block_device_mapping);
      const ebs = mappings.map((mapping, i) => ({ i, ebs: block(mapping.ebs) })).filter((m) => m.ebs !== undefined);
      if (ebs.length === 0) return fail('block_device_mapping', "has no EBS mapping: the image's volumes are its parent image's, unencrypted");
      for (const { i, ebs: device } of ebs) {
        const outcome = encryptedWithCustomerKey(graph, recipe, device!, `block_device_mapping[${i}].ebs.`);
        if (outcome) return outcome;
      }
      return pass();
    },
  },
  {
    id: 'GW-SSM-01',
    title: 'A String or StringList SSM parameter takes no value from a secret',
    checkov: ['CKV2_AWS_34'],
    checkovNote: 'CKV2_AWS_34 asks every parameter to be a SecureString; the gate asks it only of those holding a secret, since an image id parameter (data_type aws:ec2:image) must be a String.',
    why: 'A plain parameter is stored unencrypted, readable by anyone with ssm:GetParameter and printed in every plan: a password or key copied into one is no longer a secret.',
    subjects: ['aws_ssm_parameter'],
    check(parameter, { graph }) {
      if (parameter.body.type === 'SecureString') return pass();
      for (const field of ['value', 'insecure_value']) {
        const source = secretSource(parameter, parameter.body[field], graph);
        if (source) return fail(field, `takes ${source}, a secret, into a ${String(parameter.body.type ?? 'String')} parameter; make it a SecureString`);
      }
      return pass();
    },
  },
];
