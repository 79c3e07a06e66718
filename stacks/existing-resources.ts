import { TerraformResource, type TerraformStack } from 'cdktf';
import { ConfigError } from '../environments/load';
import type { Environment } from '../environments/schema';

/**
 * Marks each resource the environment's `imports` name for import (cdktf's `importFrom`, a Terraform
 * `import` block) with the existing object's id, through the resource's own provider (the DR region's
 * vault imports there). A path that names no resource fails synthesis as invalid config, naming the
 * entry and the stack's resources of that construct's parent, so nothing is written.
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
    const resources = stack.node.findAll().filter((construct): construct is TerraformResource => construct instanceof TerraformResource);
    const resource = resources.find((candidate) => candidate.node.path === entry.resource);
    if (!resource) {
      const parent = entry.resource.slice(0, entry.resource.lastIndexOf('/'));
      const near = resources.map((candidate) => candidate.node.path).filter((path) => path.startsWith(`${parent}/`));
      problems.push(`${env.name}.imports.${index}.resource: no resource ${entry.resource}${near.length > 0 ? ` (under ${parent}: ${near.join(', ')})` : ''}`);
      return;
    }
    resource.importFrom(entry.id, resource.provider);
  });
  if (problems.length > 0) throw new ConfigError(problems);
}
