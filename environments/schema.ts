import { z } from 'zod';
import { crossFieldRules } from './rules';
import { CacheSchema, DatabaseSchema, RotationSchema } from './data-schema';
import { awsRegion, logRetentionDays, vpcCidr } from './fields';
import { BackupSchema } from './backup-schema';
import { CATALOG } from './catalog';
import { CATALOG_FIELDS } from './catalog-rules';
import { FailoverSchema } from './failover-schema';
import { GitopsSchema, resolveGitops } from './gitops-schema';
import { GraphSchema } from './graph-schema';
import { ImportsSchema } from './imports-schema';
import { ObservabilitySchema, resolveObservability } from './observability-schema';
import { PolicySchema } from './policy-schema';
import { ServiceSchema } from './service-schema';
import { TIERS } from './tiers';

export type { Tier } from './tiers';

/** Tag keys Groundwork sets on every resource itself; an environment's `tags` may not override them. */
const RESERVED_TAG_KEYS = ['environment', 'component', 'managed-by'] as const;
/**
 * Tag keys Groundwork sets on some resources (`Name`, the subnets' tier and Kubernetes role), in any case:
 * IAM and several other services compare tag keys without case, so `Environment` is `environment` there.
 */
const GROUNDWORK_TAG_KEYS: readonly string[] = [...RESERVED_TAG_KEYS, 'name'];
const GROUNDWORK_TAG_PREFIXES = ['groundwork:', 'kubernetes.io/'];
/** The characters every AWS service accepts in tags (the Tagging API's pattern). */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const dnsName = z
  .string()
  .regex(
    /^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/,
    'must be DNS-safe: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 20 characters',
  )
  // It names RDS and ElastiCache identifiers, which refuse two hyphens in a row.
  .refine((name) => !name.includes('--'), 'may not hold two hyphens in a row: RDS and ElastiCache identifiers made from it refuse them');

const subnetPrefixLength = z.number().int().min(16).max(28);

const tagKey = z
  .string()
  .min(1, 'tag keys may not be empty')
  .max(128, 'tag keys are at most 128 characters')
  .regex(TAG_CHARACTERS, 'tag keys hold only letters, digits, spaces and _ . : / = + - @')
  .refine((key) => !key.toLowerCase().startsWith('aws:'), 'tag keys starting with "aws:" are reserved by AWS')
  .refine(
    (key) => !GROUNDWORK_TAG_KEYS.includes(key.toLowerCase()),
    `is set by Groundwork (${GROUNDWORK_TAG_KEYS.join(', ')}, compared without case, as IAM compares tag keys) and cannot be overridden`,
  )
  .refine((key) => !GROUNDWORK_TAG_PREFIXES.some((prefix) => key.toLowerCase().startsWith(prefix)), `tag keys starting with ${GROUNDWORK_TAG_PREFIXES.join(' or ')} are Groundwork's`);

const tagValue = z.string().max(256, 'tag values are at most 256 characters').regex(TAG_CHARACTERS, 'tag values hold only letters, digits, spaces and _ . : / = + - @');

