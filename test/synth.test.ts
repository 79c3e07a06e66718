import { App } from 'cdktf';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments } from '../environments';
import { runSynth } from '../lib/cli';
import { synthesize, withoutTokenCreationStacks } from '../lib/synthesize';
import { ENVIRONMENT_NAMES, isKubernetesStack, readStacks, resourceCount, shippedStacks, stackNames, synthesizeInto, tempDir } from './support/synthesized';

describe('a full synth', () => {
  it('produces state-, network-, secrets-, data-, service-, backup- and observability-<env> for every environment, cluster- where EKS is asked for, gitops- where GitOps is, the standby\'s four stacks and routing- where failover is', () => {
    expect([...shippedStacks().keys()].sort()).toEqual(stackNames().sort());
    expect(shippedStacks().size).toBe(38);
    expect([...shippedStacks().keys()].filter((name) => /^(standby_|routing-)/.test(name)).sort()).toEqual(['routing-prod', 'standby_data-prod', 'standby_network-prod', 'standby_observability-prod', 'standby_service-prod']);
    expect([...shippedStacks().keys()].filter((name) => /^(cluster|gitops)-/.test(name)).sort()).toEqual(['cluster-prod', 'cluster-staging', 'gitops-dev', 'gitops-prod', 'gitops-staging']);
  });

  it('gives every stack an encrypted, lock-file-locked S3 backend with its own key', () => {
    const keys = new Set<string>();
    for (const [name, json] of shippedStacks()) {
      const [component, env] = name.split(/-(.*)/s);
      const backend = json.terraform.backend!.s3;
      expect(backend).toMatchObject({ use_lockfile: true, encrypt: true, key: `${env}/${component}.tfstate` });
      expect(backend.kms_key_id).toMatch(new RegExp(`^arn:aws:kms:[a-z0-9-]+:\\d{12}:alias/groundwork/${env}/tfstate$`));
      expect(Object.keys(json.terraform.backend!)).toEqual(['s3']);
      keys.add(`${backend.bucket}/${backend.key}`);
    }
    expect(keys.size).toBe(shippedStacks().size);
  });

  it('points each environment\'s backends at the bucket its state stack creates', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const stateStack = shippedStacks().get(`state-${env}`)!;
      // The state stack's own bucket (the other is its replica, which the backends read only when switched).
      const bucket = Object.entries(stateStack.resource.aws_s3_bucket).find(([name]) => name.startsWith('state-bucket_'))![1].bucket;
      for (const component of ['network', 'secrets', 'data']) {
        expect(shippedStacks().get(`${component}-${env}`)!.terraform.backend!.s3.bucket).toBe(bucket);
      }
    }
  });

  it('orders every stack after state, whose bucket holds its state, and data after network and secrets', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(synthesizeInto({ dev: environments.dev }), 'manifest.json'), 'utf8'));
    const dependencies = (name: string) => [...manifest.stacks[name].dependencies].sort();
    expect(dependencies('state-dev')).toEqual([]);
    expect(dependencies('network-dev')).toEqual(['state-dev']);
    expect(dependencies('secrets-dev')).toEqual(['state-dev']);
    expect(dependencies('data-dev')).toEqual(['network-dev', 'secrets-dev', 'state-dev']);
    expect(dependencies('gitops-dev')).toEqual(['data-dev', 'network-dev', 'secrets-dev', 'state-dev']);
    const prod = JSON.parse(fs.readFileSync(path.join(synthesizeInto({ prod: environments.prod }), 'manifest.json'), 'utf8'));
    expect([...prod.stacks['cluster-prod'].dependencies].sort()).toEqual(['data-prod', 'network-prod', 'observability-prod', 'state-prod']);
    expect([...prod.stacks['gitops-prod'].dependencies].sort()).toEqual(['cluster-prod', 'data-prod', 'network-prod', 'observability-prod', 'secrets-prod', 'state-prod']);
  });

  it('is deterministic: two synths are byte-identical', () => {
    const first = synthesizeInto();
    const second = synthesizeInto();
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
    expect(files(second)).toEqual(files(first));
    expect(files(first).length).toBeGreaterThan(ENVIRONMENT_NAMES.length * 2);
    for (const file of files(first)) {
      expect(fs.readFileSync(path.join(second, file)).equals(fs.readFileSync(path.join(first, file)))).toBe(true);
    }
  });

  it('uses no provider but hashicorp/aws 5.100.0 in any AWS stack, only pinned Kubernetes and Helm in gitops, and asks for Terraform 1.11+', () => {
    for (const [name, json] of shippedStacks()) {
      expect((json.terraform as Record<string, unknown>).required_version).toBe('>= 1.11');
      if (isKubernetesStack(name)) {
        expect(json.terraform.required_providers).toEqual({ helm: { source: 'helm', version: '3.1.1' }, kubernetes: { source: 'kubernetes', version: '2.38.0' } });
        expect(Object.keys(json.provider).sort()).toEqual(['helm', 'kubernetes']);
      } else {
        expect(json.terraform.required_providers).toEqual({ aws: { source: 'aws', version: '5.100.0' } });
        expect(Object.keys(json.provider)).toEqual(['aws']);
      }
    }
  });
});

