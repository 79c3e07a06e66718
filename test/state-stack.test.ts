import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments } from '../environments';
import { synthesize } from '../lib/synthesize';
import { ENVIRONMENT_NAMES, policyOf, readStacks, referencedName, resources, shippedOutdir, stack, synthesizeInto, tempDir, type StackJson } from './support/synthesized';

/** The one resource of a type that belongs to a bucket construct (`state-bucket` or `replica-bucket`). */
function ofBucket(json: StackJson, bucket: string, type: string): Record<string, any> {
  const found = resources(json, type).filter(([name]) => name.startsWith(`${bucket}_`));
  if (found.length !== 1) throw new Error(`expected one ${type} of ${bucket}, found ${found.length}`);
  return found[0][1];
}

const BUCKETS = ['state-bucket', 'replica-bucket'];

describe.each(ENVIRONMENT_NAMES.flatMap((env) => BUCKETS.map((bucket) => [env, bucket])))('state-%s, its %s', (env, bucket) => {
  const json = () => stack(`state-${env}`);
  const of = (type: string) => ofBucket(json(), bucket, type);

  it('keeps every state version', () => {
    expect(of('aws_s3_bucket_versioning').versioning_configuration.status).toBe('Enabled');
  });

  it('encrypts state with its own rotating customer key, under the state alias in its own region', () => {
    const sse = of('aws_s3_bucket_server_side_encryption_configuration').rule[0];
    expect(sse.apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
    const keyName = referencedName(sse.apply_server_side_encryption_by_default.kms_master_key_id);
    const key = json().resource.aws_kms_key[keyName];
    expect(key.enable_key_rotation).toBe(true);
    expect(key.rotation_period_in_days).toBe(365);
    const alias = Object.values(json().resource.aws_kms_alias).find((a) => referencedName(a.target_key_id) === keyName)!;
    expect(alias.name).toBe(`alias/groundwork/${env}/tfstate`);
    // The bucket, its key and its alias are made through one provider: the replica's all in the DR region.
    expect(new Set([key.provider, alias.provider, of('aws_s3_bucket').provider])).toEqual(new Set([bucket === 'replica-bucket' ? 'aws.replica' : undefined]));
  });

  it('blocks every kind of public access and disables ACLs', () => {
    expect(of('aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(of('aws_s3_bucket_ownership_controls').rule.object_ownership).toBe('BucketOwnerEnforced');
  });

  it('expires replaced state versions, and the delete markers that releasing each state lock leaves behind', () => {
    const [rule] = of('aws_s3_bucket_lifecycle_configuration').rule;
    expect(rule.status).toBe('Enabled');
    expect(rule.noncurrent_version_expiration[0].noncurrent_days).toBeGreaterThan(0);
    expect(rule.expiration).toEqual([{ expired_object_delete_marker: true }]);
  });
});

describe.each(ENVIRONMENT_NAMES)('state-%s', (env) => {
  const json = () => stack(`state-${env}`);
  const config = environments[env as keyof typeof environments];

  it('stores its own state in its own bucket once bootstrapped', () => {
    const backend = json().terraform.backend!.s3;
    expect(backend.bucket).toBe(ofBucket(json(), 'state-bucket', 'aws_s3_bucket').bucket);
    expect(backend.key).toBe(`${env}/state.tfstate`);
  });

  it('keeps the replica in the DR region', () => {
    const replicaProvider = json().provider.aws.find((provider) => provider.alias === 'replica');
    expect(replicaProvider?.region).toBe(config.drRegion);
    expect(ofBucket(json(), 'replica-bucket', 'aws_s3_bucket').bucket).toBe(`groundwork-${env}-tfstate-${config.accountId}-replica`);
  });

  it('replicates every object, delete markers too, re-encrypted with the replica\'s key', () => {
    const [[, replication]] = resources(json(), 'aws_s3_bucket_replication_configuration');
    expect(replication.bucket).toBe('${aws_s3_bucket.state-bucket_828F7150.bucket}');
    expect(replication.rule).toHaveLength(1);
    const [rule] = replication.rule;
    expect(rule).toMatchObject({ status: 'Enabled', filter: { prefix: '' }, delete_marker_replication: { status: 'Enabled' } });
    expect(rule.source_selection_criteria).toEqual({ sse_kms_encrypted_objects: { status: 'Enabled' } });
    expect(referencedName(rule.destination.bucket)).toBe(referencedName(ofBucket(json(), 'replica-bucket', 'aws_s3_bucket_versioning').bucket));
    const replicaSse = ofBucket(json(), 'replica-bucket', 'aws_s3_bucket_server_side_encryption_configuration').rule[0];
    expect(rule.destination.encryption_configuration.replica_kms_key_id).toBe(replicaSse.apply_server_side_encryption_by_default.kms_master_key_id);
    // S3 refuses the configuration until both buckets are versioned.
    expect(replication.depends_on.filter((dependency: string) => dependency.startsWith('aws_s3_bucket_versioning.'))).toHaveLength(2);
  });

  it('replicates as a role that reads only the source, writes only the replica, and uses each key only through S3 there', () => {
    const [[, role]] = resources(json(), 'aws_iam_role');
    expect(role.name).toBe(`groundwork-${env}-tfstate-replication`);
    const [[, policy]] = resources(json(), 'aws_iam_role_policy');
    const statements = policyOf(json(), policy.policy);
    const bySid = Object.fromEntries(statements.map((statement) => [statement.sid, statement]));
    expect(Object.keys(bySid).sort()).toEqual(['DecryptSourceObjects', 'EncryptReplicas', 'ReadSourceVersions', 'ReadTheReplicationConfiguration', 'WriteReplicas']);
    expect(bySid.WriteReplicas.resources).toEqual(['${aws_s3_bucket.replica-bucket_A0D92AF8.arn}/*']);
    expect(bySid.ReadSourceVersions.resources).toEqual(['${aws_s3_bucket.state-bucket_828F7150.arn}/*']);
    expect(bySid.DecryptSourceObjects.actions).toEqual(['kms:Decrypt']);
    expect(bySid.DecryptSourceObjects.condition).toEqual([{ test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${config.region}.amazonaws.com`] }]);
    expect(bySid.EncryptReplicas.condition).toEqual([{ test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${config.drRegion}.amazonaws.com`] }]);
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
    for (const type of ['aws_s3_bucket', 'aws_kms_key']) {
      expect(resources(json, type).map(([, body]) => body.lifecycle?.prevent_destroy ?? false)).toEqual([expected, expected]);
    }
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
      ['prod', 'staging'].flatMap((env) => ['aws_kms_key', 'aws_s3_bucket'].flatMap((type) => [`state-${env}:${type}`, `state-${env}:${type}`])).sort(),
    );
  });
});

it.each(BUCKETS)('prod keeps a year of state versions in its %s; dev a month', (bucket) => {
  expect(ofBucket(stack('state-prod'), bucket, 'aws_s3_bucket_lifecycle_configuration').rule[0].noncurrent_version_expiration[0].noncurrent_days).toBe(365);
  expect(ofBucket(stack('state-dev'), bucket, 'aws_s3_bucket_lifecycle_configuration').rule[0].noncurrent_version_expiration[0].noncurrent_days).toBe(30);
});

it.each(['dev', 'staging', 'prod'].flatMap((env) => BUCKETS.map((bucket) => [env, bucket])))('state-%s refuses requests to its %s that are not over TLS', (env, bucket) => {
  const json = stack(`state-${env}`);
  const [statement] = policyOf(json, ofBucket(json, bucket, 'aws_s3_bucket_policy').policy);
  expect(statement).toMatchObject({ effect: 'Deny', actions: ['s3:*'] });
  expect(statement.condition).toEqual([{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
  expect(statement.resources).toHaveLength(2);
});

it('local, on the emulator, has no TLS-only policy: moto would deny Terraform every request', () => {
  expect(stack('state-local').resource.aws_s3_bucket_policy).toBeUndefined();
});

describe('the switch to the replica (GROUNDWORK_STATE_FROM_REPLICA), for an outage of the region', () => {
  const backends = (outdir: string) => new Map([...readStacks(outdir)].map(([name, json]) => [name, json.terraform.backend!.s3]));

  it('points every stack of the named environments at the replica, same key, the alias in the replica\'s region; no other', () => {
    const previous = process.env.GROUNDWORK_STATE_FROM_REPLICA;
    process.env.GROUNDWORK_STATE_FROM_REPLICA = ' prod ,staging';
    let outdir: string;
    try {
      outdir = synthesizeInto();
    } finally {
      if (previous === undefined) delete process.env.GROUNDWORK_STATE_FROM_REPLICA;
      else process.env.GROUNDWORK_STATE_FROM_REPLICA = previous;
    }
    const switched = backends(outdir);
    for (const [name, backend] of backends(shippedOutdir())) {
      const env = name.slice(name.indexOf('-') + 1) as keyof typeof environments;
      const config = environments[env];
      if (env !== 'prod' && env !== 'staging') {
        expect(switched.get(name)).toEqual(backend);
        continue;
      }
      expect(switched.get(name)).toEqual({
        ...backend,
        bucket: `${backend.bucket}-replica`,
        region: config.drRegion,
        kms_key_id: `arn:aws:kms:${config.drRegion}:${config.accountId}:alias/groundwork/${env}/tfstate`,
      });
    }
  });

  it('refuses a name that is no environment, and writes nothing', () => {
    const outdir = path.join(tempDir('switch'), 'cdktf.out');
    expect(() => synthesize(environments, { outdir, stateFromReplica: ['prdo'] })).toThrow('GROUNDWORK_STATE_FROM_REPLICA names no environment "prdo"; known: dev, staging, prod, local');
    expect(fs.existsSync(path.dirname(outdir)) && fs.readdirSync(path.dirname(outdir))).toEqual([]);
  });

  it('refuses an environment that keeps no replica', () => {
    const outdir = path.join(tempDir('switch'), 'cdktf.out');
    const local = { ...environments.local, state: { replica: { enabled: false } } };
    expect(() => synthesize({ local }, { outdir, stateFromReplica: ['local'] })).toThrow('local: the state is to be read from its replica, but state.replica.enabled is false');
    expect(fs.readdirSync(path.dirname(outdir))).toEqual([]);
  });
});
