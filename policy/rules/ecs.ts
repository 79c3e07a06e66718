import { block, blocks, fail, isTrue, pass, type Body, type Outcome, type Resource, type Rule } from '../engine';

/**
 * JSON text from a Terraform string template whose `${...}` interpolations may hold quoted strings
 * (`replace(x, ":a:", ":b:")`), which are not JSON: their quotes and backslashes are escaped, so each
 * interpolation reads as part of a JSON string, whole, as Terraform fills it in with a value.
 */
export function templateAsJson(template: string): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    if (!template.startsWith('${', i)) {
      out += template[i++];
      continue;
    }
    out += '${';
    i += 2;
    let depth = 1;
    let quoted = false;
    while (i < template.length && depth > 0) {
      const c = template[i];
      if (quoted && c === '\\') {
        // An escape inside the expression's string: both characters, each made JSON.
        const next = template[i + 1] ?? '';
        out += '\\\\' + (next === '"' || next === '\\' ? `\\${next}` : next);
        i += 2;
        continue;
      }
      if (c === '"') quoted = !quoted;
      else if (!quoted && c === '{') depth++;
      else if (!quoted && c === '}') depth--;
      out += c === '"' ? '\\"' : c;
      i++;
    }
  }
  return out;
}

/** The containers of a task definition (its `container_definitions` JSON), or undefined if unreadable. */
function containers(taskDefinition: Resource): Body[] | undefined {
  const raw = taskDefinition.body.container_definitions;
  if (typeof raw !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(templateAsJson(raw));
    return Array.isArray(parsed) ? (parsed as Body[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Judges each container of a task definition; the first one that fails names the verdict. */
function eachContainer(taskDefinition: Resource, judge: (container: Body) => string | undefined, field: string): Outcome {
  const list = containers(taskDefinition);
  if (!list) return fail('container_definitions', 'is not container-definition JSON the gate can read');
  for (const container of list) {
    const problem = judge(container);
    if (problem) return fail(`container_definitions[${String(container.name ?? '?')}].${field}`, problem);
  }
  return pass();
}

const ROOT_USER = /^(root|0)(:|$)/;

export const ecsRules: Rule[] = [
  {
    id: 'GW-ECS-01',
    title: 'ECS containers are not privileged',
    checkov: ['CKV_AWS_334'],
    why: 'A privileged container has the host kernel\'s capabilities: a container escape away from the host.',
    subjects: ['aws_ecs_task_definition'],
    check(taskDefinition) {
      return eachContainer(taskDefinition, (c) => (isTrue(c.privileged) ? 'is true' : undefined), 'privileged');
    },
  },
  {
    id: 'GW-ECS-02',
    title: 'ECS containers have a read-only root filesystem',
    checkov: ['CKV_AWS_336'],
    why: 'An attacker who gets code execution cannot plant binaries or change the application in the image.',
    subjects: ['aws_ecs_task_definition'],
    check(taskDefinition) {
      return eachContainer(taskDefinition, (c) => (isTrue(c.readonlyRootFilesystem) ? undefined : 'is not true'), 'readonlyRootFilesystem');
    },
  },
  {
    id: 'GW-ECS-03',
    title: 'ECS containers run as a non-root user',
    checkov: [],
    checkovNote: 'checkov has no check on an ECS container\'s user.',
    why: 'Without `user`, a container runs as whatever its image says, usually root; root in a container is one kernel bug from root on the host.',
    subjects: ['aws_ecs_task_definition'],
    check(taskDefinition) {
      return eachContainer(
        taskDefinition,
        (c) => (typeof c.user !== 'string' || c.user === '' ? 'is not set: the image decides, usually root' : ROOT_USER.test(c.user) ? `is "${c.user}", root` : undefined),
        'user',
      );
    },
  },
  {
    id: 'GW-ECS-04',
    title: 'ECS cluster has Container Insights on',
    checkov: ['CKV_AWS_65'],
    why: 'Per-task CPU, memory and network metrics are what an alarm or an investigation needs; without them only service averages exist.',
    subjects: ['aws_ecs_cluster'],
    check(cluster) {
      const setting = blocks(cluster.body.setting).find((s) => s.name === 'containerInsights');
      return setting && ['enabled', 'enhanced'].includes(String(setting.value)) ? pass() : fail('setting.containerInsights', 'is not "enabled" or "enhanced"');
    },
  },
  {
    id: 'GW-ECS-05',
    title: 'ECS service does not give its tasks public IP addresses',
    checkov: ['CKV_AWS_333'],
    why: 'A task with a public address is reachable from the internet whenever its security group allows, bypassing the load balancer.',
    subjects: ['aws_ecs_service'],
    check(service) {
      return isTrue(block(service.body.network_configuration)?.assign_public_ip) ? fail('network_configuration.assign_public_ip', 'is true') : pass();
    },
  },
];