describe('publishing the output', () => {
  it('refuses to replace the directory it runs in, or one holding it (an empty CDKTF_OUTDIR), and touches nothing', () => {
    const cwd = process.cwd();
    const before = fs.readdirSync(cwd).sort();
    for (const outdir of [cwd, '', path.dirname(cwd)]) {
      expect(() => synthesize({ dev: environments.dev }, { outdir })).toThrow(`refusing to synthesize into ${path.resolve(outdir)}`);
    }
    expect(fs.readdirSync(cwd).sort()).toEqual(before);
  });

  it('creates the output directory\'s parents when they do not exist', () => {
    const outdir = path.join(tempDir('nested'), 'a', 'b', 'cdktf.out');
    synthesize({ dev: environments.dev }, { outdir });
    expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(stackNames(['dev']).sort());
  });

  it('leaves the previous output whole when synthesis fails half-way', () => {
    const outdir = synthesizeInto({ dev: environments.dev });
    const before = readStacks(outdir);
    const failing = jest.spyOn(App.prototype, 'synth').mockImplementationOnce(function (this: App) {
      fs.mkdirSync(path.join(this.outdir, 'stacks', 'state-dev'), { recursive: true });
      fs.writeFileSync(path.join(this.outdir, 'stacks', 'state-dev', 'cdk.tf.json'), '{"half":');
      throw new Error('synthesis failed half-way');
    });
    expect(() => synthesize({ dev: environments.dev }, { outdir })).toThrow('synthesis failed half-way');
    failing.mockRestore();
    expect(readStacks(outdir)).toEqual(before);
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['cdktf.out']);
  });

  it('keeps Terraform working files of surviving stacks and drops removed stacks', () => {
    const outdir = synthesizeInto(environments);
    const working = path.join(outdir, 'stacks', 'network-dev', '.terraform');
    fs.mkdirSync(working);
    fs.writeFileSync(path.join(working, 'marker'), 'kept');
    fs.writeFileSync(path.join(outdir, 'stacks', 'network-dev', '.terraform.lock.hcl'), '# lock');
    synthesize({ dev: environments.dev }, { outdir });
    expect(fs.readFileSync(path.join(working, 'marker'), 'utf8')).toBe('kept');
    expect(fs.existsSync(path.join(outdir, 'stacks', 'network-dev', '.terraform.lock.hcl'))).toBe(true);
    expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(stackNames(['dev']).sort());
  });

  it('under the cdktf CLI, leaves removed stacks for the CLI to delete', () => {
    const outdir = synthesizeInto(environments);
    synthesize({ dev: environments.dev }, { outdir, keepOrphanedStacks: true });
    expect(fs.readdirSync(path.join(outdir, 'stacks'))).toContain('network-prod');
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).stacks).sort()).toEqual(stackNames(['dev']).sort());
  });
});

