import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { CATALOG } from '../environments/catalog';
import { nearest } from '../environments/catalog-rules';
import { tierNamed } from '../environments/tier-rules';
import { awsPartitions, partitionOfRegion } from '../lib/aws-partitions';
import { changed, expectRejected, synthOutcome, type InvalidCase } from './support/rejected';
import { readStacks } from './support/synthesized';

/**
 * What synth refuses because AWS would, at plan or apply time, or because a careful reviewer would: values
 * that do not exist (the catalog), AWS's limits, identities of the wrong place, clashes between
 * environments, and what is dangerous in staging and prod. Each case runs the synth command's own code and
 * asserts exit 1, the exact field, the message, and that nothing was written.
 */

const { dev, staging, prod } = environments;

/** prod with its one cluster's nodes set as given. */
const prodNodes = (nodes: Record<string, unknown>) => changed(prod, (c) => Object.assign(c.gitops.cluster.nodes, nodes));

const EXISTENCE: InvalidCase[] = [
  ['a region that does not exist', 'prod', changed(prod, (c) => (c.region = 'eu-west-9')), 'prod.region', '"eu-west-9" is not a region of the aws, aws-cn or aws-us-gov partition'],
  ['a misspelt DR region, with the nearest real one', 'prod', changed(prod, (c) => (c.drRegion = 'eu-centrl-1')), 'prod.drRegion', 'nearest: eu-central-1'],
  ['a region of a partition Groundwork does not build for', 'prod', changed(prod, (c) => (c.region = 'us-iso-east-1')), 'prod.region', 'is a region of the aws-iso partition'],
  ['a zone the region does not have', 'prod', changed(prod, (c) => (c.network.availabilityZones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1d'])), 'prod.network.availabilityZones.2', '"eu-west-1d" is not an availability zone of eu-west-1'],
  ['more zones than the region has', 'prod', changed(prod, (c) => (c.network.azCount = 4)), 'prod.network.azCount', 'but eu-west-1 has 3 availability zones'],
  ['an Aurora version AWS does not offer', 'prod', changed(prod, (c) => (c.database.engineVersion = '16.99')), 'prod.database.engineVersion', '"16.99" is not an Aurora PostgreSQL version'],
  ['an Aurora major AWS does not offer', 'staging', changed(staging, (c) => (c.database.engineVersion = '10')), 'staging.database.engineVersion', '"10" is not an Aurora PostgreSQL version'],
  ['an Aurora major AWS offers but not on Serverless v2', 'staging', changed(staging, (c) => (c.database.engineVersion = '12')), 'staging.database.engineVersion', 'is 12, which Aurora Serverless v2 does not run: it needs 13.6'],
  ['an RDS version AWS no longer offers', 'dev', changed(dev, (c) => (c.database.engineVersion = '9.6')), 'dev.database.engineVersion', '"9.6" is not an RDS for PostgreSQL version'],
  ['a misspelt RDS instance class, with the nearest real one', 'dev', changed(dev, (c) => (c.database.instanceClass = 'db.t4g.mediun')), 'dev.database.instanceClass', 'nearest: db.t4g.medium'],
  ['a size the class does not come in', 'dev', changed(dev, (c) => (c.database.instanceClass = 'db.t4g.nano')), 'dev.database.instanceClass', 'is not a DB instance class RDS for PostgreSQL offers'],
  ['a Valkey version ElastiCache does not offer', 'prod', changed(prod, (c) => (c.cache.engineVersion = '7.0')), 'prod.cache.engineVersion', '"7.0" is not a Valkey version ElastiCache offers'],
  ['a misspelt cache node type, with the nearest real one', 'prod', changed(prod, (c) => (c.cache.nodeType = 'cache.r7g.larg')), 'prod.cache.nodeType', 'nearest: cache.r7g.large'],
  ['a Kubernetes version EKS does not offer', 'prod', changed(prod, (c) => (c.gitops.cluster.kubernetesVersion = '1.19')), 'prod.gitops.cluster.kubernetesVersion', '"1.19" is not a Kubernetes version EKS offers'],
  ['a misspelt node instance type', 'prod', prodNodes({ instanceTypes: ['m7i.xlarge', 'm6i.xlarg'] }), 'prod.gitops.cluster.nodes.instanceTypes.1', 'nearest: m6i.xlarge'],
  ['an ARM instance type under an x86 image', 'prod', prodNodes({ instanceTypes: ['m7g.xlarge'] }), 'prod.gitops.cluster.nodes.instanceTypes.0', 'is an arm64 instance type, but gitops.cluster.nodes.amiType AL2023_x86_64_STANDARD runs x86_64'],
  ['an x86 instance type under an ARM image', 'prod', prodNodes({ amiType: 'AL2023_ARM_64_STANDARD' }), 'prod.gitops.cluster.nodes.instanceTypes.0', 'is an x86_64 instance type, but gitops.cluster.nodes.amiType AL2023_ARM_64_STANDARD runs arm64'],
  ['an argo-cd chart version that was never released', 'prod', changed(prod, (c) => (c.gitops.argocd = { chartVersion: '8.99.0' })), 'prod.gitops.argocd.chartVersion', '"8.99.0" is not a version of the argo-cd Helm chart'],
  ['an AMI type EKS does not have', 'prod', prodNodes({ amiType: 'AL2024_x86_64_STANDARD' }), 'prod.gitops.cluster.nodes.amiType', 'is not an EKS node AMI type'],
  ['a catalog exception for a value the field does not hold', 'prod', changed(prod, (c) => (c.catalogExceptions = [{ field: 'database.engineVersion', value: '16.99' }])), 'prod.catalogExceptions.0.value', '"16.99" is not what database.engineVersion holds; remove this exception'],
  ['a catalog exception for a value the catalog has', 'prod', changed(prod, (c) => (c.catalogExceptions = [{ field: 'region', value: 'eu-west-1' }])), 'prod.catalogExceptions.0.value', '"eu-west-1" is in the catalog now; remove this exception'],
  [
    'the same catalog exception twice',
    'prod',
    changed(prod, (c) => ((c.database.engineVersion = '16.99'), (c.catalogExceptions = [{ field: 'database.engineVersion', value: '16.99' }, { field: 'database.engineVersion', value: '16.99' }]))),
    'prod.catalogExceptions.1',
    'allows "16.99" for database.engineVersion a second time',
  ],
  ['a catalog exception for a field the catalog does not check', 'prod', changed(prod, (c) => (c.catalogExceptions = [{ field: 'service.cpu', value: '256' }])), 'prod.catalogExceptions.0.field', 'Invalid option'],
  [
    'a version below the first that runs Serverless v2, even when allowed',
    'prod',
    changed(prod, (c) => ((c.database.engineVersion = '13.4'), (c.catalogExceptions = [{ field: 'database.engineVersion', value: '13.4' }]))),
    'prod.database.engineVersion',
    'which Aurora Serverless v2 does not run: it needs 13.6 or a later minor',
  ],
];

const NAMES: InvalidCase[] = [
  ['an environment name with two hyphens in a row', 'team--a', changed(dev, (c) => (c.name = 'team--a')), 'team--a.name', 'may not hold two hyphens in a row'],
  ['a master user in PostgreSQL\'s pg_ namespace', 'prod', changed(prod, (c) => (c.database.masterUsername = 'pg_admin')), 'prod.database.masterUsername', 'may not start with pg_'],
  ['a master user in RDS\'s rds_ namespace', 'prod', changed(prod, (c) => (c.database.masterUsername = 'rds_superuser')), 'prod.database.masterUsername', 'or rds_'],
  ['a database PostgreSQL already has', 'prod', changed(prod, (c) => (c.database.databaseName = 'template1')), 'prod.database.databaseName', 'names a database PostgreSQL or RDS already has'],
  ['a variable ECS sets in every task', 'dev', changed(dev, (c) => (c.service.environment = { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials' })), 'dev.service.environment.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'is set by ECS in every task'],
  ['variables too large for a task definition', 'dev', changed(dev, (c) => (c.service.environment = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`BLOB_${i}`, 'x'.repeat(4000)])))), 'dev.service.environment', 'ECS refuses a task definition over 64 KiB'],
  ['an Amazon Linux 2 node image on Kubernetes 1.33', 'prod', prodNodes({ amiType: 'AL2_x86_64' }), 'prod.gitops.cluster.nodes.amiType', 'which EKS builds only up to Kubernetes 1.32'],
  ['a private range for the public API endpoint', 'staging', changed(staging, (c) => Object.assign(c.gitops.cluster, { publicEndpoint: true, publicAccessCidrs: ['10.0.0.0/8'] })), 'staging.gitops.cluster.publicAccessCidrs.0', 'a private range: EKS refuses private ranges'],
  ['prod Aurora that pauses when idle', 'prod', changed(prod, (c) => (c.database.capacity.minAcu = 0)), 'prod.database.capacity.minAcu', 'may not be 0 for tier prod'],
];

const LIMITS: InvalidCase[] = [
  ['a tag key with a character AWS refuses', 'prod', changed(prod, (c) => (c.tags = { 'cost#center': 'platform' })), 'prod.tags.cost#center', 'tag keys hold only letters, digits, spaces and _ . : / = + - @'],
  ['a tag value with a character AWS refuses', 'prod', changed(prod, (c) => (c.tags = { owner: 'team<platform>' })), 'prod.tags.owner', 'tag values hold only'],
  ['a tag value over 256 characters', 'prod', changed(prod, (c) => (c.tags = { owner: 'x'.repeat(257) })), 'prod.tags.owner', 'tag values are at most 256 characters'],
  ['a tag that overrides a Groundwork tag in another case', 'prod', changed(prod, (c) => (c.tags = { Environment: 'production' })), 'prod.tags.Environment', 'compared without case'],
  ['a Name tag on every resource', 'prod', changed(prod, (c) => (c.tags = { Name: 'platform' })), 'prod.tags.Name', 'is set by Groundwork'],
  ['a tag in Groundwork\'s own namespace', 'prod', changed(prod, (c) => (c.tags = { 'groundwork:team': 'a' })), 'prod.tags.groundwork:team', 'tag keys starting with groundwork: or kubernetes.io/ are Groundwork\'s'],
  ['two tag keys that differ only in case', 'prod', changed(prod, (c) => (c.tags = { owner: 'a', Owner: 'b' })), 'prod.tags.Owner', 'differs from the tag "owner" only in case'],
  ['more tags than room is left for', 'prod', changed(prod, (c) => (c.tags = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`team-${i}`, 'x'])))), 'prod.tags', 'has 45 tags; AWS allows 50 on a resource and Groundwork sets up to 6 of its own, so at most 44'],
  ['a load balancer range listed twice', 'prod', changed(prod, (c) => (c.service.loadBalancer.allowedCidrs = ['203.0.113.0/24', '203.0.113.0/24'])), 'prod.service.loadBalancer.allowedCidrs.1', 'repeats entry 0 (203.0.113.0/24)'],
  [
    'more load balancer ranges than a security group holds rules',
    'prod',
    changed(prod, (c) => (c.service.loadBalancer.allowedCidrs = Array.from({ length: 31 }, (_, i) => `203.0.${i}.0/24`))),
    'prod.service.loadBalancer.allowedCidrs',
    'lists 31 ranges, 62 inbound rules on 2 ports; a security group holds at most 60, so at most 30 ranges',
  ],
  ['a public API range listed twice', 'staging', changed(staging, (c) => Object.assign(c.gitops.cluster, { publicEndpoint: true, publicAccessCidrs: ['198.51.100.0/24', '198.51.100.0/24'] })), 'staging.gitops.cluster.publicAccessCidrs.1', 'repeats entry 0'],
  ['a load balancer range inside another', 'prod', changed(prod, (c) => (c.service.loadBalancer.allowedCidrs = ['10.0.0.0/8', '10.1.0.0/16'])), 'prod.service.loadBalancer.allowedCidrs.1', 'overlaps entry 0 (10.0.0.0/8)'],
  ['the internet on the private API endpoint', 'prod', changed(prod, (c) => (c.gitops.cluster.privateAccessCidrs = ['0.0.0.0/0'])), 'prod.gitops.cluster.privateAccessCidrs.0', 'not a private range'],
  ['a waiver of another environment\'s resource', 'dev', changed(dev, (c) => (c.policy.waivers[0].resource = 'service-staging/load-balancer/http')), 'dev.policy.waivers.0.resource', 'which is not a stack of dev'],
  ['two continuous backups of one database', 'prod', changed(prod, (c) => c.backup.rules.push({ name: 'continuous-2', retentionDays: 35, continuous: true })), 'prod.backup.rules.2.continuous', 'AWS Backup keeps one continuous backup of a database'],
  ['a node instance type listed twice', 'prod', prodNodes({ instanceTypes: ['m7i.xlarge', 'm7i.xlarge'] }), 'prod.gitops.cluster.nodes.instanceTypes.1', 'repeats entry 0'],
  ['healthy codes written high to low', 'prod', changed(prod, (c) => (c.service.healthCheck = { healthyHttpCodes: '299-200' })), 'prod.service.healthCheck.healthyHttpCodes', 'has the range "299-200" upside down'],
  ['a health check path past the load balancer\'s limit', 'prod', changed(prod, (c) => (c.service.healthCheck = { path: `/${'a'.repeat(1024)}` })), 'prod.service.healthCheck.path', 'must be at most 1024 characters'],
  ['a p95 latency threshold above the p99 one', 'prod', changed(prod, (c) => (c.observability.thresholds = { targetLatencyP95Seconds: 3, targetLatencyP99Seconds: 2 })), 'prod.observability.thresholds.targetLatencyP95Seconds', 'the 95th percentile never exceeds the 99th'],
  ['a free-storage alarm above the storage', 'dev', changed(dev, (c) => (c.observability = { thresholds: { databaseFreeStorageGiB: 25 } })), 'dev.observability.thresholds.databaseFreeStorageGiB', 'not less than database.allocatedStorageGiB (20)'],
  ['a waiver written twice', 'dev', changed(dev, (c) => c.policy.waivers.push({ ...c.policy.waivers[0] })), 'dev.policy.waivers.1', 'waives GW-ALB-02 for service-dev/load-balancer/http again (as entry 0 does)'],
  ['a database named with a PostgreSQL reserved word', 'prod', changed(prod, (c) => (c.database.databaseName = 'user')), 'prod.database.databaseName', '"user" is a PostgreSQL reserved word'],
  ['a master user named with a PostgreSQL reserved word', 'prod', changed(prod, (c) => (c.database.masterUsername = 'select')), 'prod.database.masterUsername', '"select" is a PostgreSQL reserved word'],
  ['a state bucket with a period, which TLS cannot reach by virtual-hosted style', 'prod', changed(prod, (c) => (c.state = { bucket: 'state.groundwork.example' })), 'prod.state.bucket', 'may not contain a period'],
  ['healthy codes that mix a list and a range', 'prod', changed(prod, (c) => (c.service.healthCheck = { healthyHttpCodes: '200-299,301' })), 'prod.service.healthCheck.healthyHttpCodes', 'not both'],
  ['one mailbox subscribed twice in another case', 'dev', changed(dev, (c) => (c.observability = { subscriptions: [{ protocol: 'email', endpoint: 'ops@example.com' }, { protocol: 'email', endpoint: 'Ops@Example.com' }] })), 'dev.observability.subscriptions.1.endpoint', 'a second time'],
  ['ArgoCD in a namespace of Kubernetes\' own', 'prod', changed(prod, (c) => (c.gitops.argocd = { namespace: 'kube-system' })), 'prod.gitops.argocd.namespace', "must be ArgoCD's own namespace"],
  ['a state bucket with a suffix S3 reserves', 'prod', changed(prod, (c) => (c.state = { bucket: 'groundwork-prod-s3alias' })), 'prod.state.bucket', 'reserved by S3'],
];

