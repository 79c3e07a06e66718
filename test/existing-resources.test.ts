import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments, loadEnvironments } from '../environments';
import { ConfigError } from '../environments/load';
import { synthesize } from '../lib/synthesize';
import { offlineTerraformEnv, requireTerraform, terraform } from '../operations/terraform-cli';
import { readStacks, synthesizeInto, tempDir, type StackJson } from './support/synthesized';

// `imports` in an environment's config: existing objects a stack adopts at its next apply, as Terraform
// `import` blocks (cdktf's importFrom) that the pull request's diff shows as "to import".

const withImports = (imports: unknown[], name: 'prod' | 'dev' = 'prod') => ({ ...environments, [name]: { ...environments[name], imports } });

/** The resource address (`<type>.<logical id>`) whose metadata path is `constructPath`. */
function addressOf(json: StackJson, constructPath: string): string {
  for (const [type, byName] of Object.entries(json.resource)) {
    for (const [name, resource] of Object.entries(byName)) if (resource['//']?.metadata?.path === constructPath) return `${type}.${name}`;
  }
  throw new Error(`no resource at ${constructPath}`);
}

describe('imports', () => {
  let outdir: string;
  let stacks: Map<string, StackJson>;

  beforeAll(() => {
    outdir = synthesizeInto(
      withImports([
        { resource: 'network-prod/flow-logs/role', id: 'groundwork-prod-vpc-flow-logs' },
        { resource: 'backup-prod/database-backup/dr-vault', id: 'groundwork-prod-dr' },
      ]),
    );
    stacks = readStacks(outdir);
  });

  it('writes an import block for exactly the named resource, with the existing id', () => {
    const network = stacks.get('network-prod')! as StackJson & { import?: unknown[] };
    expect(network.import).toEqual([{ to: addressOf(network, 'network-prod/flow-logs/role'), id: 'groundwork-prod-vpc-flow-logs' }]);
    // The other environments' stacks, and prod's stacks without an entry, import nothing.
    for (const [name, json] of stacks) {
      if (!['network-prod', 'backup-prod'].includes(name)) expect((json as { import?: unknown }).import).toBeUndefined();
    }
  });

  it("imports through the resource's own provider: the DR vault in the DR region", () => {
    const backup = stacks.get('backup-prod')! as StackJson & { import?: unknown[] };
    expect(backup.import).toEqual([{ to: addressOf(backup, 'backup-prod/database-backup/dr-vault'), id: 'groundwork-prod-dr', provider: 'aws.dr' }]);
  });

  it('passes terraform validate with the real provider', async () => {
    requireTerraform();
    const env = offlineTerraformEnv(tempDir('imports-terraform'));
    for (const name of ['network-prod', 'backup-prod']) {
      const cwd = path.join(outdir, 'stacks', name);
      const init = await terraform(['init', '-backend=false', '-input=false'], { cwd, env });
      expect(init.stderr).toBe('');
      const validate = JSON.parse((await terraform(['validate', '-json'], { cwd, env })).stdout);
      expect(validate.diagnostics).toEqual([]);
      expect(validate.valid).toBe(true);
    }
  }, 240_000);

  it('fails synthesis on a path that names no resource, listing its siblings, and writes nothing', () => {
    const target = path.join(tempDir('imports-bad'), 'cdktf.out');
    const attempt = () => synthesize(withImports([{ resource: 'network-prod/flow-logs/rol', id: 'x' }]), { outdir: target });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/prod\.imports\.0\.resource: no resource network-prod\/flow-logs\/rol \(under network-prod\/flow-logs: .*network-prod\/flow-logs\/role/);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  });

  it.each([
    [{ resource: 'network-dev/flow-logs/role', id: 'x' }, 'prod.imports.0.resource: names stack "network-dev", which is not a stack of prod'],
    [{ resource: 'flow-logs-role', id: 'x' }, 'prod.imports.0.resource: must be a resource path'],
    [{ resource: 'network-prod/flow-logs/role', id: ' ' }, 'prod.imports.0.id: must be the import id of the existing object'],
    [{ resource: 'network-prod/flow-logs/role', id: 'x', stack: 'network' }, 'prod.imports.0.stack: is not a known field'],
  ])('rejects %j with its path', (entry, message) => {
    expect(() => loadEnvironments(withImports([entry]))).toThrow(message);
  });

  it('rejects the same resource imported twice', () => {
    const entry = { resource: 'network-prod/flow-logs/role', id: 'groundwork-prod-vpc-flow-logs' };
    expect(() => loadEnvironments(withImports([entry, entry]))).toThrow('prod.imports.1.resource: imports network-prod/flow-logs/role a second time');
  });

  it('defaults to no imports', () => {
    expect(loadEnvironments(environments).map((env) => env.imports)).toEqual([[], [], [], []]);
  });
});