describe('the synth command', () => {
  const captured = () => {
    let stdout = '';
    let stderr = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    return { stdout: () => stdout, stderr: () => stderr };
  };
  afterEach(() => jest.restoreAllMocks());

  it('prints each stack with its resource count', () => {
    const outdir = path.join(tempDir('cli'), 'cdktf.out');
    const output = captured();
    expect(runSynth(environments, outdir)).toBe(0);
    const total = [...readStacks(outdir).values()].reduce((sum, json) => sum + resourceCount(json), 0);
    expect(output.stdout()).toContain(`Synthesized 38 stacks (${total} resources)`);
    const prodRow = output.stdout().split('\n').find((line) => line.startsWith('network-prod '));
    const prodResources = resourceCount(readStacks(outdir).get('network-prod')!);
    expect(prodRow?.trim().split(/\s+/)[1]).toBe(String(prodResources));
  });

  it('exits 1 on invalid config, listing each problem by path, and writes nothing', () => {
    const outdir = path.join(tempDir('cli'), 'cdktf.out');
    const output = captured();
    const broken = { ...environments, prod: { ...environments.prod, network: { ...environments.prod.network, azCount: 1 } } };
    expect(runSynth(broken, outdir)).toBe(1);
    expect(output.stderr()).toContain('  - prod.network.azCount: must be at least 2 for tier prod\n');
    expect(output.stderr()).toContain(`Nothing was written to ${outdir}.`);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('building the app without cdktf\'s token creation traces', () => {
  const traceOfPlainObject = () => {
    const record = { stack: '' };
    Error.captureStackTrace(record);
    return record.stack;
  };

  it('leaves cdktf\'s trace records empty but every error\'s stack whole, and restores the formatter', () => {
    const before = Error.prepareStackTrace;
    const capture = Error.captureStackTrace;
    class Refused extends Error {
      constructor() {
        super('refused');
        Error.captureStackTrace(this, Refused);
      }
    }
    let inside: { record: string; error: string; captured: string } | undefined;
    withoutTokenCreationStacks(() => {
      inside = { record: traceOfPlainObject(), error: new Error('boom').stack!, captured: new Refused().stack! };
    });
    expect(inside!.record).toBe('');
    expect(inside!.error).toMatch(/^Error: boom\n\s+at /);
    expect(inside!.captured).toMatch(/^Error: refused\n\s+at /);
    expect(Error.prepareStackTrace).toBe(before);
    expect(Error.captureStackTrace).toBe(capture);
    expect(traceOfPlainObject()).toMatch(/\bat /);
  });

  it('keeps the traces when GROUNDWORK_TOKEN_STACKS=1', () => {
    process.env.GROUNDWORK_TOKEN_STACKS = '1';
    try {
      let record = '';
      withoutTokenCreationStacks(() => (record = traceOfPlainObject()));
      expect(record).toMatch(/\bat /);
    } finally {
      delete process.env.GROUNDWORK_TOKEN_STACKS;
    }
  });
});

describe('the app bundle', () => {
  /** Runs scripts/build.mjs's bundleIfChanged in a Node process (it is an ES module) and returns whether it built. */
  const bundle = (root: string): boolean => {
    const script = `import { bundleIfChanged } from ${JSON.stringify(path.resolve(__dirname, '..', 'scripts', 'build.mjs'))};
      process.stdout.write(String(await bundleIfChanged({ root: ${JSON.stringify(root)}, entry: 'main.ts', outfile: ${JSON.stringify(path.join(root, 'dist', 'main.js'))} })));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    return result.stdout === 'true';
  };

  it('is rebuilt exactly when a file it was built from changes', () => {
    const root = tempDir('bundle');
    fs.writeFileSync(path.join(root, 'main.ts'), "import { size } from './lib/size';\nconsole.log(size);\n");
    fs.mkdirSync(path.join(root, 'lib'));
    fs.writeFileSync(path.join(root, 'lib', 'size.ts'), 'export const size = 1;\n');
    const output = () => fs.readFileSync(path.join(root, 'dist', 'main.js'), 'utf8');

    expect(bundle(root)).toBe(true);
    expect(output()).toContain('size = 1');
    expect(bundle(root)).toBe(false);
    fs.writeFileSync(path.join(root, 'lib', 'size.ts'), 'export const size = 2;\n');
    expect(bundle(root)).toBe(true);
    expect(output()).toContain('size = 2');
    fs.writeFileSync(path.join(root, 'tsconfig.json'), '{ "compilerOptions": { "strict": true } }\n');
    expect(bundle(root)).toBe(true);
    expect(bundle(root)).toBe(false);
    fs.writeFileSync(path.join(root, 'tsconfig.json'), '{ "compilerOptions": { "strict": false } }\n');
    expect(bundle(root)).toBe(true);
    fs.rmSync(path.join(root, 'dist', 'main.js'));
    expect(bundle(root)).toBe(true);
  });
});