const certificate = (partition: string, region: string, account: string) => `arn:${partition}:acm:${region}:${account}:certificate/6b1f3c5e-8a0d-4e2b-9c7f-1d2e3f4a5b6c`;
const subscribed = (base: EnvironmentConfig, protocol: string, endpoint: string) => changed(base, (c) => (c.observability = { ...c.observability, subscriptions: [{ protocol, endpoint }] }));

const IDENTITIES: InvalidCase[] = [
  ['a certificate of another partition', 'prod', changed(prod, (c) => (c.service.loadBalancer.certificateArn = certificate('aws-cn', 'eu-west-1', '333333333333'))), 'prod.service.loadBalancer.certificateArn', 'names partition aws-cn; it must be in partition aws, region eu-west-1, account 333333333333'],
  ['a certificate of another region', 'prod', changed(prod, (c) => (c.service.loadBalancer.certificateArn = certificate('aws', 'us-east-1', '333333333333'))), 'prod.service.loadBalancer.certificateArn', 'names region us-east-1'],
  ['a certificate of another account', 'staging', changed(staging, (c) => (c.service.loadBalancer.certificateArn = certificate('aws', 'eu-west-1', '333333333333'))), 'staging.service.loadBalancer.certificateArn', 'names account 333333333333; it must be in partition aws, region eu-west-1, account 222222222222'],
  ['a snapshot to restore that is still in the DR region', 'staging', changed(staging, (c) => (c.database.restoreFromSnapshot = 'arn:aws:rds:eu-central-1:222222222222:cluster-snapshot:nightly')), 'staging.database.restoreFromSnapshot', 'aws rds copy-db-cluster-snapshot --source-region eu-central-1 --region eu-west-1'],
  ['a DR region of another partition', 'prod', changed(prod, (c) => (c.drRegion = 'cn-north-1')), 'prod.drRegion', 'is in the aws-cn partition and region eu-west-1 in aws'],
  ['a FIFO queue for the alarms', 'dev', subscribed(dev, 'sqs', 'arn:aws:sqs:eu-west-1:111111111111:alarms.fifo'), 'dev.observability.subscriptions.0.endpoint', 'is a FIFO queue'],
  ['an alarm queue of another partition', 'dev', subscribed(dev, 'sqs', 'arn:aws-us-gov:sqs:eu-west-1:111111111111:alarms'), 'dev.observability.subscriptions.0.endpoint', 'names partition aws-us-gov'],
  ['an alarm queue of another account', 'dev', subscribed(dev, 'sqs', 'arn:aws:sqs:eu-west-1:999999999999:alarms'), 'dev.observability.subscriptions.0.endpoint', 'names account 999999999999'],
  ['an alarm function of another account', 'dev', subscribed(dev, 'lambda', 'arn:aws:lambda:eu-west-1:999999999999:function:page'), 'dev.observability.subscriptions.0.endpoint', "another account's function must grant and subscribe itself"],
  ['an alarm webhook on a private address', 'dev', subscribed(dev, 'https', 'https://10.0.4.20/hooks/alarms'), 'dev.observability.subscriptions.0.endpoint', 'names the host 10.0.4.20, which SNS cannot reach'],
  ['an alarm webhook on localhost', 'dev', subscribed(dev, 'https', 'https://localhost:8443/alarms'), 'dev.observability.subscriptions.0.endpoint', 'which SNS cannot reach'],
  ['an SDK region other than the service\'s own', 'prod', changed(prod, (c) => (c.service.environment = { AWS_REGION: 'us-east-1' })), 'prod.service.environment.AWS_REGION', 'is us-east-1, but the service runs in eu-west-1'],
  ['an EKS admin role of another partition', 'prod', changed(prod, (c) => (c.gitops.cluster.adminRoleArns = ['arn:aws-us-gov:iam::333333333333:role/break-glass'])), 'prod.gitops.cluster.adminRoleArns.0', 'names partition aws-us-gov'],
];