const NetworkSchema = z.strictObject({
  /**
   * The VPC's IPv4 CIDR block, /16 to /24, in a private range, apart from every other environment's (so
   * peering, Transit Gateway and VPNs can join them). Changing it replaces the VPC.
   */
  cidr: vpcCidr,
  /**
   * Environments whose VPC range this one overlaps on purpose (never to be connected), by name.
   * @default - none: the range overlaps no other environment's
   */
  cidrOverlapAllowedWith: z.array(z.string().min(1)).default([]),
  /** How many availability zones the subnets span: 1 to 6, at least 2 for tier prod. */
  azCount: z.number().int().min(1).max(6),
  /**
   * The availability zones, in order. Pin them when your account lacks some of a region's zones.
   * @default - the region's first `azCount` zones in the catalog (`<region>a`, `<region>b`, ... where it has them)
   */
  availabilityZones: z.array(z.string()).optional(),
  /**
   * NAT gateways: `single` (one, in the first AZ; cheap, but one AZ's outage cuts the others' egress) or
   * `per-az` (one per AZ; required for tier prod).
   */
  natMode: z.enum(['single', 'per-az']),
  /** Subnet sizes. Every tier reserves room for `reservedAzCount` zones so adding a zone never renumbers a subnet. */
  subnets: z
    .strictObject({
      /** Prefix length of each public subnet (load balancers, NAT gateways). @default 24 */
      publicPrefixLength: subnetPrefixLength.default(24),
      /** Prefix length of each private subnet (tasks, nodes; egress through NAT). @default 20 */
      privatePrefixLength: subnetPrefixLength.default(20),
      /** Prefix length of each isolated subnet (databases, caches; no route to the internet). @default 24 */
      isolatedPrefixLength: subnetPrefixLength.default(24),
      /** How many zones' worth of subnets each tier reserves address space for. @default 4 */
      reservedAzCount: z.number().int().min(1).max(6).default(4),
    })
    .prefault({}),
  /** VPC flow logs, delivered to a KMS-encrypted CloudWatch log group. */
  flowLogs: z
    .strictObject({
      /** Days to keep flow log records; one of the values CloudWatch Logs accepts. @default 365 */
      retentionDays: logRetentionDays.default(365),
      /** Which traffic to record. @default 'ALL' */
      trafficType: z.enum(['ALL', 'ACCEPT', 'REJECT']).default('ALL'),
    })
    .prefault({}),
});

/**
 * S3's bucket naming rules beyond the characters (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html);
 * those about periods need no rule, since a state bucket has none.
 */
