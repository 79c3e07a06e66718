import { generateKeyPairSync } from 'node:crypto';
import { environments } from '../environments';
import { secretProblems, secretScan, secretWordOf } from '../environments/secret-values';
import { changed, expectRejected, type InvalidCase } from './support/rejected';

/**
 * Fake secrets in the real formats. Each is built from pieces, so this file does not itself trip a
 * secret scanner, and none was ever issued. (AWS's documented example key, AKIA + IOSFODNN7EXAMPLE, is not
 * used: secretlint lets it through on purpose, see below.)
 */
const fake = {
  awsAccessKeyId: 'AKIA' + 'Q3EGRIM7XZ5TB2NP',
  awsSessionKeyId: 'ASIA' + 'Y34FZKBOKMUTVV7A',
  githubClassic: 'ghp_' + 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx',
  githubFineGrained: 'github_pat_' + '11AB3DEFG0aBcDeFgHiJkL' + '_' + 'mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ012345678',
  githubServer: 'ghs_' + 'Z8kQ2mN5pR7tV9xB1dF3hJ6lA4sD0gH2jK5m',
  slackBot: 'xoxb-' + '2948123764-5012398456123-' + 'Qm7kP2xR9tL4vN8wB3cH6jD1',
  slackWebhook: 'https://hooks.slack.com/services/' + 'T04Q7MZ2K' + '/B06R3LX8P' + '/Xk7mQ2pL9vR4tN8wB3cH6jD1',
  npm: 'npm_' + 'Xk7mQ2pL9vR4tN8wB3cH6jD1fG5hJ0kZ2sA4',
  gitlab: 'glpat-' + 'Xk7mQ2pL9vR4tN8wB3cH',
  password: 'Tr0ub4dor' + '-Xk7mQ2',
  // Generated here: a real private key, never written anywhere.
  privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

const problemAt = (config: unknown, path: readonly (string | number)[]) => secretProblems(config).filter((problem) => JSON.stringify(problem.path) === JSON.stringify(path));

describe('secretProblems', () => {
  const kinds: [kind: string, value: string, says: string][] = [
    ['an AWS access key id', fake.awsAccessKeyId, 'secretlint @secretlint/secretlint-rule-aws: found AWS Access Key ID'],
    ['an AWS temporary (STS) access key id', fake.awsSessionKeyId, 'found AWS Access Key ID'],
    ['a GitHub personal access token', fake.githubClassic, 'secretlint @secretlint/secretlint-rule-github: found GitHub Token'],
    ['a fine-grained GitHub token', fake.githubFineGrained, 'found GitHub Token'],
    ['a Slack bot token', fake.slackBot, 'secretlint @secretlint/secretlint-rule-slack: found slack token'],
    ['a Slack incoming webhook', fake.slackWebhook, 'found Slack Incoming Webhook'],
    ['an npm access token', fake.npm, 'secretlint @secretlint/secretlint-rule-npm: found npm access token'],
    ['a GitLab token', fake.gitlab, 'found GitLab Personal Access Token'],
    ['a private key block', fake.privateKey, 'secretlint @secretlint/secretlint-rule-privatekey: found private key'],
    ['a token inside a longer text', `use ${fake.githubClassic} to clone`, 'found GitHub Token'],
    ['a PostgreSQL URL with a password', `postgres://app:${fake.password}@db.example.com:5432/app`, 'found PostgreSQL connection string'],
    ['an https URL with user:password@', `https://deploy:${fake.password}@git.example.com/apps.git`, 'a URL with a password (user:password@)'],
    ['a password with characters secretlint does not expect', `https://deploy:p%40ss!${fake.password}@git.example.com/apps.git`, 'a URL with a password'],
    ['a URL of any scheme with a password', `rediss://:${fake.password}@cache.example.com:6379`, 'a URL with a password'],
  ];

  it.each(kinds)('finds %s, names the field and the kind, and never quotes the value', (_kind, value, says) => {
    const problems = secretProblems({ tags: { owner: value } });
    expect(problems.map((problem) => problem.path)).toEqual([['tags', 'owner']]);
    expect(problems[0].message).toContain(says);
    expect(problems[0].message).toContain('keep it in AWS Secrets Manager and inject it by ARN, as Groundwork does with DATABASE_USERNAME, DATABASE_PASSWORD, CACHE_AUTH_TOKEN, SECRET_KEY_BASE, NEO4J_USERNAME, NEO4J_PASSWORD (see docs/secrets.md)');
    expect(JSON.stringify(problems)).not.toContain(value);
  });

  it('gives exact paths through objects and arrays, and one problem per field with every kind it looks like', () => {
    const config = {
      gitops: { repository: { url: `https://x-access-token:${fake.githubServer}@github.com/example/apps.git` } },
      observability: { subscriptions: [{ protocol: 'https', endpoint: 'https://example.com/alarms' }, { protocol: 'https', endpoint: fake.slackWebhook }] },
      service: { environment: { GITHUB_TOKEN: fake.githubClassic } },
    };
    const problems = secretProblems(config);
    expect(problems.map((problem) => problem.path)).toEqual([
      ['gitops', 'repository', 'url'],
      ['observability', 'subscriptions', 1, 'endpoint'],
      ['service', 'environment', 'GITHUB_TOKEN'],
    ]);
    expect(problems[0].message).toMatch(/found GitHub Token.*a URL with a password/);
    expect(problems[2].message).toMatch(/its name says "TOKEN"; secretlint @secretlint\/secretlint-rule-github: found GitHub Token/);
  });

  it('finds a secret used as a field name, and reports it on the object so the path cannot print it', () => {
    const problems = secretProblems({ tags: { [fake.githubClassic]: 'ci' } });
    expect(problems).toEqual([{ path: ['tags'], message: expect.stringContaining('a field name: secretlint @secretlint/secretlint-rule-github: found GitHub Token') }]);
    // A variable named by a token that also says "Token" (a contrived name): its path is redacted too.
    const name = `${fake.slackBot}Token`;
    const nested = secretProblems({ service: { environment: { [name]: 'x' } } });
    expect(JSON.stringify(nested)).not.toContain(fake.slackBot);
    expect(nested.map((problem) => problem.path)).toEqual([['service', 'environment'], ['service', 'environment', '<redacted>']]);
  });

  it('refuses service.environment variables whose names say secret, whatever the value', () => {
    const environment = { DB_PASSWORD: 'x', API_KEY: '', STRIPE_SECRET: 'sk_test', AUTH_TOKEN: 'abc', SECRET_KEY_BASE: 'b', apiKey: 'a', TLS_PRIVATE_KEY: fake.privateKey, LOG_LEVEL: 'info' };
    const problems = secretProblems({ service: { environment } });
    expect(problems.map((problem) => [problem.path[2], problem.message.match(/its name says "(\w+)"/)?.[1]])).toEqual([
      ['DB_PASSWORD', 'PASSWORD'],
      ['API_KEY', 'KEY'],
      ['STRIPE_SECRET', 'SECRET'],
      ['AUTH_TOKEN', 'TOKEN'],
      ['SECRET_KEY_BASE', 'SECRET'],
      ['apiKey', 'Key'.toUpperCase()],
      ['TLS_PRIVATE_KEY', 'KEY'],
    ]);
    expect(problemAt({ service: { environment: { API_KEY: 42 } } }, ['service', 'environment', 'API_KEY'])).toHaveLength(1);
  });

  it('applies the name rule to service.environment only (other records hold no variables)', () => {
    expect(secretProblems({ tags: { password: 'rotated-by-rds' }, service: { secretKey: 'x' } })).toEqual([]);
  });

  it('reads a name as words, so a secret word must stand as a word and not only name metadata about a secret', () => {
    const says = (names: string[]) => Object.fromEntries(names.map((name) => [name, secretWordOf(name)]));
    expect(says(['DB_PASSWORD', 'API_KEY', 'STRIPE_SECRET', 'AUTH_TOKEN', 'SECRET_KEY_BASE', 'dbPassword', 'APIKey', 'API_KEY2', 'SMTP_PASSWD', 'AWS_SECRET_ACCESS_KEY', 'GOOGLE_CREDENTIALS'])).toEqual({
      DB_PASSWORD: 'PASSWORD',
      API_KEY: 'KEY',
      STRIPE_SECRET: 'SECRET',
      AUTH_TOKEN: 'TOKEN',
      SECRET_KEY_BASE: 'SECRET',
      dbPassword: 'PASSWORD',
      APIKey: 'KEY',
      API_KEY2: 'KEY',
      SMTP_PASSWD: 'PASSWD',
      AWS_SECRET_ACCESS_KEY: 'SECRET',
      GOOGLE_CREDENTIALS: 'CREDENTIALS',
    });
    const allowed = ['MONKEY', 'KEYCLOAK_URL', 'TURNKEY_MODE', 'PASSWORDLESS_LOGIN', 'KEY_PREFIX', 'CACHE_KEY_PREFIX', 'KMS_KEY_ID', 'AWS_ACCESS_KEY_ID', 'STRIPE_SECRET_ARN', 'OAUTH_TOKEN_URL', 'PASSWORD_MIN_LENGTH', 'TOKEN_TTL', 'API_KEY_HEADER', 'STRIPE_PUBLISHABLE_KEY', 'VAPID_PUBLIC_KEY', 'PWD', 'LOG_LEVEL'];
    expect(says(allowed)).toEqual(Object.fromEntries(allowed.map((name) => [name, undefined])));
  });

  it('lets through what only looks like a secret', () => {
    const config = {
      accountId: '333333333333',
      tags: { owner: 'platform-team', commit: '9d1e7c4b2a0f8e6d4c2b0a9f8e7d6c5b4a3f2e1d', note: 'AWS_ACCESS_KEY_ID is set by the pipeline' },
      service: { image: { tag: '2026.11.18-9d1e7c4' }, environment: { SENTRY_DSN_HOST: 'o0.ingest.sentry.io', CACHE_KEY_PREFIX: 'gw:' } },
      gitops: { repository: { url: 'ssh://git@github.com/example/apps.git' } },
      // AWS's documented example key: secretlint allows it on purpose, so documentation can quote it.
      example: 'AKIA' + 'IOSFODNN7EXAMPLE',
      // Only the shape of a private key: secretlint skips bodies too short to be a key.
      placeholder: '-----BEGIN ' + 'PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
    };
    expect(secretProblems(config)).toEqual([]);
  });

  it('finds nothing in the shipped environments, prod\'s PagerDuty integration URL included', () => {
    expect(environments.prod.observability?.subscriptions?.[0]?.endpoint).toMatch(/^https:\/\/events\.pagerduty\.com\/integration\//);
    expect(Object.fromEntries(Object.entries(environments).map(([key, config]) => [key, secretProblems(config)]))).toEqual({ dev: [], staging: [], prod: [], local: [] });
  });
});

describe('secretScan(...).redact', () => {
  it('replaces every whole occurrence of what it found, and only that', () => {
    const { redact } = secretScan({ tags: { owner: fake.githubClassic }, service: { environment: { DB_PASSWORD: '1', API_KEY: fake.password } } });
    expect(redact(`"${fake.githubClassic}" is not a zone; ${fake.password}!`)).toBe('"<redacted>" is not a zone; <redacted>!');
    // The one-character password is a whole word only where it stands alone.
    expect(redact('cpu 1024 must be 1 or more (1)')).toBe('cpu 1024 must be <redacted> or more (<redacted>)');
    // A longer secret goes even inside a longer word: that word would print it.
    expect(redact(`x${fake.password}y`)).toBe('x<redacted>y');
    expect(redact('nothing here')).toBe('nothing here');
  });

  it('redacts both a whole value and the secret inside it', () => {
    const url = `https://deploy:${fake.password}@git.example.com/apps.git`;
    const { redact } = secretScan({ gitops: { repository: { url } } });
    expect(redact(`"${url}" and the password ${fake.password} alone`)).toBe('"<redacted>" and the password <redacted> alone');
  });

  it('changes nothing when nothing was found', () => {
    expect(secretScan(environments.prod).redact('"eu-west-1" platform-team')).toBe('"eu-west-1" platform-team');
  });
});

describe('npm run synth refuses a secret in an environment', () => {
  const { prod, staging, dev } = environments;
  const rows: (readonly [...InvalidCase, secret: string])[] = [
    ['an AWS access key id in a tag', 'prod', changed(prod, (c) => (c.tags.owner = fake.awsAccessKeyId)), 'prod.tags.owner', 'found AWS Access Key ID', fake.awsAccessKeyId],
    ['a password in the GitOps repository URL', 'prod', changed(prod, (c) => (c.gitops.repository.url = `https://deploy:${fake.password}@git.example.com/apps.git`)), 'prod.gitops.repository.url', 'a URL with a password (user:password@)', fake.password],
    ['a GitHub token in the GitOps repository URL', 'staging', changed(staging, (c) => (c.gitops.repository.url = `https://x-access-token:${fake.githubServer}@github.com/example/apps.git`)), 'staging.gitops.repository.url', 'found GitHub Token', fake.githubServer],
    ['a plain DB_PASSWORD variable', 'dev', changed(dev, (c) => (c.service.environment.DB_PASSWORD = fake.password)), 'dev.service.environment.DB_PASSWORD', 'its name says "PASSWORD"', fake.password],
    ['a plain API_KEY variable', 'prod', changed(prod, (c) => (c.service.environment.API_KEY = fake.password)), 'prod.service.environment.API_KEY', 'its name says "KEY"', fake.password],
    ['a STRIPE_SECRET variable', 'staging', changed(staging, (c) => (c.service.environment.STRIPE_SECRET = fake.password)), 'staging.service.environment.STRIPE_SECRET', 'its name says "SECRET"', fake.password],
    ['a Slack token under an innocent name', 'prod', changed(prod, (c) => (c.service.environment.SLACK_CHANNEL_BOT = fake.slackBot)), 'prod.service.environment.SLACK_CHANNEL_BOT', 'found slack token', fake.slackBot],
    ['an npm token in a tag', 'dev', changed(dev, (c) => (c.tags.registry = fake.npm)), 'dev.tags.registry', 'found npm access token', fake.npm],
    ['a private key in a variable', 'prod', changed(prod, (c) => (c.service.environment.TLS_KEY_PEM = fake.privateKey)), 'prod.service.environment.TLS_KEY_PEM', 'found private key', fake.privateKey.split('\n')[1]],
    ['a database URL with its password', 'staging', changed(staging, (c) => (c.service.environment.DATABASE_URL = `postgres://app:${fake.password}@db.example.com:5432/app`)), 'staging.service.environment.DATABASE_URL', 'found PostgreSQL connection string', fake.password],
    ['a Slack webhook as an alarm subscription', 'prod', changed(prod, (c) => c.observability.subscriptions.push({ protocol: 'https', endpoint: fake.slackWebhook })), 'prod.observability.subscriptions.1.endpoint', 'found Slack Incoming Webhook', fake.slackWebhook],
  ];

  it.each(rows)('%s', (...row) => {
    const [what, key, config, fieldPath, fragment, secret] = row;
    const outcome = expectRejected([what, key, config, fieldPath, fragment]);
    expect(outcome.problems.find((problem) => problem.startsWith(`${fieldPath}: `))).toContain('keep it in AWS Secrets Manager and inject it by ARN');
    expect(outcome.stdout).not.toContain(secret);
    expect(outcome.stderr).not.toContain(secret);
  });

  it('never prints the secret in another field\'s message that quotes the value', () => {
    // The second subscription's message quotes its endpoint ("subscribes <endpoint> a second time").
    const config = changed(prod, (c) => (c.observability.subscriptions = [{ protocol: 'https', endpoint: fake.slackWebhook }, { protocol: 'https', endpoint: fake.slackWebhook }]));
    const outcome = expectRejected(['a duplicated Slack webhook', 'prod', config, 'prod.observability.subscriptions.1.endpoint', 'subscribes <redacted> a second time'], { alone: false });
    expect(outcome.problems.filter((problem) => problem.includes('found Slack Incoming Webhook')).map((problem) => problem.split(':')[0])).toEqual([
      'prod.observability.subscriptions.0.endpoint',
      'prod.observability.subscriptions.1.endpoint',
    ]);
    expect(outcome.stderr).not.toContain(fake.slackWebhook);
    expect(outcome.stderr).not.toContain(fake.slackWebhook.split('/').pop());
  });

  it('redacts the secret from the registry-name check, which quotes the name', () => {
    const outcome = expectRejected(['a token as the name', 'dev', changed(dev, (c) => (c.name = fake.githubClassic)), 'dev.name', 'found GitHub Token'], { alone: false });
    expect(outcome.problems).toContain('dev.name: is "<redacted>" but the environment is registered as "dev"; they must match so stack names follow the file');
    expect(outcome.stderr).not.toContain(fake.githubClassic);
  });
});