const REGISTRY: [string, Record<string, unknown>, string, string][] = [
  ['two environments on one VPC range', { dev, staging: changed(staging, (c) => (c.network.cidr = '10.10.0.0/16')) }, 'staging.network.cidr', "10.10.0.0/16 overlaps dev's 10.10.0.0/16"],
  ['a range inside another environment\'s', { dev, staging: changed(staging, (c) => (c.network.cidr = '10.10.128.0/17')) }, 'dev.network.cidr', "10.10.0.0/16 overlaps staging's 10.10.128.0/17"],
  ['an overlap allowed with an environment that is not there', { prod: changed(prod, (c) => (c.network.cidrOverlapAllowedWith = ['qa'])) }, 'prod.network.cidrOverlapAllowedWith.0', '"qa" names no environment'],
  ['an overlap allowed where there is none', { dev, prod: changed(prod, (c) => (c.network.cidrOverlapAllowedWith = ['dev'])) }, 'prod.network.cidrOverlapAllowedWith.0', "dev's range does not overlap 10.30.0.0/16; remove it"],
  ['a standby on another environment\'s VPC range', { prod, staging: changed(staging, (c) => (c.failover = { network: { cidr: '10.31.0.0/17' }, certificateArn: 'arn:aws:acm:eu-central-1:222222222222:certificate/0c7d2e4f-5a6b-4c8d-9e0f-a1b2c3d4e5f7', routing: { kind: 'global-accelerator' } })) }, 'staging.failover.network.cidr', "10.31.0.0/17 overlaps prod's failover.network.cidr (10.31.0.0/16)"],
  ['a standby on another environment\'s primary range', { dev, prod: changed(prod, (c) => (c.failover = { ...c.failover!, network: { cidr: '10.10.0.0/16' } })) }, 'prod.failover.network.cidr', "10.10.0.0/16 overlaps dev's network.cidr (10.10.0.0/16)"],
  ['staging deploying prod\'s applications', { prod, staging: changed(staging, (c) => (c.gitops.repository.path = 'environments/prod')) }, 'staging.gitops.repository.path', "the directory of prod's applications"],
  ['prod run as tier dev', { prod: changed(prod, (c) => (c.tier = 'dev')) }, 'prod.tier', 'is dev, but the name "prod" says prod'],
  ['a second prod run as tier dev', { prod2: changed(prod, (c) => ((c.name = 'prod2'), (c.tier = 'dev'))) }, 'prod2.tier', 'is dev, but the name "prod2" says prod'],
  ['a prod-eu environment run as tier staging', { 'prod-eu': changed(prod, (c) => ((c.name = 'prod-eu'), (c.tier = 'staging'))) }, 'prod-eu.tier', 'is staging, but the name "prod-eu" says prod'],
  ['a weaker tier with no real reason', { 'prod-eu': changed(prod, (c) => ((c.name = 'prod-eu'), (c.tier = 'staging'), (c.weakerTierReason = 'because'))) }, 'prod-eu.weakerTierReason', 'must explain the weaker tier in at least 20 characters'],
  ['a reason for a weaker tier that is not weaker', { prod: changed(prod, (c) => (c.weakerTierReason = 'prod is a rehearsal account for now')) }, 'prod.weakerTierReason', 'is set, but tier prod is not weaker'],
  [
    'an overlap beside an unrelated mistake in the same environment',
    { prod, staging: changed(staging, (c) => ((c.network.cidr = '10.30.0.0/16'), (c.gitops.cluster.nodes.instanceTypes = ['m7g.large']))) },
    'staging.network.cidr',
    "10.30.0.0/16 overlaps prod's 10.30.0.0/16",
  ],
  [
    'a state bucket named as another environment\'s load balancer logs',
    { dev, staging: changed(staging, (c) => (c.state = { bucket: 'groundwork-dev-alb-logs-111111111111' })) },
    'staging.state.bucket',
    'makes the aws_s3_bucket "groundwork-dev-alb-logs-111111111111" (state-staging), which service-dev makes too: S3 bucket names are global',
  ],
  [
    'a state replica named as another environment\'s state bucket',
    { dev, staging: changed(staging, (c) => (c.state = { replica: { bucket: 'groundwork-dev-tfstate-111111111111' } })) },
    'staging.state.replica.bucket',
    'makes the aws_s3_bucket "groundwork-dev-tfstate-111111111111" (state-staging), which state-dev makes too: S3 bucket names are global',
  ],
  [
    'two environments with standbys in one account and region, whose image replications would replace each other',
    { prod, prodb: changed(prod, (c) => ((c.name = 'prodb'), (c.network.cidr = '10.40.0.0/16'), (c.failover = { ...c.failover!, network: { cidr: '10.41.0.0/16' } }))) },
    'prodb.name',
    'makes the aws_ecr_replication_configuration "registry" (service-prodb), which service-prod makes too: a registry has one replication configuration in each region, and each apply replaces it whole',
  ],
];

