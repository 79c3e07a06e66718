import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments, loadEnvironments } from '../environments';
import { ENVIRONMENT_NAMES, only, ownOutputs, policyOf, referencedName, resources, shippedOutdir, shippedStacks, stack, stackNames } from './support/synthesized';

const config = (env: string) => loadEnvironments({ [env]: environments[env as keyof typeof environments] })[0];
/**
 * The secrets an environment holds, by name suffix: the Valkey AUTH token only where there is a cache, the
 * database's credentials only with a standby (test/standby-data.test.ts).
 */
const secretSuffixes = (env: string) => [
  ...(config(env).cache.enabled ? ['cache-auth-token'] : []),
  ...(config(env).failover ? ['database-credentials'] : []),
  'secret-key-base',
];

describe.each(ENVIRONMENT_NAMES)('secrets-%s', (env) => {
  const json = () => stack(`secrets-${env}`);
  const hasCache = () => config(env).cache.enabled;
  /** The secret an ARN reference names: GeneratedSecret hands out its first version's ARN, so users wait for the value. */
  const secretOf = (reference: string) => {
    const version = json().resource.aws_secretsmanager_secret_version[referencedName(reference)];
    return referencedName(version.secret_id);
  };
  const secretNamed = (suffix: string) => resources(json(), 'aws_secretsmanager_secret').find(([, s]) => s.name === `groundwork/${env}/${suffix}`)!;

  it('holds the Valkey auth token (where there is a cache) and SECRET_KEY_BASE, each encrypted with its own rotating customer key', () => {
    const [keyName, key] = resources(json(), 'aws_kms_key').find(([name]) => name.startsWith('secrets-key_'))!;
    expect(key.enable_key_rotation).toBe(true);
    expect(key.provider).toBeUndefined();
    expect(resources(json(), 'aws_kms_alias').find(([, alias]) => referencedName(alias.target_key_id) === keyName)![1].name).toBe(`alias/groundwork/${env}/secrets`);
    expect(resources(json(), 'aws_secretsmanager_secret').map(([, s]) => s.name).sort()).toEqual(secretSuffixes(env).map((suffix) => `groundwork/${env}/${suffix}`));
    for (const suffix of secretSuffixes(env)) {
      const [, secret] = secretNamed(suffix);
      expect(referencedName(secret.kms_key_id)).toBe(keyName);
    }
  });

  it('gives each secret a random first value through a write-only argument, never a literal or a stored one', () => {
    const passwords = json().ephemeral!.aws_secretsmanager_random_password;
    for (const [, version] of resources(json(), 'aws_secretsmanager_secret_version')) {
      expect(version.secret_string).toBeUndefined();
      expect(version.secret_string_wo_version).toBe(1);
      // The password alone, or (the database's credentials) inside a JSON object.
      const match = /^\$\{(?:jsonencode\(\{ .* = )?ephemeral\.aws_secretsmanager_random_password\.([^.]+)\.random_password(?: \}\))?\}$/.exec(version.secret_string_wo)!;
      expect(passwords[match[1]]).toBeDefined();
      expect(version.lifecycle.ignore_changes).toEqual(['version_stages']);
    }
    const lengths = Object.values(passwords).map((p) => p.password_length).sort((a, b) => a - b);
    // 64 for the Valkey token, where there is a cache; 40 for the database's password, with a standby; 128 for SECRET_KEY_BASE.
    expect(lengths).toEqual([...(config(env).failover ? [40] : []), ...(hasCache() ? [64] : []), 128]);
    // Letters and digits only where the consumer is strict about punctuation (Valkey) or wants an alphabet (the key base).
    for (const password of Object.values(passwords)) expect(password.exclude_punctuation).toBe(password.password_length !== 40);
    expect(resources(json(), 'aws_secretsmanager_secret_version')).toHaveLength(lengths.length);
  });

  it('rotates SECRET_KEY_BASE every 90 days with its function, which only Secrets Manager may invoke, for this secret', () => {
    const [secretName] = secretNamed('secret-key-base');
    const schedule = only(json(), 'aws_secretsmanager_secret_rotation');
    expect(secretOf(schedule.secret_id)).toBe(secretName);
    expect(schedule.rotation_rules.automatically_after_days).toBe(90);
    expect(schedule.rotate_immediately).toBe(false);
    const fn = only(json(), 'aws_lambda_function');
    expect(referencedName(schedule.rotation_lambda_arn)).toBe(Object.keys(json().resource.aws_lambda_function)[0]);
    expect(fn.vpc_config).toBeUndefined();
    expect(only(json(), 'aws_lambda_permission')).toMatchObject({ principal: 'secretsmanager.amazonaws.com', action: 'lambda:InvokeFunction' });
    expect(secretOf(only(json(), 'aws_lambda_permission').source_arn)).toBe(secretName);
  });

  it('lets the rotation function touch its secret, the key and its logs, nothing else', () => {
    const statements = policyOf(json(), only(json(), 'aws_iam_role_policy').policy);
    const [secretName] = secretNamed('secret-key-base');
    for (const statement of statements) expect(statement.resources).not.toContain('*');
    const resourcesOf = (sid: string) => statements.find((s) => s.sid === sid)!.resources;
    expect(resourcesOf('RotateItsSecret').map(secretOf)).toEqual([secretName]);
    expect(resourcesOf('UseTheSecretsKey').map(referencedName)).toEqual(Object.keys(json().resource.aws_kms_key));
    expect(resourcesOf('WriteItsLogs')[0]).toMatch(new RegExp(`:log-group:/aws/lambda/groundwork-${env}-secret-key-base-rotation:\\*$`));
  });

  it('encrypts the rotation function\'s log group with the secrets key, which CloudWatch Logs may use for that log group only', () => {
    const [keyName, key] = resources(json(), 'aws_kms_key')[0];
    const logGroup = only(json(), 'aws_cloudwatch_log_group');
    expect(logGroup).toMatchObject({ name: `/aws/lambda/groundwork-${env}-secret-key-base-rotation`, kms_key_id: `\${aws_kms_key.${keyName}.arn}` });
    const grants = policyOf(json(), key.policy).filter((s) => s.principals[0].type === 'Service');
    expect(grants).toEqual([
      expect.objectContaining({
        principals: [{ type: 'Service', identifiers: [expect.stringMatching(/^logs\.[a-z0-9-]+\.amazonaws\.com$/)] }],
        condition: [{ test: 'ArnLike', variable: 'kms:EncryptionContext:aws:logs:arn', values: [expect.stringMatching(new RegExp(`^arn:aws:logs:[a-z0-9-]+:\\d{12}:log-group:${logGroup.name}$`))] }],
      }),
    ]);
  });

  it('ships the function\'s code as an asset beside the stack', () => {
    const fn = only(json(), 'aws_lambda_function');
    expect(fn.filename).toMatch(/^assets\/[^/]+\/[0-9A-F]{32}\/secret-key-base-rotation-[0-9a-f]{16}\.zip$/);
    expect(fs.existsSync(path.join(shippedOutdir(), 'stacks', `secrets-${env}`, fn.filename))).toBe(true);
  });

  it('outputs the secret ARNs (the Valkey token\'s where there is a cache) and the key, each described', () => {
    const hasStandby = config(env).failover !== undefined;
    expect(ownOutputs(json()).sort()).toEqual([
      ...(hasCache() ? ['cache_auth_token_secret_arn'] : []),
      ...(hasStandby ? ['database_credentials_secret_arn'] : []),
      'secret_key_base_secret_arn',
      'secrets_key_arn',
      ...(hasStandby ? ['standby_secrets_key_arn'] : []),
    ]);
    for (const name of ownOutputs(json())) expect(json().output![name].description).toBeTruthy();
  });
});

