import { z } from 'zod';
import { imageBuilderSchedule } from './schedule-fields';

/**
 * The graph database: Neo4j on EC2 nodes Groundwork manages itself (no AWS service runs Neo4j), each with
 * its data on an EBS volume that outlives the instance, booted from a golden image an EC2 Image Builder
 * pipeline publishes. Rules that relate these fields to each other and to the tier live in `graph-rules.ts`.
 */

/** The ports a Neo4j 5 cluster's servers talk to each other on (Neo4j Operations Manual, "Ports"). */
export const NEO4J_CLUSTER_PORTS = { cluster: 6000, raft: 7000, routing: 7688 } as const;

const port = z.number().int().min(1024).max(65535);

/** Neo4j's release lines: 5.x (5.26 is the long-term support release) and the calendar versions since 2025.01. */
const neo4jVersion = z
  .string()
  .regex(/^(5\.\d{1,2}\.\d{1,3}|20\d\d\.(0[1-9]|1[0-2])\.\d{1,3})$/, 'must be an exact Neo4j version: 5.x.y (such as "5.26.12") or a calendar version (such as "2025.10.1")');

const gibibytes = (min: number) =>
  z
    .number()
    .min(min)
    .refine((gib) => Number.isInteger(gib * 2), 'must be a multiple of 0.5 GiB');

const DataVolumeSchema = z.strictObject({
  /** Size of each node's gp3 data volume in GiB (1 to 16384). It can grow in place, never shrink. @default 100 */
  sizeGiB: z.number().int().min(1).max(16384).default(100),
  /** Provisioned IOPS (3000 to 16000; above 3000, at most 500 per GiB). @default 3000 */
  iops: z.number().int().min(3000).max(16000).default(3000),
  /** Provisioned throughput in MiB/s (125 to 1000; above 125, at most a quarter of `iops`). @default 125 */
  throughputMiBps: z.number().int().min(125).max(1000).default(125),
});

const ImageSchema = z.strictObject({
  /**
   * Build the golden image with an EC2 Image Builder pipeline (Amazon Linux 2023, Java 21, Neo4j, the
   * CloudWatch agent) that publishes each new image to the nodes' SSM parameter. Only an emulator
   * environment may turn it off (moto has no Image Builder): its nodes boot Amazon Linux 2023 itself.
   * @default true
   */
  pipeline: z.boolean().default(true),
  /**
   * When the pipeline looks for updates of Amazon Linux and builds a new image if there are any, as an
   * AWS cron expression in UTC. @default 'cron(0 4 ? * SUN *)' (Sundays 04:00)
   */
  schedule: imageBuilderSchedule.default('cron(0 4 ? * SUN *)'),
});

export const GraphSchema = z.strictObject({
  /**
   * `community` (one server) or `enterprise` (clustering; needs a Neo4j Enterprise licence, which this
   * setting states you hold: it accepts Neo4j's licence agreement on each node). @default 'community'
   */
  edition: z.enum(['community', 'enterprise']).default('community'),
  /** Neo4j version, exact: the image pipeline installs it. @default '5.26.12' */
  neo4jVersion: neo4jVersion.default('5.26.12'),
  /** Servers: 1, or with `enterprise` up to 9 (a cluster of primaries; 3 or more survive the loss of one). @default 1 */
  nodes: z.number().int().min(1).max(9).default(1),
  /** EC2 instance type of every node: general purpose (m, t), compute (c) or memory optimized (r). @default 'r7i.large' */
  instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/, 'must be an EC2 instance type such as "r7i.large"').default('r7i.large'),
  /** Neo4j's memory, together at most the instance's memory less 1 GiB for the OS and the CloudWatch agent. @default - 4 GiB heap, 8 GiB page cache */
  memory: z
    .strictObject({
      /** JVM heap (initial and maximum alike, as Neo4j recommends), in GiB. @default 4 */
      heapGiB: gibibytes(0.5).default(4),
      /** Page cache for the store files, in GiB. @default 8 */
      pageCacheGiB: gibibytes(0.5).default(8),
    })
    .prefault({}),
  /** Each node's data volume (gp3, encrypted with the data key). @default - see each field */
  dataVolume: DataVolumeSchema.prefault({}),
  /** Ports Neo4j listens on; the service reaches it on Bolt, the only port open to it. @default - Bolt 7687, HTTP 7474 */
  ports: z
    .strictObject({
      /** Bolt, the drivers' protocol. @default 7687 */
      bolt: port.default(7687),
      /** HTTP, Neo4j's HTTP API and Browser: on the node only, open to no one. @default 7474 */
      http: port.default(7474),
    })
    .prefault({}),
  /** The golden image. @default - see each field */
  image: ImageSchema.prefault({}),
  /**
   * Each node's address is a network interface of its own that outlives its instances, so a replaced node
   * comes back where its clients and members know it. Only an emulator may turn it off, for one node only.
   * @default true
   */
  stableAddresses: z.boolean().default(true),
  /** Backups of the data volumes (by the environment's AWS Backup plan). @default - see each field */
  backup: z
    .strictObject({
      /**
       * In staging and prod, `npm run deploy` refuses to replace a node whose volume's latest recovery point
       * is older than this (1 to 720 hours). @default 26 (a daily backup and its two-hour window)
       */
      maxRecoveryPointAgeHours: z.number().int().min(1).max(720).default(26),
    })
    .prefault({}),
});

export type GraphConfig = z.output<typeof GraphSchema>;

/**
 * GiB of memory of an m, c, r or t instance type, from its family's memory per vCPU and its size's vCPUs
 * (EC2 "Instance families and instance types": m 4, c 2, r 8 GiB per vCPU; t by size); undefined for
 * other families and unknown sizes. A `metal` size has the vCPUs of the family's largest size, given by
 * `metalXlarge` (its `Nxlarge` multiple).
 */
export function instanceMemoryGiB(instanceType: string, metalXlarge?: number): number | undefined {
  const [family, size] = instanceType.split('.');
  if (!family || !size) return undefined;
  if (/^t\d/.test(family)) return T_MEMORY_GiB[size];
  const perVcpu = { m: 4, c: 2, r: 8 }[family[0]];
  if (perVcpu === undefined) return undefined;
  const vcpus = sizeVcpus(size, metalXlarge);
  return vcpus === undefined ? undefined : vcpus * perVcpu;
}

const T_MEMORY_GiB: Readonly<Record<string, number>> = { nano: 0.5, micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 };

function sizeVcpus(size: string, metalXlarge?: number): number | undefined {
  if (size === 'medium') return 1;
  if (size === 'large') return 2;
  const xlarge = /^(\d*)xlarge$/.exec(size) ?? /^metal-(\d+)xl$/.exec(size);
  if (xlarge) return 4 * Number(xlarge[1] || 1);
  return size === 'metal' && metalXlarge !== undefined ? 4 * metalXlarge : undefined;
}