/** prod with its GitOps repository changed as given. */
const prodRepository = (repository: Record<string, unknown>) => changed(prod, (c) => Object.assign(c.gitops.repository, repository));

const GITOPS: InvalidCase[] = [
  ['an absolute path in the GitOps repository', 'prod', prodRepository({ path: '/environments/prod' }), 'prod.gitops.repository.path', 'must be relative to the repository root'],
  ['a GitOps path that climbs out of the repository', 'prod', prodRepository({ path: '../prod' }), 'prod.gitops.repository.path', 'may not contain ".."'],
  ['a revision with a space, which git never names', 'prod', prodRepository({ revision: 'release 2026.11' }), 'prod.gitops.repository.revision', 'must be a branch, tag or commit name git allows: no spaces'],
  ['a revision with "..", which git never names', 'prod', prodRepository({ revision: 'feature..x' }), 'prod.gitops.repository.revision', 'no ".."'],
  ['a retry whose first wait is longer than its longest', 'prod', changed(prod, (c) => (c.gitops.retry = { backoffDuration: '10m', backoffMaxDuration: '3m' })), 'prod.gitops.retry.backoffDuration', 'is 10m, longer than gitops.retry.backoffMaxDuration (3m)'],
  [
    'a public API endpoint open to half the internet at a time',
    'staging',
    changed(staging, (c) => Object.assign(c.gitops.cluster, { publicEndpoint: true, publicAccessCidrs: ['0.0.0.0/1', '128.0.0.0/1'] })),
    'staging.gitops.cluster.publicAccessCidrs.0',
    'is 0.0.0.0/1, larger than a /8',
  ],
];

