import { z } from 'zod';
import { ipv4Block, logRetentionDays } from './fields';

/**
 * The application service: a container image from the environment's ECR repository, run on Fargate in
 * the private subnets behind a public Application Load Balancer, scaled on CPU. Rules that relate these
 * fields to each other and to the tier live in `rules.ts`.
 */

/**
 * Variables Groundwork gives every task itself: where the database, cache and graph are, and (as secrets,
 * injected by ARN) how to log in to them. The service stack fills in exactly these names.
 */
export const PLATFORM_VARIABLES = [
  'PORT',
  'DATABASE_HOST',
  'DATABASE_READER_HOST',
  'DATABASE_PORT',
  'DATABASE_NAME',
  'CACHE_HOST',
  'CACHE_READER_HOST',
  'CACHE_PORT',
  'CACHE_TLS',
  'NEO4J_URI',
] as const;
export const PLATFORM_SECRETS = ['DATABASE_USERNAME', 'DATABASE_PASSWORD', 'CACHE_AUTH_TOKEN', 'SECRET_KEY_BASE', 'NEO4J_USERNAME', 'NEO4J_PASSWORD'] as const;
export type PlatformVariable = (typeof PLATFORM_VARIABLES)[number];
export type PlatformSecret = (typeof PLATFORM_SECRETS)[number];
const RESERVED_NAMES: readonly string[] = [...PLATFORM_VARIABLES, ...PLATFORM_SECRETS];
/** Variables the ECS agent gives every task: the role's credentials endpoint and the task metadata. */
const ECS_VARIABLES: readonly string[] = [
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_EXECUTION_ENV',
  'ECS_CONTAINER_METADATA_URI',
  'ECS_CONTAINER_METADATA_URI_V4',
  'ECS_AGENT_URI',
];
/** What one variable adds to the task definition's JSON besides its name and value (`{"name":"","value":""},`). */
const VARIABLE_OVERHEAD_BYTES = 24;
/** The variables' share of ECS's 64 KiB task definition; the container, secrets and settings take the rest. */
const VARIABLES_BUDGET_BYTES = 56 * 1024;

/** Fargate's task sizes: CPU units, and the memory (MiB) each allows. */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

/** ALB security policies that offer TLS 1.2 and newer only. */
export const TLS_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06',
  'ELBSecurityPolicy-TLS13-1-3-2021-06',
  'ELBSecurityPolicy-TLS-1-2-2017-01',
  'ELBSecurityPolicy-TLS-1-2-Ext-2018-06',
  'ELBSecurityPolicy-FS-1-2-2019-08',
  'ELBSecurityPolicy-FS-1-2-Res-2019-08',
  'ELBSecurityPolicy-FS-1-2-Res-2020-10',
] as const;

const percent = z.number().int().min(1).max(100);

const ImageSchema = z.strictObject({
  /**
   * Tag of the image to run from the environment's ECR repository (`service_repository_url` of the
   * service stack). Tags are immutable there, so a tag names one build for good: deploy by changing it.
   */
  tag: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a container image tag: letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"')
    .refine((tag) => tag !== 'latest', 'may not be "latest": tags are immutable, so "latest" could never move; use a release tag or commit SHA'),
  /** How many images the repository keeps; older ones expire. @default 30 */
  keepImages: z.number().int().min(1).max(1000).default(30),
});

const HealthCheckSchema = z.strictObject({
  /** Path the load balancer requests (at most 1024 characters); a task takes traffic only while it answers. @default '/healthz' */
  path: z
    .string()
    .max(1024, 'must be at most 1024 characters, the load balancer\'s limit')
    .regex(/^\/[\w\-./~%!$&'()*+,;=:@]*(\?[\w\-./~%!$&'()*+,;=:@?]*)?$/, 'must be an absolute URL path such as "/healthz", a query string allowed')
    .default('/healthz'),
  /** HTTP codes from 200 to 499 that count as healthy, e.g. "200" or "200-299". @default '200' */
  healthyHttpCodes: z
    .string()
    .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, 'must be HTTP codes such as "200", "200-299" or "200,204"')
    .refine((codes) => (codes.match(/\d{3}/g) ?? []).every((code) => Number(code) >= 200 && Number(code) <= 499), 'must lie between 200 and 499, as the load balancer requires')
    .refine((codes) => !(codes.includes(',') && codes.includes('-')), 'must be a list ("200,204") or one range ("200-299"), not both: the load balancer takes one or the other')
    .default('200'),
  /** Seconds between checks (5 to 300). @default 15 */
  intervalSeconds: z.number().int().min(5).max(300).default(15),
  /** Seconds a check may take (2 to 120), less than the interval. @default 5 */
  timeoutSeconds: z.number().int().min(2).max(120).default(5),
  /** Consecutive passes before a task takes traffic (2 to 10). @default 2 */
  healthyThreshold: z.number().int().min(2).max(10).default(2),
  /** Consecutive failures before a task stops taking traffic (2 to 10). @default 3 */
  unhealthyThreshold: z.number().int().min(2).max(10).default(3),
  /** Seconds a new task may fail checks while it starts, before ECS replaces it. @default 60 */
  gracePeriodSeconds: z.number().int().min(0).max(2147483647).default(60),
});

