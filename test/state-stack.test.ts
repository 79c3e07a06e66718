import { ENVIRONMENT_NAMES, only, policyOf, referencedName, stack } from './support/synthesized';

describe.each(ENVIRONMENT_NAMES)('state-%s', (env) => {
  const json = () => stack(`state-${env}`);

  it('keeps every state version', () => {
    expect(only(json(), 'aws_s3_bucket_versioning').versioning_configuration.status).toBe('Enabled');
  });

  it('encrypts state with its own rotating customer key', () => {
    const sse = only(json(), 'aws_s3_bucket_server_side_encryption_configuration').rule[0];
    expect(sse.apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
    const keyName = referencedName(sse.apply_server_side_encryption_by_default.kms_master_key_id);
    const key = json().resource.aws_kms_key[keyName];
    expect(key.enable_key_rotation).toBe(true);
    expect(key.rotation_period_in_days).toBe(365);
    expect(only(json(), 'aws_kms_alias').name).toBe(`alias/groundwork/${env}/tfstate`);
  });

  it('blocks every kind of public access and disables ACLs', () => {
    expect(only(json(), 'aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(only(json(), 'aws_s3_bucket_ownership_controls').rule.object_ownership).toBe('BucketOwnerEnforced');
  });

  it('expires replaced state versions', () => {
    const [rule] = only(json(), 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rule.status).toBe('Enabled');
    expect(rule.noncurrent_version_expiration[0].noncurrent_days).toBeGreaterThan(0);
  });

  it('removes the delete markers that releasing each state lock leaves behind', () => {
    const [rule] = only(json(), 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rule.expiration).toEqual([{ expired_object_delete_marker: true }]);
  });

  it('stores its own state in its own bucket once bootstrapped', () => {
    const backend = json().terraform.backend!.s3;
    expect(backend.bucket).toBe(only(json(), 'aws_s3_bucket').bucket);
    expect(backend.key).toBe(`${env}/state.tfstate`);
  });
});

describe('prevent_destroy on the state backend', () => {
  it.each([
    ['dev', false],
    ['local', false],
    ['staging', true],
    ['prod', true],
  ])('in %s is %s for the bucket and the key', (env, expected) => {
    const json = stack(`state-${env}`);
    expect(only(json, 'aws_s3_bucket').lifecycle?.prevent_destroy ?? false).toBe(expected);
    expect(only(json, 'aws_kms_key').lifecycle?.prevent_destroy ?? false).toBe(expected);
  });

  it('is set on nothing else, in no stack', () => {
    const protectedResources = ENVIRONMENT_NAMES.flatMap((env) =>
      ['state', 'network'].flatMap((component) =>
        Object.entries(stack(`${component}-${env}`).resource).flatMap(([type, byName]) =>
          Object.values(byName)
            .filter((body) => body.lifecycle?.prevent_destroy)
            .map(() => `${component}-${env}:${type}`),
        ),
      ),
    );
    expect(protectedResources.sort()).toEqual(
      ['state-prod:aws_kms_key', 'state-prod:aws_s3_bucket', 'state-staging:aws_kms_key', 'state-staging:aws_s3_bucket'].sort(),
    );
  });
});

it('prod keeps a year of state versions; dev a month', () => {
  expect(only(stack('state-prod'), 'aws_s3_bucket_lifecycle_configuration').rule[0].noncurrent_version_expiration[0].noncurrent_days).toBe(365);
  expect(only(stack('state-dev'), 'aws_s3_bucket_lifecycle_configuration').rule[0].noncurrent_version_expiration[0].noncurrent_days).toBe(30);
});

it.each(['dev', 'staging', 'prod'])('state-%s refuses requests that are not over TLS', (env) => {
  const json = stack(`state-${env}`);
  const [statement] = policyOf(json, only(json, 'aws_s3_bucket_policy').policy);
  expect(statement).toMatchObject({ effect: 'Deny', actions: ['s3:*'] });
  expect(statement.condition).toEqual([{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
  expect(statement.resources).toHaveLength(2);
});

it('local, on the emulator, has no TLS-only policy: moto would deny Terraform every request', () => {
  expect(stack('state-local').resource.aws_s3_bucket_policy).toBeUndefined();
});
