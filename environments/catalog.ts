/**
 * The catalog: what AWS offers, as data. The validation rules (`catalog-rules.ts`) read it to check that
 * a configured region's zones, engine versions, instance classes, node types, instance types, AMI types
 * and Kubernetes versions exist in AWS, not only look right; and, last, which ArgoCD Helm chart versions
 * exist. Nothing here decides anything; it only lists.
 *
 * Every list names the page it was read from (`source`) and the day it was read (`readOn`). The pages
 * carry no date of their own, so `readOn` is the day the stored copy of the page was read. Where a page
 * gives an end date for a version and that date is before `readOn`, the version is left out, and the
 * list's comment says so.
 *
 * To update a list: read its page again, change its values, its `source` if the page moved, and its
 * `readOn`. Nothing else changes; this file is the only one to edit.
 */

/** One list of the catalog: what AWS offers, as read from one AWS page on one day. */
export interface CatalogList<T> {
  /** The AWS page the values were read from. */
  readonly source: string;
  /** The day they were read, YYYY-MM-DD. */
  readonly readOn: string;
  readonly values: T;
}

/** The CPU architecture of an instance type or of the image a node group runs. */
export type Architecture = 'x86_64' | 'arm64';

/** Zone names by region code; a region the catalog does not know gives undefined. */
export type ZonesByRegion = { readonly [region: string]: readonly string[] | undefined };

export interface Catalog {
  readonly availabilityZones: CatalogList<ZonesByRegion>;
  readonly auroraPostgresqlVersions: CatalogList<readonly string[]>;
  readonly auroraServerlessV2MinimumVersions: CatalogList<Readonly<Record<string, string>>>;
  readonly auroraPauseMinimumVersions: CatalogList<Readonly<Record<string, string>>>;
  readonly rdsPostgresqlVersions: CatalogList<readonly string[]>;
  readonly valkeyVersions: CatalogList<readonly string[]>;
  readonly rdsPostgresqlInstanceClasses: CatalogList<readonly string[]>;
  readonly elasticacheNodeTypes: CatalogList<readonly string[]>;
  readonly ec2InstanceArchitectures: CatalogList<Readonly<Record<string, Architecture>>>;
  readonly eksAmiTypes: CatalogList<Readonly<Record<string, Architecture>>>;
  readonly eksAmiTypesLastKubernetesVersion: CatalogList<Readonly<Record<string, string>>>;
  readonly eksKubernetesVersions: CatalogList<readonly string[]>;
  readonly argoCdChartVersions: CatalogList<readonly string[]>;
  readonly argoCdAppsChartVersions: CatalogList<readonly string[]>;
}

// Size lists, one family a line: `family.size` for each size (and chart versions, one minor a line:
// `minor.patch`). Only to keep the long lists readable.
type Family = readonly [family: string, sizes: string];
const names = (families: readonly Family[]): string[] =>
  families.flatMap(([family, sizes]) => sizes.split(' ').map((size) => `${family}.${size}`));
const withArchitecture = (architecture: Architecture, families: readonly Family[]) =>
  names(families).map((name): [string, Architecture] => [name, architecture]);

const READ_ON = '2026-12-02';

