import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SynthesizedStack } from '../operations/environment-stacks';
import { initStack, type StackContext } from '../operations/stack-operations';
import { offlineTerraformEnv, requireTerraform } from '../operations/terraform-cli';
import { tempDir } from './support/synthesized';

// A plan's cost outside Terraform's own is mostly `terraform init`: it runs only when what it depends on
// (the stack's terraform block, the CLI config) changed, as Terraform itself would need it.

describe('initStack', () => {
  let dir: string;
  let context: StackContext;
  let stack: SynthesizedStack;
  const logFile = () => path.join(context.logDir, `${stack.name}.init.log`);
  const inits = () => (fs.existsSync(logFile()) ? fs.readFileSync(logFile(), 'utf8').match(/^\$ terraform init/gm)?.length ?? 0 : 0);
  const writeStack = (statePath: string) =>
    fs.writeFileSync(
      path.join(stack.dir, 'cdk.tf.json'),
      JSON.stringify({ terraform: { backend: { local: { path: statePath } }, required_providers: { aws: { source: 'hashicorp/aws', version: '5.100.0' } } } }),
    );

  beforeAll(() => {
    requireTerraform();
    dir = tempDir('stack-init');
    stack = { name: 'tiny-test', dir: path.join(dir, 'stacks', 'tiny-test'), dependencies: [] };
    fs.mkdirSync(stack.dir, { recursive: true });
    context = { outdir: dir, env: offlineTerraformEnv(path.join(dir, 'work')), logDir: path.join(dir, 'logs') };
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('inits once, and again only when the backend or the CLI config changes', async () => {
    writeStack('first.tfstate');
    await initStack(stack, context);
    expect(inits()).toBe(1);
    expect(fs.existsSync(path.join(stack.dir, '.terraform.lock.hcl'))).toBe(true);
    await initStack(stack, context);
    expect(inits()).toBe(1);

    // A backend that moved (an emulator on a new port) is a new backend.
    writeStack('second.tfstate');
    await initStack(stack, context);
    expect(inits()).toBe(2);

    context = { ...context, env: { ...context.env, TF_PLUGIN_CACHE_DIR: path.join(dir, 'work', 'other-cache') } };
    fs.mkdirSync(context.env.TF_PLUGIN_CACHE_DIR!, { recursive: true });
    await initStack(stack, context);
    expect(inits()).toBe(3);

    // Without the lock file (a fresh checkout of the directory), it inits whatever the marker says.
    fs.rmSync(path.join(stack.dir, '.terraform.lock.hcl'));
    await initStack(stack, context);
    expect(inits()).toBe(4);
  }, 120_000);

  it('leaves no marker behind a failed init, so the next call tries again', async () => {
    fs.writeFileSync(path.join(stack.dir, 'cdk.tf.json'), JSON.stringify({ terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '0.0.1' } } } }));
    await expect(initStack(stack, context)).rejects.toThrow(/tiny-test: terraform init exited 1/);
    expect(fs.existsSync(path.join(stack.dir, '.terraform', 'groundwork-init'))).toBe(false);
  }, 60_000);
});