describe('secrets-prod, whose environment has a standby (failover)', () => {
  const json = () => stack('secrets-prod');
  const standbyKeyOf = () => resources(json(), 'aws_kms_key').find(([name]) => name.startsWith('standby-secrets-key_'))!;

  it('replicates SECRET_KEY_BASE to the standby\'s region, under a rotating key there with the same alias', () => {
    const [standbyKeyName, standbyKey] = standbyKeyOf();
    const byName = Object.fromEntries(resources(json(), 'aws_secretsmanager_secret').map(([, secret]) => [secret.name, secret]));
    expect(byName['groundwork/prod/secret-key-base'].replica).toEqual([{ region: 'eu-central-1', kms_key_id: `\${aws_kms_key.${standbyKeyName}.arn}` }]);
    expect(json().provider.aws.find((provider) => provider.alias === 'standby')?.region).toBe('eu-central-1');
    expect(standbyKey).toMatchObject({ provider: 'aws.standby', enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    const alias = resources(json(), 'aws_kms_alias').find(([, a]) => referencedName(a.target_key_id) === standbyKeyName)![1];
    expect(alias).toMatchObject({ provider: 'aws.standby', name: 'alias/groundwork/prod/secrets' });
  });

  it('keeps the cache\'s token to its own region: each region\'s cache is its own', () => {
    const byName = Object.fromEntries(resources(json(), 'aws_secretsmanager_secret').map(([, secret]) => [secret.name, secret]));
    expect(byName['groundwork/prod/cache-auth-token'].replica).toBeUndefined();
  });

  it('lets the rotation function encrypt with the replica\'s key, as Secrets Manager copies each new value as the writer', () => {
    const [standbyKeyName] = standbyKeyOf();
    const statements = policyOf(json(), only(json(), 'aws_iam_role_policy').policy);
    expect(statements.find((statement) => statement.sid === 'UseTheSecretsKey')!.resources.map(referencedName)).toContain(standbyKeyName);
  });
});

it('replicates no secret where an environment has no standby', () => {
  for (const env of ENVIRONMENT_NAMES.filter((name) => !('failover' in environments[name as keyof typeof environments]))) {
    expect(resources(stack(`secrets-${env}`), 'aws_secretsmanager_secret').map(([, secret]) => secret.replica)).toEqual(resources(stack(`secrets-${env}`), 'aws_secretsmanager_secret').map(() => undefined));
  }
});

it('lets prod and staging restore a deleted secret for 30 days, dev for 7, and deletes an emulator environment\'s at once', () => {
  const tierDays = { dev: 7, staging: 30, prod: 30 } as const;
  // An emulator environment is thrown away whole; its secrets must be free to be made again at once.
  const days = (env: string) => (config(env).emulator ? 0 : tierDays[config(env).tier]);
  const windows = Object.fromEntries(
    ENVIRONMENT_NAMES.map((env) => [env, Object.fromEntries(resources(stack(`secrets-${env}`), 'aws_secretsmanager_secret').map(([, s]) => [s.name, s.recovery_window_in_days]))]),
  );
  expect(windows).toEqual(
    Object.fromEntries(ENVIRONMENT_NAMES.map((env) => [env, Object.fromEntries(secretSuffixes(env).map((suffix) => [`groundwork/${env}/${suffix}`, days(env)]))])),
  );
});

describe('secret values', () => {
  /** Every [path, value] of a JSON document. */
  const leaves = (value: unknown, at = ''): [string, unknown][] =>
    value !== null && typeof value === 'object'
      ? Object.entries(value)
          .filter(([k]) => k !== '//') // cdktf's metadata: construct paths, not arguments
          .flatMap(([k, v]) => leaves(v, `${at}.${k}`))
      : [[at, value]];

  it('never appear in any synthesized stack: every secret-bearing argument is a reference', () => {
    const checked = new Map<string, number>();
    for (const [name, json] of shippedStacks()) {
      checked.set(name, 0);
      for (const [at, value] of leaves(json)) {
        const field = at.split('.').pop()!;
        if (/password|secret_string|auth_token|token$/.test(field) && !/manage_master_user_password|_version$|_length$|_id$/.test(field)) {
          checked.set(name, checked.get(name)! + 1);
          // One reference; or the database's credentials, whose only secret part is an ephemeral password.
          const credentials = /^\$\{jsonencode\(\{ ("[a-z]+" = ("[a-z0-9_]+"|\d+), )+"password" = ephemeral\.[\w.-]+ \}\)\}$/;
          expect([name, at, value]).toEqual([name, at, expect.stringMatching(at.endsWith('secret_string_wo') && credentials.test(String(value)) ? credentials : /^\$\{[^}]+\}$/)]);
        }
      }
    }
    // Every stack was read, and each secret-bearing argument was found where it should be: each secret's first
    // value in secrets-<env>, the cache's AUTH token in data-<env> where there is a cache, and the graph's
    // credentials' first value there where there is a graph.
    expect([...checked.keys()].sort()).toEqual(stackNames().sort());
    const expected = Object.fromEntries(stackNames().map((name) => [name, 0]));
    for (const env of ENVIRONMENT_NAMES) {
      expected[`secrets-${env}`] = secretSuffixes(env).length;
      // The cache's token; with a standby, the master password too (written once from the secret).
      expected[`data-${env}`] = (config(env).cache.enabled ? 1 : 0) + (config(env).failover ? 1 : 0) + (config(env).graph ? 1 : 0);
      // The standby's cache: its token's first value, and the cache's use of it.
      if (config(env).failover) expected[`standby_data-${env}`] = config(env).cache.enabled ? 2 : 0;
    }
    expect(Object.fromEntries(checked)).toEqual(expected);
  });

  it('never reach an output', () => {
    for (const [name, json] of shippedStacks()) {
      for (const [output, { value }] of Object.entries(json.output ?? {})) {
        expect([name, output, JSON.stringify(value)]).not.toEqual([name, output, expect.stringMatching(/secret_string|random_password|auth_token|data\.aws_secretsmanager_secret_version/)]);
      }
    }
  });

  it('never reach a snapshot', () => {
    const snapshots = path.join(__dirname, '__snapshots__');
    for (const file of fs.readdirSync(snapshots)) {
      const text = fs.readFileSync(path.join(snapshots, file), 'utf8');
      // Jest writes `${` as `\${` in snapshots.
      expect(text).not.toMatch(/"(master_password|password|secret_string|secret_string_wo|auth_token)": "(?!\\?\$\{)/);
    }
  });
});