const LoadBalancerSchema = z.strictObject({
  /**
   * ACM certificate (in the environment's region) for the HTTPS listener; HTTP then only redirects to
   * HTTPS. Without one the load balancer serves plain HTTP, which only tier dev allows.
   * @default - none: plain HTTP
   */
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, 'must be an ACM certificate ARN')
    .optional(),
  /** TLS policy of the HTTPS listener; only policies without TLS 1.0 and 1.1 are offered. @default 'ELBSecurityPolicy-TLS13-1-2-2021-06' */
  tlsPolicy: z.enum(TLS_POLICIES).default('ELBSecurityPolicy-TLS13-1-2-2021-06'),
  /** Address ranges that may reach the load balancer, on ports 80 and 443 only. @default ['0.0.0.0/0'] */
  allowedCidrs: z.array(ipv4Block).min(1).default(['0.0.0.0/0']),
  /** Seconds an idle connection stays open (1 to 4000). @default 60 */
  idleTimeoutSeconds: z.number().int().min(1).max(4000).default(60),
  /** Days access logs are kept in their bucket. @default 90 */
  accessLogRetentionDays: z.number().int().min(1).max(3650).default(90),
  /** Seconds a deregistering task keeps serving requests it has (0 to 3600). @default 30 */
  deregistrationDelaySeconds: z.number().int().min(0).max(3600).default(30),
});

const AutoscalingSchema = z.strictObject({
  /**
   * Scale the service with Application Auto Scaling. Without it the service keeps `desiredCount` tasks;
   * `minTasks` and `maxTasks` still bound that count (and its default), the targets and cooldowns are
   * unused. @default true
   */
  enabled: z.boolean().default(true),
  /** Fewest tasks; tier prod needs at least 2, in different zones. @default 1 */
  minTasks: z.number().int().min(0).max(1000).default(1),
  /** Most tasks. @default 4 */
  maxTasks: z.number().int().min(1).max(1000).default(4),
  /** Average CPU utilization (%) the service is scaled to hold. @default 60 */
  cpuTargetPercent: percent.default(60),
  /** Also scale to hold this average memory utilization (%). @default - CPU only */
  memoryTargetPercent: percent.optional(),
  /** Also scale to hold this many requests per task per minute, counted at the load balancer. @default - CPU only */
  requestsPerTarget: z.number().int().min(1).max(1_000_000).optional(),
  /** Seconds after a scale-in before the next. @default 300 */
  scaleInCooldownSeconds: z.number().int().min(0).max(3600).default(300),
  /** Seconds after a scale-out before the next. @default 60 */
  scaleOutCooldownSeconds: z.number().int().min(0).max(3600).default(60),
});

const DeploymentSchema = z.strictObject({
  /** Share of the desired tasks that must stay healthy during a deployment (0 to 100). @default 100 */
  minimumHealthyPercent: z.number().int().min(0).max(100).default(100),
  /** Share of the desired tasks that may run during a deployment (100 to 200). @default 200 */
  maximumPercent: z.number().int().min(100).max(200).default(200),
});

export const ServiceSchema = z.strictObject({
  image: ImageSchema,
  /** CPU units per task: 256 (¼ vCPU) to 16384 (16 vCPU), a size Fargate offers. @default 256 */
  cpu: z
    .number()
    .int()
    .refine((cpu) => cpu in FARGATE_MEMORY_BY_CPU, `must be a Fargate CPU size: ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')}`)
    .default(256),
  /** Memory per task in MiB, one that Fargate pairs with `cpu`. @default 512 */
  memoryMiB: z.number().int().default(512),
  /** CPU architecture the image is built for. @default 'X86_64' */
  cpuArchitecture: z.enum(['X86_64', 'ARM64']).default('X86_64'),
  /** Port the container listens on; above 1023, because the container runs as a non-root user. @default 8080 */
  containerPort: z.number().int().min(1024).max(65535).default(8080),
  /** User (uid, or uid:gid) the container runs as; never root. @default '10001:10001' */
  user: z
    .string()
    .regex(/^\d+(:\d+)?$/, 'must be a numeric uid or uid:gid, such as "10001:10001"')
    .refine((user) => Number(user.split(':')[0]) !== 0, 'may not be uid 0: the container never runs as root')
    .default('10001:10001'),
  /**
   * Plain environment variables of the container. Never a secret: these are visible in the task
   * definition. Groundwork sets the database and cache variables itself; those names are reserved.
   * @default {}
   */
  environment: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name: letters, digits and "_", not starting with a digit')
        .refine((name) => !RESERVED_NAMES.includes(name), `is set by Groundwork (${RESERVED_NAMES.join(', ')})`)
        .refine((name) => !ECS_VARIABLES.includes(name), `is set by ECS in every task (${ECS_VARIABLES.join(', ')}); overriding it cuts the task off from its role's credentials or its metadata`),
      z.string().max(4096),
    )
    .refine(
      (variables) => Object.entries(variables).reduce((bytes, [name, value]) => bytes + name.length + value.length + VARIABLE_OVERHEAD_BYTES, 0) <= VARIABLES_BUDGET_BYTES,
      `together must stay under ${VARIABLES_BUDGET_BYTES / 1024} KiB: ECS refuses a task definition over 64 KiB, and the rest of it needs room`,
    )
    .default({}),
  /** Tasks to run at creation; autoscaling owns the count afterwards. @default - `autoscaling.minTasks` */
  desiredCount: z.number().int().min(0).max(1000).optional(),
  autoscaling: AutoscalingSchema.prefault({}),
  deployment: DeploymentSchema.prefault({}),
  healthCheck: HealthCheckSchema.prefault({}),
  loadBalancer: LoadBalancerSchema.prefault({}),
  /** Days the container's logs are kept. @default 90 */
  logRetentionDays: logRetentionDays.default(90),
});

export type ServiceConfig = z.output<typeof ServiceSchema>;