/** Fake secrets, built from pieces so that this file holds none. */
const FAKE = {
  stripe: ['sk', 'live', '4eC39HqLyjWDarjtT1zdp7dc'].join('_'),
  jwt: `Bearer ${['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiJncm91bmR3b3JrIn0', 'c2lnbmF0dXJlLWJ5dGVz'].join('.')}`,
  docker: ['dckr', 'pat', '8d7c6b5a4f3e2d1c0b9a8f7e6d5c'].join('_'),
  basic: `Basic ${Buffer.from(['deploy', 'hunter2-hunter2'].join(':')).toString('base64')}`,
  azure: `DefaultEndpointsProtocol=https;AccountName=groundwork;${['Account', 'Key'].join('')}=${'k3y'.repeat(12)}Zw==`,
  awsSecret: ['wJalrXUtnFEMI', 'K7MDENG', 'bPxRfiCY9ZEXAMPLEKEY'].join('/').slice(0, 40),
};

const SECRETS: [string, EnvironmentConfig, string, string, string][] = [
  ['a Stripe key under a name that does not say secret', changed(dev, (c) => (c.service.environment = { PAYMENTS_CONFIG: FAKE.stripe })), 'dev.service.environment.PAYMENTS_CONFIG', 'a Stripe secret or restricted key', FAKE.stripe],
  ['a bearer token under a name that does not say secret', changed(dev, (c) => (c.service.environment = { UPSTREAM_AUTH: FAKE.jwt })), 'dev.service.environment.UPSTREAM_AUTH', 'a JSON Web Token', FAKE.jwt],
  ['HTTP basic credentials under a name that does not say secret', changed(dev, (c) => (c.service.environment = { UPSTREAM_HEADER_VALUE: FAKE.basic })), 'dev.service.environment.UPSTREAM_HEADER_VALUE', 'HTTP basic credentials', FAKE.basic],
  ['an Azure storage connection string', changed(dev, (c) => (c.service.environment = { ARCHIVE_STORAGE: FAKE.azure })), 'dev.service.environment.ARCHIVE_STORAGE', 'an Azure storage or service bus key', FAKE.azure],
  ['an AWS secret access key on its own', changed(dev, (c) => (c.service.environment = { LEGACY_UPLOADER: FAKE.awsSecret })), 'dev.service.environment.LEGACY_UPLOADER', 'an AWS secret access key', FAKE.awsSecret],
  ['a password under a name that says PASS', changed(dev, (c) => (c.service.environment = { DB_PASS: 'correct-horse' })), 'dev.service.environment.DB_PASS', 'its name says "PASS"', 'correct-horse'],
  ['a Docker Hub token under a name that does not say secret', changed(dev, (c) => (c.service.environment = { REGISTRY_LOGIN: FAKE.docker })), 'dev.service.environment.REGISTRY_LOGIN', 'a Docker Hub access token', FAKE.docker],
];

