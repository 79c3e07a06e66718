import { unzipSync } from 'fflate';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { bundleLambda } from '../lib/lambda-bundle';
import { resources, stack } from './support/synthesized';

/** Loads a deployment package's index.js as Lambda would, resolving the runtime's modules (the AWS SDK) from this project. */
function loadPackage(zip: string): Record<string, unknown> {
  const code = new TextDecoder().decode(unzipSync(fs.readFileSync(zip))['index.js']);
  const module = new Module(zip);
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.resolve(__dirname, '..'));
  (module as unknown as { _compile(code: string, file: string): void })._compile(code, path.join(path.dirname(zip), 'index.js'));
  return module.exports;
}

describe('a function\'s deployment package', () => {
  it.each(['secret-key-base-rotation', 'valkey-auth-token-rotation', 'neo4j-password-rotation', 'redeploy-on-rotation'])('%s holds only index.js, which exports the handler', (name) => {
    const zip = bundleLambda(name);
    expect(Object.keys(unzipSync(fs.readFileSync(zip)))).toEqual(['index.js']);
    expect(typeof loadPackage(zip).handler).toBe('function');
  });

  it('leaves the AWS SDK to the Lambda runtime and bundles the Valkey client', () => {
    const code = new TextDecoder().decode(unzipSync(fs.readFileSync(bundleLambda('valkey-auth-token-rotation')))['index.js']);
    expect(code).toContain('require("@aws-sdk/client-elasticache")');
    expect(code).not.toContain('node_modules/@aws-sdk');
    expect(code).toContain('WRONGPASS');
    expect(new TextDecoder().decode(unzipSync(fs.readFileSync(bundleLambda('redeploy-on-rotation')))['index.js'])).toContain('require("@aws-sdk/client-ecs")');
  });

  it('is the asset the function deploys, named by a hash of its bytes', () => {
    const [, fn] = resources(stack('secrets-prod'), 'aws_lambda_function')[0];
    const bytes = fs.readFileSync(bundleLambda('secret-key-base-rotation'));
    const md5 = createHash('md5').update(bytes).digest('hex').toUpperCase();
    expect(fn.source_code_hash).toBe(md5.slice(0, fn.source_code_hash.length));
    expect(fn.filename).toContain(`/${fn.source_code_hash}/`);
    expect(fn.runtime).toBe('nodejs22.x');
  });
});

describe('a package\'s hash', () => {
  const probe = path.resolve(__dirname, '..', 'lambda', `probe-${process.pid}.ts`);
  afterEach(() => fs.rmSync(probe, { force: true }));

  const bundleFresh = (name: string): Buffer => {
    let zip = '';
    // A fresh module registry: bundleLambda remembers packages for the life of a process.
    jest.isolateModules(() => (zip = require('../lib/lambda-bundle').bundleLambda(name)));
    return fs.readFileSync(zip);
  };

  it('stays the same while the code does, and changes when it changes', () => {
    const name = path.basename(probe, '.ts');
    fs.writeFileSync(probe, 'export const handler = async () => "one";\n');
    const first = bundleFresh(name);
    expect(bundleFresh(name).equals(first)).toBe(true);
    fs.writeFileSync(probe, 'export const handler = async () => "two";\n');
    expect(bundleFresh(name).equals(first)).toBe(false);
  });
});