const S3_NAME_RULES: readonly [(name: string) => boolean, string][] = [
  [(name) => ['xn--', 'sthree-', 'amzn-s3-demo-'].some((prefix) => name.startsWith(prefix)), 'not starting with xn--, sthree- or amzn-s3-demo- (reserved by S3)'],
  [(name) => ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'].some((suffix) => name.endsWith(suffix)), 'not ending with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3 (reserved by S3)'],
];

/** The name of a bucket that holds Terraform state: the state bucket, or its replica. */
const stateBucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens')
  .refine((name) => !name.includes('.'), 'may not contain a period: the S3 backend reaches the bucket by virtual-hosted style over TLS, whose certificate covers no dotted name')
  .superRefine((name, ctx) => {
    const refused = S3_NAME_RULES.find(([test]) => test(name));
    if (refused) ctx.addIssue({ code: 'custom', message: `must be a valid S3 bucket name: ${refused[1]}` });
  });

const StateSchema = z.strictObject({
  /**
   * The S3 bucket that holds every stack's state for this environment. Bucket names are global, so the
   * default includes the account id.
   * @default - `groundwork-<name>-tfstate-<accountId>`
   */
  bucket: stateBucketName.optional(),
  /** Days a replaced state version is kept before S3 expires it. @default 90 */
  noncurrentVersionExpirationDays: z.number().int().min(1).max(3650).default(90),
  /**
   * A live copy of the state bucket in `drRegion`, encrypted with a key there, so the state stays readable
   * when the region is down (see docs/runbooks/region-outage.md for the switch that reads it).
   * @default - see each field
   */
  replica: z
    .strictObject({
      /** Replicate the state bucket. Only an emulator environment may turn it off. @default true */
      enabled: z.boolean().default(true),
      /** The replica bucket's name, globally unique. @default - `<bucket>-replica` */
      bucket: stateBucketName.optional(),
    })
    .prefault({}),
});

const BucketsSchema = z.strictObject({
  /**
   * Every S3 bucket Groundwork makes (state, load balancer logs) denies requests not over TLS. Only an
   * emulator environment may turn it off (moto treats any conditional Deny as unconditional; see the
   * README's emulator gaps).
   * @default true
   */
  tlsOnlyPolicy: z.boolean().default(true),
});

const KmsSchema = z.strictObject({
  /** Days between automatic rotations of every customer-managed key (AWS allows 90 to 2560). @default 365 */
  rotationPeriodDays: z.number().int().min(90).max(2560).default(365),
  /** Days a deleted key waits before it is gone for good (AWS allows 7 to 30). @default 30 */
  deletionWindowDays: z.number().int().min(7).max(30).default(30),
});

const EmulatorSchema = z.strictObject({
  /** Base URL of the AWS API emulator (moto or LocalStack) every AWS endpoint points at. */
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "http://127.0.0.1:5000"' }),
});

const EnvironmentObject = z.strictObject({
  /** DNS-safe name; stacks are named `<component>-<name>`. Must match the file's key in the registry. */
  name: dnsName,
  /** `dev`, `staging` or `prod`: decides protections and several defaults. */
  tier: z.enum(TIERS),
  /** The 12-digit AWS account the environment lives in; the provider refuses to touch any other. */
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  /** Primary AWS region. */
  region: awsRegion,
  /** Disaster-recovery region for cross-region copies; must differ from `region`. */
  drRegion: awsRegion,
  /**
   * Extra tags on every resource, merged under Groundwork's own. AWS allows 50 tags on a resource and
   * Groundwork sets up to 6, so at most 44. @default {}
   */
  tags: z.record(tagKey, tagValue).default({}),
  network: NetworkSchema,
  /** The Terraform state backend of this environment, in its `region`. @default - see each field */
  state: StateSchema.prefault({}),
  /** What every S3 bucket of the environment shares. @default - see each field */
  buckets: BucketsSchema.prefault({}),
  /** Customer-managed KMS keys. @default - see each field */
  kms: KmsSchema.prefault({}),
  /** The PostgreSQL database: Aurora Serverless v2 or a plain RDS instance. */
  database: DatabaseSchema,
  /** The Valkey cache. @default - see each field */
  cache: CacheSchema.prefault({}),
  /** How often each secret rotates. @default - see each field */
  rotation: RotationSchema.prefault({}),
  /** The application: its image, size, load balancer and scaling. */
  service: ServiceSchema,
  /** AWS Backup of the database, copied to `drRegion`. @default - see each field */
  backup: BackupSchema.prefault({}),
  /**
   * Neo4j on EC2 nodes beside the database, in the data stack, from a golden image.
   * @default - none: no graph nodes
   */
  graph: GraphSchema.optional(),
  /** Alarms, their subscribers, the dashboard and the audit trail. @default - see each field */
  observability: ObservabilitySchema.prefault({}),
  /** Waivers of the policy gate's rules. @default - none */
  policy: PolicySchema.prefault({}),
  /** Existing resources the stacks adopt at their next apply instead of creating them. @default - none */
  imports: ImportsSchema,
  /** A standby in a second region. @default - none: no `standby_` stack */
  failover: FailoverSchema.optional(),
  /** The cluster and ArgoCD that deliver applications. @default - none: no `cluster-` or `gitops-` stack */
  gitops: GitopsSchema.optional(),
  /**
   * Point every AWS endpoint at an emulator instead of AWS (the `local` environment).
   * @default - real AWS
   */
  emulator: EmulatorSchema.optional(),
  /**
   * Values AWS offers that the catalog (`environments/catalog.ts`) does not list yet, allowed here so the
   * catalog never blocks a deploy: each names the field (as `catalog-rules.ts` lists them) and the exact
   * value, and fails once the value is in the catalog or the field no longer holds it.
   * @default - none
   */
  catalogExceptions: z
    .array(
      z.strictObject({
        /** The field whose value the catalog does not list, e.g. `database.engineVersion`. */
        field: z.enum(CATALOG_FIELDS),
        /** The value AWS offers and the catalog lacks, exactly as the field holds it. */
        value: z.string().min(1),
      }),
    )
    .default([]),
  /**
   * Why an environment whose name says prod or staging runs a weaker tier (a `prod-eu` of tier dev):
   * without it such a name is refused, since the tier decides every protection.
   * @default - none: the tier must be at least the one the name says
   */
  weakerTierReason: z.string().min(20, 'must explain the weaker tier in at least 20 characters').optional(),
});

/**
 * One environment's configuration: the tfvars of Groundwork. Field-level rules live on the fields;
 * rules that relate several fields live in `rules.ts` and run even when unrelated fields are invalid,
 * so a user sees every problem at once.
 */
export const EnvironmentSchema = EnvironmentObject.superRefine(
  (env, ctx) => {
    // An unknown key is reported on its parent object but leaves the parent's known fields valid.
    const invalid = ctx.issues.filter((issue) => issue.code !== 'unrecognized_keys').map((issue) => (issue.path ?? []).map(String).join('.'));
    for (const rule of crossFieldRules) {
      // A rule that reads an invalid field would only repeat that field's problem, or misjudge it.
      if (rule.reads.some((path) => invalid.some((bad) => overlaps(bad, path)))) continue;
      for (const problem of rule.check(env)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }
  },
  // Run even when other fields failed (zod skips refinements after type errors by default).
  { when: () => true },
).transform((env) => ({
  ...env,
  state: resolveState(env),
  failover: env.failover && {
    ...env.failover,
    region: env.failover.region ?? env.drRegion,
    network: { cidr: env.failover.network.cidr, availabilityZones: defaultAvailabilityZones(env.failover.region ?? env.drRegion, env.network.azCount) },
    // A pilot light runs nothing until a failover starts it.
    standbyTasks: env.failover.mode === 'warm-standby' ? (env.failover.standbyTasks ?? 1) : 0,
  },
  /** Which copy of the environment the stacks build: the primary; `standbyOf` gives the standby's. */
  site: 'primary' as Site,
  network: {
    ...env.network,
    availabilityZones: env.network.availabilityZones ?? defaultAvailabilityZones(env.region, env.network.azCount),
  },
  database: env.database.engine === 'postgres' ? { ...env.database, multiAz: env.database.multiAz ?? env.tier === 'prod' } : env.database,
  service: { ...env.service, desiredCount: env.service.desiredCount ?? env.service.autoscaling.minTasks },
  gitops: env.gitops && resolveGitops(env.gitops, env.tier, env.name),
  observability: resolveObservability(env.observability, env.tier, env.gitops?.cluster.kind === 'eks'),
}));

/** Which copy of an environment a stack builds: the primary, or the standby in `failover.region`. */
export type Site = 'primary' | 'standby';

/**
 * The state backend with its bucket names and regions resolved: the bucket in the environment's region,
 * its replica in the DR region. A standby's stacks keep their state there too.
 */
function resolveState({ state, name, accountId, region, drRegion }: EnvironmentDraft) {
  const bucket = state.bucket ?? defaultStateBucket(name, accountId);
  return { ...state, bucket, region, replica: { ...state.replica, bucket: state.replica.bucket ?? defaultReplicaBucket(bucket), region: drRegion } };
}

/** The replica bucket's name when the environment does not set one. */
export function defaultReplicaBucket(bucket: string): string {
  return `${bucket}-replica`;
}

/** The state bucket's name when the environment does not set one: S3 bucket names are global. */
export function defaultStateBucket(name: string, accountId: string): string {
  return `groundwork-${name}-tfstate-${accountId}`;
}

/** True when one dotted path equals the other or lies inside it ('' is the whole object). */
function overlaps(a: string, b: string): boolean {
  return a === b || a === '' || b.startsWith(`${a}.`) || a.startsWith(`${b}.`);
}

/** The region's first `count` zones: the catalog's, or by letter for a region it does not list. */
function defaultAvailabilityZones(region: string, count: number): string[] {
  const zones = CATALOG.availabilityZones.values[region];
  return zones ? zones.slice(0, count) : Array.from({ length: count }, (_, i) => `${region}${String.fromCharCode(97 + i)}`);
}

/** An environment as written in `environments/<name>.ts`: defaults may be omitted. */
export type EnvironmentConfig = z.input<typeof EnvironmentSchema>;
/** A validated environment with every default resolved. */
export type Environment = z.output<typeof EnvironmentSchema>;
/** What cross-field rules see: fields with their defaults, before derived defaults (a rule reads only fields that passed their own checks). */
export type EnvironmentDraft = z.output<typeof EnvironmentObject>;