const IMPORTS: InvalidCase[] = [
  [
    'an IAM role imported by its ARN, which Terraform imports by name',
    'prod',
    changed(prod, (c) => (c.imports = [{ resource: 'network-prod/flow-logs/role', id: 'arn:aws:iam::333333333333:role/groundwork-prod-vpc-flow-logs' }])),
    'prod.imports.0.id',
    'is an ARN, but aws_iam_role is imported by its name',
  ],
];

const TIERS: InvalidCase[] = [
  ['a staging deployment that may stop every task', 'staging', changed(staging, (c) => (c.service.deployment = { minimumHealthyPercent: 0 })), 'staging.service.deployment.minimumHealthyPercent', 'may not be 0 for tier staging: a deployment could then stop every task at once'],
  ['prod started with no task', 'prod', changed(prod, (c) => (c.service.desiredCount = 0)), 'prod.service.desiredCount', "is 0, outside service.autoscaling's 3 to 12 tasks"],
  ['staging that may scale to no task', 'staging', changed(staging, (c) => (c.service.autoscaling.minTasks = 0)), 'staging.service.autoscaling.minTasks', 'could scale to no task'],
  ['a prod cache without snapshots', 'prod', changed(prod, (c) => (c.cache.snapshotRetentionDays = 0)), 'prod.cache.snapshotRetentionDays', 'may not be 0 for tier prod'],
  ['a dev vault locked for good', 'dev', changed(dev, (c) => (c.backup = { vaultLock: { minRetentionDays: 1, maxRetentionDays: 35, changeableForDays: 3 } })), 'dev.backup.vaultLock.changeableForDays', 'may not be set for tier dev'],
  ['prod reached through a kubeconfig on a laptop', 'prod', changed(prod, (c) => (c.gitops.cluster = { kind: 'existing', kubeconfigPath: '~/.kube/config', context: 'prod' })), 'prod.gitops.cluster.kubeconfigPath', 'a home directory\'s file'],
  ['prod keys deleted after a week', 'prod', changed(prod, (c) => (c.kms = { deletionWindowDays: 7 })), 'prod.kms.deletionWindowDays', 'tier prod keeps a deleted key 30 days'],
  ['a prod audit trail kept a day', 'prod', changed(prod, (c) => (c.observability.trail = { retentionDays: 1 })), 'prod.observability.trail.retentionDays', 'at least 365 days'],
  ['prod flow logs kept a day', 'prod', changed(prod, (c) => (c.network.flowLogs.retentionDays = 1)), 'prod.network.flowLogs.retentionDays', 'at least 90 days'],
  ['prod database backups kept a day', 'prod', changed(prod, (c) => (c.database.backup.retentionDays = 1)), 'prod.database.backup.retentionDays', 'tier prod keeps automated backups at least 7 days'],
];

/** prod with its graph changed as given. */
const prodGraph = (change: (graph: any) => void) => changed(prod, (c) => change(c.graph));

const GRAPH: InvalidCase[] = [
  ['a graph instance type that does not exist, with the nearest real one', 'prod', prodGraph((g) => (g.instanceType = 'r7i.xlarg')), 'prod.graph.instanceType', 'nearest: r7i.xlarge'],
  ['a GPU instance type for Neo4j', 'staging', changed(staging, (c) => (c.graph = { instanceType: 'g5.xlarge' })), 'staging.graph.instanceType', 'is not a general purpose (m, t), compute optimized (c) or memory optimized (r) type'],
  ['a heap and page cache larger than the instance', 'prod', prodGraph((g) => (g.memory = { heapGiB: 16, pageCacheGiB: 16 })), 'prod.graph.memory', "come to 33 GiB, more than r7i.xlarge's 32 GiB"],
  ['defaults too large for a small instance', 'staging', changed(staging, (c) => (c.graph = { instanceType: 't3.large' })), 'staging.graph.memory', "come to 13 GiB, more than t3.large's 8 GiB"],
  ['a heap in odd megabytes', 'prod', prodGraph((g) => (g.memory = { heapGiB: 8.3, pageCacheGiB: 16 })), 'prod.graph.memory.heapGiB', 'must be a multiple of 0.5 GiB'],
  ['a Community Edition cluster', 'prod', prodGraph((g) => (g.edition = 'community')), 'prod.graph.nodes', 'Neo4j Community Edition runs one server'],
  ['more IOPS than a gp3 volume of its size takes', 'prod', prodGraph((g) => (g.dataVolume = { sizeGiB: 10, iops: 6000 })), 'prod.graph.dataVolume.iops', 'a gp3 volume of 10 GiB takes at most 5000'],
  ['more throughput than the IOPS allow', 'prod', prodGraph((g) => (g.dataVolume = { sizeGiB: 500, iops: 3000, throughputMiBps: 1000 })), 'prod.graph.dataVolume.throughputMiBps', '0.25 MiB/s per provisioned IOPS: 750 MiB/s with 3000 IOPS'],
  ['a data volume beyond gp3\'s 16 TiB', 'prod', prodGraph((g) => (g.dataVolume = { sizeGiB: 20000 })), 'prod.graph.dataVolume.sizeGiB', 'Too big'],
  ['Bolt and HTTP on one port', 'prod', prodGraph((g) => (g.ports = { bolt: 7474 })), 'prod.graph.ports.http', 'is 7474, the Bolt port too'],
  ['Bolt on the cluster\'s Raft port', 'prod', prodGraph((g) => (g.ports = { bolt: 7000 })), 'prod.graph.ports.bolt', "is 7000, the cluster's raft port"],
  ['a Neo4j version that is not exact', 'prod', prodGraph((g) => (g.neo4jVersion = '5.26')), 'prod.graph.neo4jVersion', 'must be an exact Neo4j version'],
  ['a Neo4j 4 version', 'prod', prodGraph((g) => (g.neo4jVersion = '4.4.30')), 'prod.graph.neo4jVersion', 'must be an exact Neo4j version'],
  ['a real environment without the image pipeline', 'prod', prodGraph((g) => (g.image = { pipeline: false })), 'prod.graph.image.pipeline', 'may be false only in an emulator environment'],
  ['a real environment whose nodes take a new address with each instance', 'staging', changed(staging, (c) => (c.graph = { stableAddresses: false })), 'staging.graph.stableAddresses', 'may be false only in an emulator environment: a replaced node would come back at a new address'],
  ['an emulator cluster whose members have no stable addresses', 'local', changed(environments.local, (c) => (c.graph = { ...c.graph, edition: 'enterprise', nodes: 2 })), 'local.graph.stableAddresses', 'the 2 servers of a cluster find each other at their addresses'],
  ['an image schedule in crontab\'s five fields', 'prod', prodGraph((g) => (g.image = { schedule: 'cron(0 4 * * 0)' })), 'prod.graph.image.schedule', 'with six fields'],
  ['a recovery point allowed to be a year old', 'prod', prodGraph((g) => (g.backup = { maxRecoveryPointAgeHours: 8760 })), 'prod.graph.backup.maxRecoveryPointAgeHours', 'Too big'],
  ['a field the graph does not have', 'prod', prodGraph((g) => (g.subnets = 'public')), 'prod.graph.subnets', 'is not a known field'],
  ['two servers of Community Edition by default', 'staging', changed(staging, (c) => (c.graph = { nodes: 2 })), 'staging.graph.nodes', 'a cluster needs edition "enterprise"'],
  ['a graph password that never rotates', 'prod', changed(prod, (c) => (c.rotation = { graphPasswordDays: 1000 })), 'prod.rotation.graphPasswordDays', 'a secret that rotates less than yearly is not rotating'],
];