export const CATALOG: Catalog = {
  /**
   * Zone names per region: every commercial region (34), both China regions and both GovCloud regions.
   * The AWS page lists AZ IDs, not names; a name is the region code and a letter. The letters here follow
   * the AZ IDs' numbers (az1 is a, az4 is d), which is how the gaps show in practice (cac1-az4 is
   * ca-central-1d, euw2-az4 is eu-west-2d, new on 19 August 2026); AWS does not state that rule.
   * Account mappings differ by AZ ID, but the set of names is the same. Not every account has every name:
   * - us-east-1: six zones; the page warns that a constrained zone may be removed for new accounts, and an
   *   older account's letters map to zones independently, so which letter is missing varies. A Maryland
   *   zone is listed as "Coming in 2026" and is not here.
   * - us-west-1: three zones, but "newer accounts can access two" (the page); which two varies.
   * - us-east-1, us-west-1, us-west-2, ap-northeast-1, ap-southeast-1, ap-southeast-2, eu-west-1,
   *   sa-east-1 and us-gov-west-1 map names independently for accounts created before November 2025.
   * - China and GovCloud: not on this page. docs.amazonaws.cn says Beijing and Ningxia have three zones
   *   each; Beijing's are a, b, d (its IDs are cnn1-az1, -az2, -az4). GovCloud's three each are taken from
   *   the usgw1-/usge1-az1..az3 IDs on other AWS pages. Neither set of names is stated by an AWS page.
   */
  availabilityZones: {
    source: 'https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html',
    readOn: READ_ON,
    values: {
      'us-east-1': ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'],
      'us-east-2': ['us-east-2a', 'us-east-2b', 'us-east-2c'],
      'us-west-1': ['us-west-1a', 'us-west-1b', 'us-west-1c'],
      'us-west-2': ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'],
      'ca-central-1': ['ca-central-1a', 'ca-central-1b', 'ca-central-1d'],
      'ca-west-1': ['ca-west-1a', 'ca-west-1b', 'ca-west-1c'],
      'mx-central-1': ['mx-central-1a', 'mx-central-1b', 'mx-central-1c'],
      'af-south-1': ['af-south-1a', 'af-south-1b', 'af-south-1c'],
      'ap-east-1': ['ap-east-1a', 'ap-east-1b', 'ap-east-1c'],
      'ap-east-2': ['ap-east-2a', 'ap-east-2b', 'ap-east-2c'],
      'ap-northeast-1': ['ap-northeast-1a', 'ap-northeast-1b', 'ap-northeast-1c', 'ap-northeast-1d'],
      'ap-northeast-2': ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c', 'ap-northeast-2d'],
      'ap-northeast-3': ['ap-northeast-3a', 'ap-northeast-3b', 'ap-northeast-3c'],
      'ap-south-1': ['ap-south-1a', 'ap-south-1b', 'ap-south-1c'],
      'ap-south-2': ['ap-south-2a', 'ap-south-2b', 'ap-south-2c'],
      'ap-southeast-1': ['ap-southeast-1a', 'ap-southeast-1b', 'ap-southeast-1c'],
      'ap-southeast-2': ['ap-southeast-2a', 'ap-southeast-2b', 'ap-southeast-2c'],
      'ap-southeast-3': ['ap-southeast-3a', 'ap-southeast-3b', 'ap-southeast-3c'],
      'ap-southeast-4': ['ap-southeast-4a', 'ap-southeast-4b', 'ap-southeast-4c'],
      'ap-southeast-5': ['ap-southeast-5a', 'ap-southeast-5b', 'ap-southeast-5c'],
      'ap-southeast-6': ['ap-southeast-6a', 'ap-southeast-6b', 'ap-southeast-6c'],
      'ap-southeast-7': ['ap-southeast-7a', 'ap-southeast-7b', 'ap-southeast-7c'],
      'eu-central-1': ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
      'eu-central-2': ['eu-central-2a', 'eu-central-2b', 'eu-central-2c'],
      'eu-north-1': ['eu-north-1a', 'eu-north-1b', 'eu-north-1c'],
      'eu-south-1': ['eu-south-1a', 'eu-south-1b', 'eu-south-1c'],
      'eu-south-2': ['eu-south-2a', 'eu-south-2b', 'eu-south-2c'],
      'eu-west-1': ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      'eu-west-2': ['eu-west-2a', 'eu-west-2b', 'eu-west-2c', 'eu-west-2d'],
      'eu-west-3': ['eu-west-3a', 'eu-west-3b', 'eu-west-3c'],
      'il-central-1': ['il-central-1a', 'il-central-1b', 'il-central-1c'],
      'me-central-1': ['me-central-1a', 'me-central-1b', 'me-central-1c'],
      'me-south-1': ['me-south-1a', 'me-south-1b', 'me-south-1c'],
      'sa-east-1': ['sa-east-1a', 'sa-east-1b', 'sa-east-1c'],
      'cn-north-1': ['cn-north-1a', 'cn-north-1b', 'cn-north-1d'],
      'cn-northwest-1': ['cn-northwest-1a', 'cn-northwest-1b', 'cn-northwest-1c'],
      'us-gov-east-1': ['us-gov-east-1a', 'us-gov-east-1b', 'us-gov-east-1c'],
      'us-gov-west-1': ['us-gov-west-1a', 'us-gov-west-1b', 'us-gov-west-1c'],
    },
  },

  /**
   * Aurora PostgreSQL minor versions. The stored page's newest rows were released 21 August 2026.
   * Left out: 17.4, 15.12 and 14.17 (Aurora end of standard support 30 November 2026). Kept: 13, 12 and
   * 11, past standard support but offered under RDS Extended Support until 28 Feb 2029, 29 Feb 2028 and
   * 31 Mar 2027 (paid). Minors the page does not list (e.g. 17.8, 16.12) are not offered on Aurora.
   */
  auroraPostgresqlVersions: {
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html',
    readOn: READ_ON,
    values: [
      '18.4', '18.3',
      '17.10', '17.9', '17.7', '17.6', '17.5',
      '16.14', '16.13', '16.11', '16.10', '16.9', '16.8',
      '15.18', '15.17', '15.15', '15.14', '15.13', '15.10',
      '14.23', '14.22', '14.20', '14.19', '14.18', '14.6',
      '13.23', '13.9',
      '12.22', '12.9',
      '11.21', '11.9',
    ],
  },

  /**
   * The first Aurora PostgreSQL version of each major that runs Aurora Serverless v2, from the "Aurora
   * PostgreSQL" table. These are the rows of us-east-1/2, us-west-1/2, eu-central-1, eu-west-1 and most
   * other regions; some newer regions start later (e.g. Asia Pacific (New Zealand): 16.8, 15.12, 14.17,
   * 13.20; Hyderabad, Spain, Zurich, UAE: 14.6, 13.9; 13 is not offered in Taipei, Thailand, Mexico).
   * Majors 11 and 12 are not in the table: Serverless v2 does not run them.
   */
  auroraServerlessV2MinimumVersions: {
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html',
    readOn: READ_ON,
    values: { '13': '13.6', '14': '14.3', '15': '15.2', '16': '16.1', '17': '17.4', '18': '18.3' },
  },

  /**
   * The first version of each major that can scale to 0 ACU and pause: "the database engine must be running
   * at least version 16.3, 15.7, 14.12, or 13.15" (the same four in the capacity table of
   * aurora-serverless-v2.how-it-works.html). The page names no minimum for 17 or 18; every 17 and 18 that
   * Serverless v2 runs (17.4+, 18.3+) is above 16.3, but that is not stated per major, so they are not here.
   */
  auroraPauseMinimumVersions: {
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html',
    readOn: READ_ON,
    values: { '13': '13.15', '14': '14.12', '15': '15.7', '16': '16.3' },
  },

  /**
   * RDS for PostgreSQL minor versions. The stored page's newest rows were released 25 August 2026.
   * Left out: 17.6, 17.5, 16.10, 16.9, 15.14, 15.13, 14.19, 14.18 (end of standard support 31 October
   * 2026) and the NO_CREATE ones (18.2, 17.8, 16.12, 15.16, 14.21: no new DB instances). Kept: 13.23, 12.22,
   * 11.22, offered under RDS Extended Support (paid; 11 and 12 as 11.22-rds.* and 12.22-rds.* builds).
   */
  rdsPostgresqlVersions: {
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html',
    readOn: READ_ON,
    values: [
      '18.6', '18.4', '18.3', '18.1',
      '17.11', '17.10', '17.9', '17.7',
      '16.15', '16.14', '16.13', '16.11',
      '15.19', '15.18', '15.17', '15.15',
      '14.24', '14.23', '14.22', '14.20',
      '13.23', '12.22', '11.22',
    ],
  },

  /** ElastiCache for Valkey engine versions, as `--engine-version` takes them ("7.2.6" is given as 7.2). */
  valkeyVersions: {
    source: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html',
    readOn: READ_ON,
    values: ['7.2', '8.0', '8.1', '8.2', '9.0', '9.1'],
  },

  /**
   * DB instance classes whose PostgreSQL cell is not "No" or "Deprecated". Some are limited to some
   * versions (e.g. db.x2idn: 15, 14.6, 13.9; db.m9g, db.m8gd, db.r8gd: 13.18+ ... 18.1+), and db.c6gd is
   * for Multi-AZ DB clusters only; this list does not carry those limits. Left out: db.m4, db.m3, db.r4,
   * db.r3, db.t2 (deprecated), and the Oracle-only *.tpc*.mem* classes.
   */
  rdsPostgresqlInstanceClasses: {
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html',
    readOn: READ_ON,
    values: names([
      ['db.m9g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.m8g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.m8gd', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.m8a', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.m7i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.m7g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['db.m6g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['db.m6gd', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['db.m6i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.m6id', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.m6idn', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.m6in', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.m5', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge'],
      ['db.m5d', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge'],
      ['db.r8g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.r8gd', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.r8a', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.r7i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ['db.r7g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['db.r6g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['db.r6gd', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['db.r6i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.r6id', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.r6idn', 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.r6in', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.r5', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge'],
      ['db.r5b', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge'],
      ['db.r5d', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge'],
      ['db.x2g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['db.x2idn', '16xlarge 24xlarge 32xlarge'],
      ['db.x2iedn', 'xlarge 2xlarge 4xlarge 8xlarge 16xlarge 24xlarge 32xlarge'],
      ['db.c6gd', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['db.t4g', 'micro small medium large xlarge 2xlarge'],
      ['db.t3', 'micro small medium large xlarge 2xlarge'],
    ]),
  },

  /**
   * Node types of the "Current Generation (Valkey)" tables. Left out: cache.t2.* (listed, but "you will no
   * longer be able to create new ElastiCache clusters using T2 instances").
   */
  elasticacheNodeTypes: {
    source: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html',
    readOn: READ_ON,
    values: names([
      ['cache.m8g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['cache.m7g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['cache.m6g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['cache.m5', 'large xlarge 2xlarge 4xlarge 12xlarge 24xlarge'],
      ['cache.m4', 'large xlarge 2xlarge 4xlarge 10xlarge'],
      ['cache.t4g', 'micro small medium'],
      ['cache.t3', 'micro small medium'],
      ['cache.r8g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['cache.r7g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['cache.r6g', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['cache.r6gd', 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['cache.r5', 'large xlarge 2xlarge 4xlarge 12xlarge 24xlarge'],
      ['cache.r4', 'large xlarge 2xlarge 4xlarge 8xlarge 16xlarge'],
      ['cache.c8gn', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
      ['cache.c7gn', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge'],
    ]),
  },

  /**
   * EC2 instance types for EKS managed node groups and their architecture, for the general purpose
   * (gp.html), compute optimized (co.html), memory optimized (mo.html) and GPU (ac.html) families below,
   * every size the "Instance families and instance types" table lists; architecture from the "Instance
   * family summary". Pages read on the same day; `source` names the first. A type existing in EC2 does not
   * mean every region offers it; that is not checked here. There is no r9g family on mo.html.
   */
  ec2InstanceArchitectures: {
    source: 'https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (and co.html, mo.html, ac.html)',
    readOn: READ_ON,
    values: Object.fromEntries([
      ...withArchitecture('x86_64', [
        ['m5', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge metal'],
        ['m6i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge metal'],
        ['m6a', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge metal'],
        ['m7i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['m7a', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge metal-48xl'],
        ['m8i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge 96xlarge metal-48xl metal-96xl'],
        ['m8a', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['c5', 'large xlarge 2xlarge 4xlarge 9xlarge 12xlarge 18xlarge 24xlarge metal'],
        ['c6i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge metal'],
        ['c6a', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge metal'],
        ['c7i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['c7a', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge metal-48xl'],
        ['c8i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge 96xlarge metal-48xl metal-96xl'],
        ['c8a', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['r5', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge metal'],
        ['r6i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge metal'],
        ['r6a', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge metal'],
        ['r7i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['r7a', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge metal-48xl'],
        ['r8i', 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge 96xlarge metal-48xl metal-96xl'],
        ['r8a', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['t3', 'nano micro small medium large xlarge 2xlarge'],
        ['t3a', 'nano micro small medium large xlarge 2xlarge'],
        ['g5', 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
        ['g6', 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
        ['g6e', 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge'],
      ]),
      ...withArchitecture('arm64', [
        ['m6g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge metal'],
        ['m7g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge metal'],
        ['m8g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['m9g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-48xl'],
        ['c6g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge metal'],
        ['c7g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge metal'],
        ['c8g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['c9g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-48xl'],
        ['r6g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge metal'],
        ['r7g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge metal'],
        ['r8g', 'medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge metal-24xl metal-48xl'],
        ['t4g', 'nano micro small medium large xlarge 2xlarge'],
        ['g5g', 'xlarge 2xlarge 4xlarge 8xlarge 16xlarge metal'],
      ]),
    ]),
  },

  /**
   * The `amiType` values CreateNodegroup accepts, with the architecture each name states. Left out:
   * CUSTOM (no fixed architecture) and AL2_x86_64, AL2_x86_64_GPU, AL2_ARM_64, still accepted by the API
   * but "Amazon EKS stopped publishing EKS-optimized Amazon Linux 2 (AL2) AMIs on November 26, 2025", and
   * 1.32 was the last Kubernetes version with them (eks-ami-deprecation-faqs.html). Windows types run only
   * in commercial regions that support Windows on EKS.
   */
  eksAmiTypes: {
    source: 'https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html',
    readOn: READ_ON,
    values: {
      AL2023_x86_64_STANDARD: 'x86_64',
      AL2023_ARM_64_STANDARD: 'arm64',
      AL2023_x86_64_NVIDIA: 'x86_64',
      AL2023_ARM_64_NVIDIA: 'arm64',
      AL2023_x86_64_NEURON: 'x86_64',
      BOTTLEROCKET_x86_64: 'x86_64',
      BOTTLEROCKET_ARM_64: 'arm64',
      BOTTLEROCKET_x86_64_FIPS: 'x86_64',
      BOTTLEROCKET_ARM_64_FIPS: 'arm64',
      BOTTLEROCKET_x86_64_NVIDIA: 'x86_64',
      BOTTLEROCKET_ARM_64_NVIDIA: 'arm64',
      BOTTLEROCKET_x86_64_NVIDIA_FIPS: 'x86_64',
      BOTTLEROCKET_ARM_64_NVIDIA_FIPS: 'arm64',
      WINDOWS_CORE_2019_x86_64: 'x86_64',
      WINDOWS_FULL_2019_x86_64: 'x86_64',
      WINDOWS_CORE_2022_x86_64: 'x86_64',
      WINDOWS_FULL_2022_x86_64: 'x86_64',
      WINDOWS_CORE_2025_x86_64: 'x86_64',
      WINDOWS_FULL_2025_x86_64: 'x86_64',
      // Amazon Linux 2: only up to Kubernetes 1.32 (eksAmiTypesLastKubernetesVersion).
      AL2_x86_64: 'x86_64',
      AL2_x86_64_GPU: 'x86_64',
      AL2_ARM_64: 'arm64',
    },
  },

  /** AMI types EKS builds only up to a Kubernetes version: Amazon Linux 2's last is 1.32. */
  eksAmiTypesLastKubernetesVersion: {
    source: 'https://docs.aws.amazon.com/eks/latest/userguide/eks-ami-deprecation-faqs.html',
    readOn: READ_ON,
    values: { AL2_x86_64: '1.32', AL2_x86_64_GPU: '1.32', AL2_ARM_64: '1.32' },
  },

  /**
   * Kubernetes versions EKS offers in standard or extended support. The stored page lists 1.36, 1.35, 1.34
   * (standard) and 1.33, 1.32, 1.31 (extended); its calendar ends 1.31's extended support on 26 November
   * 2026, so 1.31 is left out. On 2 December 2026 1.34 ends standard support; 1.33 and 1.32 are in
   * extended support (billed per cluster hour) until 29 July 2027 and 23 March 2027.
   */
  eksKubernetesVersions: {
    source: 'https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html',
    readOn: READ_ON,
    values: ['1.32', '1.33', '1.34', '1.35', '1.36'],
  },
  // Not AWS's: the Argo project's Helm charts, which the gitops stacks install. A version that does not
  // exist fails `helm install` at apply. Majors 7 to 9 (ArgoCD 2.12 and later); one minor a line, with
  // its patch releases. Read from the argo-helm repository's release tags, as stored on 2026-07-02.
  argoCdChartVersions: {
    source: 'https://github.com/argoproj/argo-helm/releases',
    readOn: '2026-07-02',
    values: names([
      ['7.0', '0'],
      ['7.1', '0 1 2 3 4 5'],
      ['7.2', '0 1'],
      ['7.3', '0 1 2 3 4 5 6 7 8 9 10 11'],
      ['7.4', '0 1 2 3 4 5 6 7'],
      ['7.5', '0 1 2'],
      ['7.6', '0 1 2 3 4 5 6 7 8 9 10 11 12'],
      ['7.7', '0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23'],
      ['7.8', '0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28'],
      ['7.9', '0 1'],
      ['8.0', '0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17'],
      ['8.1', '0 1 2 3 4'],
      ['8.2', '0 1 2 3 4 5 6 7'],
      ['8.3', '0 1 2 3 4 5 6 7 8 9'],
      ['8.4', '0 1'],
      ['8.5', '0 1 2 3 4 5 6 7 8 9 10'],
      ['8.6', '0 1 2 3 4'],
      ['9.0', '0 1 2 3 4 5 6'],
      ['9.1', '0 1 2 3 4 5 6 7 8 9 10'],
      ['9.2', '0 1 2 3 4'],
      ['9.3', '0 1 2 3 4 5 6 7'],
      ['9.4', '0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18'],
      ['9.5', '0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22'],
      ['9.6', '0'],
      ['9.7', '0 1'],
    ]),
  },
  argoCdAppsChartVersions: {
    source: 'https://github.com/argoproj/argo-helm/releases',
    readOn: '2026-07-02',
    values: names([
      ['1.0', '0 1'],
      ['1.1', '0'],
      ['1.2', '0'],
      ['1.3', '0'],
      ['1.4', '0 1'],
      ['1.5', '0'],
      ['1.6', '0 1 2'],
      ['2.0', '0 1 2 3 4 5'],
    ]),
  },
};
