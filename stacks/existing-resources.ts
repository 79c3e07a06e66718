import { TerraformResource, type TerraformStack } from 'cdktf';
import { ConfigError } from '../environments/load';
import type { Environment } from '../environments/schema';

/**
 * Resource types whose import id is a name or an id, never the ARN (the AWS provider's import docs): an ARN
 * there fails the plan. Types imported by ARN (IAM policies, load balancers, topics) are not listed.
 */
const IMPORTED_BY_NAME: Readonly<Record<string, string>> = {
  aws_iam_role: 'name',
  aws_s3_bucket: 'name',
  aws_cloudwatch_log_group: 'name',
  aws_ecr_repository: 'name',
  aws_backup_vault: 'name',
  aws_db_instance: 'identifier',
  aws_rds_cluster: 'identifier',
  aws_elasticache_replication_group: 'id',
  aws_kms_key: 'key id',
  aws_vpc: 'id',
  aws_subnet: 'id',
  aws_security_group: 'id',
  aws_eks_cluster: 'name',
};

/**
 * Marks each resource the environment's `imports` name for import (cdktf's `importFrom`, a Terraform
 * `import` block) with the existing object's id, through the resource's own provider (the DR region's
 * vault imports there). A path that names no resource, or an ARN where the type is imported by name,
 * fails synthesis as invalid config, naming the entry and the stack's resources of that construct's
 * parent, so nothing is written.
 */
export function adoptExistingResources(env: Environment, stacks: readonly (TerraformStack | undefined)[]): void {
  const problems: string[] = [];
  env.imports.forEach((entry, index) => {
    const stackName = entry.resource.slice(0, entry.resource.indexOf('/'));
    const stack = stacks.find((candidate) => candidate?.node.id === stackName);
    if (!stack) {
      problems.push(`${env.name}.imports.${index}.resource: ${env.name} has no stack ${stackName}`);
      return;
    }
    const resources = stack.node.findAll().filter(TerraformResource.isTerraformResource);
    const resource = resources.find((candidate) => candidate.node.path === entry.resource);
    if (!resource) {
      const parent = entry.resource.slice(0, entry.resource.lastIndexOf('/'));
      const near = resources.map((candidate) => candidate.node.path).filter((path) => path.startsWith(`${parent}/`));
      problems.push(`${env.name}.imports.${index}.resource: no resource ${entry.resource}${near.length > 0 ? ` (under ${parent}: ${near.join(', ')})` : ''}`);
      return;
    }
    const byName = IMPORTED_BY_NAME[resource.terraformResourceType];
    if (byName !== undefined && entry.id.startsWith('arn:')) {
      problems.push(`${env.name}.imports.${index}.id: is an ARN, but ${resource.terraformResourceType} is imported by its ${byName}; the plan would find no such object`);
      return;
    }
    resource.importFrom(entry.id, resource.provider);
  });
  if (problems.length > 0) throw new ConfigError(problems);
}