describe('synth refuses', () => {
  describe('values AWS does not offer (the catalog)', () => {
    it.each(EXISTENCE)('%s', (...row) => void expectRejected(row));
  });
  describe('names and settings AWS, PostgreSQL or ECS reserve or refuse', () => {
    it.each(NAMES)('%s', (...row) => void expectRejected(row));
  });
  describe('what exceeds AWS\'s limits', () => {
    it.each(LIMITS)('%s', (...row) => void expectRejected(row));
  });
  describe('identities of the wrong place', () => {
    it.each(IDENTITIES)('%s', (...row) => void expectRejected(row));
  });
  describe('clashes across the registry', () => {
    it.each(REGISTRY)('%s', (_what, registry, fieldPath, fragment) => {
      const outcome = synthOutcome(registry);
      expect(outcome.exitCode).toBe(1);
      const found = outcome.problems.some((p) => p.startsWith(`${fieldPath}: `) && p.includes(fragment));
      expect({ problems: outcome.problems, found }).toEqual({ problems: outcome.problems, found: true });
      expect(outcome.leftBehind).toEqual([]);
    });
  });
  describe('GitOps settings ArgoCD would refuse or never resolve', () => {
    it.each(GITOPS)('%s', (...row) => void expectRejected(row));
  });
  describe('secrets in config, in a format secretlint\'s preset does not know', () => {
    it.each(SECRETS)('%s, never printing it', (_what, config, fieldPath, fragment, secret) => {
      const outcome = expectRejected([_what, 'dev', config, fieldPath, fragment]);
      expect(`${outcome.stdout}${outcome.stderr}`).not.toContain(secret);
    });
  });
  describe('graph nodes AWS or Neo4j would refuse, or that could not run', () => {
    it.each(GRAPH)('%s', (...row) => void expectRejected(row));
  });
  describe('imports Terraform could not find', () => {
    it.each(IMPORTS)('%s', (...row) => void expectRejected(row));
  });
  describe('what is dangerous in staging and prod', () => {
    it.each(TIERS)('%s', (...row) => void expectRejected(row));
  });
});

describe('synth accepts what ArgoCD and ECS accept', () => {
  it.each([
    ['an scp-like repository address', prodRepository({ url: 'git@github.com:example/groundwork-apps.git' })],
    ['a backoff in bare seconds, as ArgoCD reads it', changed(prod, (c) => (c.gitops.retry = { backoffDuration: '5', backoffMaxDuration: '180' }))],
    ['an alarm queue in another region of the partition, which SNS delivers to', changed(prod, (c) => c.observability.subscriptions.push({ protocol: 'sqs', endpoint: 'arn:aws:sqs:eu-central-1:333333333333:alarms' }))],
    ['an automated snapshot to restore, named as RDS names it', changed(staging, (c) => (c.database.restoreFromSnapshot = 'rds:groundwork-staging-2026-12-01-03-10'))],
    ['a prod-named environment on a weaker tier that says why', changed(prod, (c) => ((c.name = 'prod-eu'), (c.tier = 'staging'), (c.weakerTierReason = 'a rehearsal of the EU launch, with no customer data yet')))],
    ['a health check with a query string', changed(prod, (c) => (c.service.healthCheck = { path: '/healthz?deep=1' }))],
    ['a variable about a token that is not one', changed(prod, (c) => (c.service.environment = { TOKEN_TTL_SECONDS: '3600', PASSWORD_MIN_LENGTH: '12' }))],
  ])('%s', (_what, config) => {
    expect(synthOutcome({ [config.name]: config }).problems).toEqual([]);
  });
});

