import { block, fail, isSet, pass, type Resource, type Rule, type RuleContext } from '../engine';

/** The log group a function writes to: its `logging_config.log_group`, else Lambda's default `/aws/lambda/<name>`. */
function logGroupOf(fn: Resource, { graph }: RuleContext): { name: unknown; group?: Resource } {
  const configured = block(fn.body.logging_config)?.log_group;
  const referenced = graph.resolve(fn, configured)?.resource;
  if (referenced?.type === 'aws_cloudwatch_log_group') return { name: referenced.body.name, group: referenced };
  const name = configured ?? (typeof fn.body.function_name === 'string' ? `/aws/lambda/${fn.body.function_name}` : undefined);
  return { name, group: graph.all('aws_cloudwatch_log_group').find((group) => typeof name === 'string' && group.body.name === name) };
}

/** Runtimes AWS has deprecated (checkov's list for CKV_AWS_363, and its successors'). */
const DEPRECATED_RUNTIMES = new Set([
  'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x',
  'python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9', 'ruby2.5', 'ruby2.7', 'java8', 'go1.x', 'provided',
  'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet5.0', 'dotnet6', 'dotnet7',
]);

export const lambdaRules: Rule[] = [
  {
    id: 'GW-LAMBDA-01',
    title: "A Lambda function's log group is declared and encrypted with a KMS key",
    checkov: [],
    checkovNote: 'checkov judges log groups (CKV_AWS_158) but does not follow a function to the log group it writes to, or notice when there is none.',
    why: 'Without a declared log group, Lambda creates one on first run: unencrypted, kept forever, outside Terraform.',
    subjects: ['aws_lambda_function'],
    check(fn, context) {
      const { name, group } = logGroupOf(fn, context);
      if (!group) return fail('logging_config.log_group', `no log group ${typeof name === 'string' ? name : ''} is declared: Lambda would create it unencrypted, without retention`);
      return isSet(group.body.kms_key_id) ? pass() : fail('logging_config.log_group', `its log group ${group.path} is not encrypted with a KMS key`);
    },
  },
  {
    id: 'GW-LAMBDA-02',
    title: 'Lambda function runs on a runtime AWS still supports',
    checkov: ['CKV_AWS_363'],
    why: 'A deprecated runtime gets no security patches, and AWS eventually refuses to create or update functions on it.',
    subjects: ['aws_lambda_function'],
    check(fn) {
      const runtime = fn.body.runtime;
      if (runtime === undefined) return undefined; // a container image brings its own runtime
      return DEPRECATED_RUNTIMES.has(String(runtime)) ? fail('runtime', `is ${String(runtime)}, which AWS has deprecated`) : pass();
    },
  },
  {
    id: 'GW-LAMBDA-03',
    title: 'Lambda permissions are granted to a principal for one source only',
    checkov: ['CKV_AWS_364', 'CKV_AWS_301'],
    why: 'A service principal without source_arn or source_account lets that service invoke the function for any AWS customer (the confused deputy); `*` makes the function public.',
    subjects: ['aws_lambda_permission'],
    check(permission) {
      const principal = String(permission.body.principal ?? '');
      if (principal === '*') return fail('principal', 'is *: anyone may invoke the function');
      if (!principal.endsWith('.amazonaws.com')) return pass();
      return isSet(permission.body.source_arn) || isSet(permission.body.source_account) ? pass() : fail('source_arn', `is not set, nor source_account: ${principal} may invoke the function on anyone's behalf`);
    },
  },
];