describe('the catalog escape hatch', () => {
  const newVersion = '16.99';
  const allowed = changed(prod, (c) => ((c.database.engineVersion = newVersion), (c.catalogExceptions = [{ field: 'database.engineVersion', value: newVersion }])));

  it('lets a value AWS added after the catalog was read through, for that field only, and synth uses it', () => {
    let cluster: Record<string, unknown> = {};
    const outcome = synthOutcome({ prod: allowed }, (outdir) => {
      cluster = Object.values(readStacks(outdir).get('data-prod')!.resource.aws_rds_cluster)[0];
    });
    expect(outcome.problems).toEqual([]);
    expect(outcome.exitCode).toBe(0);
    expect(cluster.engine_version).toBe(newVersion);
  });

  it('does not let the same value through another field', () => {
    const elsewhere = changed(allowed, (c) => (c.cache.engineVersion = newVersion));
    expect(synthOutcome({ prod: elsewhere }).problems).toEqual([expect.stringMatching(/^prod\.cache\.engineVersion: "16\.99" is not a Valkey version/)]);
  });

  it('allows each element of a list on its own', () => {
    const twoNew = prodNodes({ instanceTypes: ['m9i.xlarge', 'm9i.2xlarge'] });
    const oneAllowed = changed(twoNew, (c) => (c.catalogExceptions = [{ field: 'gitops.cluster.nodes.instanceTypes', value: 'm9i.xlarge' }]));
    expect(synthOutcome({ prod: oneAllowed }).problems).toEqual([expect.stringMatching(/^prod\.gitops\.cluster\.nodes\.instanceTypes\.1: "m9i\.2xlarge" is not an EC2 instance type/)]);
  });

  it('tells the user, in the message, the exact exception to write', () => {
    const [message] = synthOutcome({ prod: changed(prod, (c) => (c.cache.nodeType = 'cache.r9g.large')) }).problems;
    expect(message).toContain("catalogExceptions: [{ field: 'cache.nodeType', value: 'cache.r9g.large' }]");
  });

  it('accepts a region newer than the SDK data and builds its ARNs in the partition its code names', () => {
    const newRegion = changed(dev, (c) => ((c.region = 'eu-west-4'), (c.catalogExceptions = [{ field: 'region', value: 'eu-west-4' }])));
    let stateKey: unknown;
    const outcome = synthOutcome({ dev: newRegion }, (outdir) => {
      stateKey = readStacks(outdir).get('network-dev')!.terraform.backend!.s3.kms_key_id;
    });
    expect(outcome.problems).toEqual([]);
    expect(stateKey).toBe('arn:aws:kms:eu-west-4:111111111111:alias/groundwork/dev/tfstate');
  });

  it('never allows a region of a partition Groundwork does not build for', () => {
    const iso = changed(prod, (c) => ((c.region = 'us-iso-east-1'), (c.catalogExceptions = [{ field: 'region', value: 'us-iso-east-1' }])));
    expect(synthOutcome({ prod: iso }).problems).toContainEqual(expect.stringMatching(/^prod\.region: "us-iso-east-1" is a region of the aws-iso partition/));
  });
});

describe('the catalog', () => {
  it('names the page and the day of every list: AWS\'s, and the Argo project\'s for its charts', () => {
    for (const [name, list] of Object.entries(CATALOG)) {
      expect([name, list.source]).toEqual([name, expect.stringMatching(/^https:\/\/(docs\.aws\.amazon\.com|aws\.amazon\.com|github\.com\/argoproj)\//)]);
      expect([name, list.readOn]).toEqual([name, expect.stringMatching(/^20\d\d-\d\d-\d\d$/)]);
    }
  });

  it('holds every value the shipped environments use: they load with no catalog exception', () => {
    expect(Object.values(environments).map((config) => ('catalogExceptions' in config ? config.catalogExceptions : undefined))).toEqual([undefined, undefined, undefined, undefined]);
    expect(synthOutcome(environments).exitCode).toBe(0);
  });

  it('gives a region its own zones by default, where they are not simply a, b, c', () => {
    expect(CATALOG.availabilityZones.values['ca-central-1']).toEqual(['ca-central-1a', 'ca-central-1b', 'ca-central-1d']);
    const [canada] = loadEnvironments({ dev: changed(dev, (c) => ((c.region = 'ca-central-1'), (c.drRegion = 'ca-west-1'), (c.network.azCount = 3))) });
    expect(canada.network.availabilityZones).toEqual(['ca-central-1a', 'ca-central-1b', 'ca-central-1d']);
  });

  it('lists zones of regions the AWS SDK knows, each named after its region', () => {
    for (const [region, zones] of Object.entries(CATALOG.availabilityZones.values)) {
      expect([region, partitionOfRegion(region)?.id]).toEqual([region, expect.stringMatching(/^aws(-cn|-us-gov)?$/)]);
      for (const zone of zones ?? []) expect(zone).toMatch(new RegExp(`^${region}[a-z]$`));
    }
  });

  it('finds the nearest versions by number and the nearest names by spelling', () => {
    expect(nearest('16.99', ['15.4', '16.8', '16.6', '17.2', '16'])).toEqual(['16.8', '16.6', '16']);
    expect(nearest('db.t4g.mediun', ['db.t4g.large', 'db.t4g.medium', 'db.r7g.large'])[0]).toBe('db.t4g.medium');
  });
});

describe('the AWS SDK region data', () => {
  it('knows the partition of every region the SDK resolves', () => {
    expect(partitionOfRegion('eu-west-1')?.id).toBe('aws');
    expect(partitionOfRegion('cn-northwest-1')?.id).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-west-1')?.id).toBe('aws-us-gov');
    expect(partitionOfRegion('eu-west-9')).toBeUndefined();
    // The parsed data agrees with the SDK's own resolver region by region.
    const { partition } = require('@aws-sdk/core/client') as { partition: (region: string) => { name: string } };
    for (const { id, regions } of awsPartitions()) {
      for (const region of regions) expect([region, partition(region).name]).toEqual([region, id]);
    }
  });
});

describe('tier names', () => {
  it('read the tier a name claims from its words, not from letters inside them', () => {
    expect(['prod', 'prod-eu', 'eu-production', 'staging', 'stg-2', 'preprod', 'dev', 'product', 'prodigy', 'local'].map(tierNamed)).toEqual([
      'prod',
      'prod',
      'prod',
      'staging',
      'staging',
      'staging',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
