import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

/**
 * What a Neo4j node is made of, as text: the Image Builder component that installs Neo4j into the golden
 * image, and the boot script (`user_data`) that mounts the data volume and writes the configuration.
 * Terraform reads `${` in any string as a template: the scripts here use `$name`, never `${name}`, and
 * take every Terraform value through `NodeBootValues`.
 */

/** Where the data volume is mounted: Neo4j's data directory under the RPM's layout. */
export const NEO4J_DATA_DIRECTORY = '/var/lib/neo4j/data';
/** The CloudWatch namespace of the nodes' memory and disk metrics, which the instance role may write only to. */
export const GRAPH_METRICS_NAMESPACE = 'Groundwork/Graph';

export interface Neo4jSettings {
  readonly edition: 'community' | 'enterprise';
  readonly version: string;
  readonly heapGiB: number;
  readonly pageCacheGiB: number;
  readonly boltPort: number;
  readonly httpPort: number;
  /** Servers in the cluster: more than one makes each a primary of a Neo4j 5 cluster (enterprise). */
  readonly nodes: number;
}

/** Neo4j 2025.01 and later dropped discovery v1 and renamed the endpoints setting; their packages live in the `latest` repository. */
function calendarVersion(version: string): boolean {
  return /^20\d\d\./.test(version);
}

/**
 * The EC2 Image Builder component (document schema 1.0) that makes the golden image: Java 21, Neo4j at
 * the exact version from Neo4j's own yum repository, and the CloudWatch agent. Neo4j is installed but not
 * enabled: a node starts it only once its data volume is mounted.
 */
export function neo4jImageComponent(settings: Pick<Neo4jSettings, 'edition' | 'version'>): string {
  const repository = calendarVersion(settings.version) ? 'latest' : settings.version.split('.')[0];
  const packageName = `${settings.edition === 'enterprise' ? 'neo4j-enterprise' : 'neo4j'}-${settings.version}`;
  const commands = [
    'rpm --import https://debian.neo4j.com/neotechnology.gpg.key',
    `printf '[neo4j]\\nname=Neo4j\\nbaseurl=https://yum.neo4j.com/stable/${repository}\\nenabled=1\\ngpgcheck=1\\n' > /etc/yum.repos.d/neo4j.repo`,
    'dnf install -y java-21-amazon-corretto-headless amazon-cloudwatch-agent',
    `${settings.edition === 'enterprise' ? 'NEO4J_ACCEPT_LICENSE_AGREEMENT=yes ' : ''}dnf install -y ${packageName}`,
    'systemctl disable neo4j',
  ];
  return stringify({
    name: 'neo4j',
    description: `Neo4j ${settings.edition} ${settings.version} on Java 21, and the CloudWatch agent`,
    schemaVersion: 1.0,
    phases: [
      { name: 'build', steps: [{ name: 'InstallNeo4j', action: 'ExecuteBash', inputs: { commands } }] },
      { name: 'validate', steps: [{ name: 'CheckVersion', action: 'ExecuteBash', inputs: { commands: [`neo4j --version | grep -F '${settings.version}'`] } }] },
    ],
  });
}

/**
 * `neo4j.conf` for one node, whatever Neo4j version the image holds (the boot script adds the node's own
 * address, and the cluster's members under the setting name that version reads).
 */
export function neo4jConf(settings: Omit<Neo4jSettings, 'edition' | 'version'>): string {
  const lines = [
    `server.directories.data=${NEO4J_DATA_DIRECTORY}`,
    'server.directories.logs=/var/log/neo4j',
    'server.directories.plugins=/var/lib/neo4j/plugins',
    'server.directories.import=/var/lib/neo4j/import',
    `server.memory.heap.initial_size=${gib(settings.heapGiB)}`,
    `server.memory.heap.max_size=${gib(settings.heapGiB)}`,
    `server.memory.pagecache.size=${gib(settings.pageCacheGiB)}`,
    'server.default_listen_address=0.0.0.0',
    `server.bolt.listen_address=:${settings.boltPort}`,
    `server.http.listen_address=:${settings.httpPort}`,
    'server.https.enabled=false',
  ];
  if (settings.nodes > 1) lines.push(`initial.dbms.default_primaries_count=${Math.min(settings.nodes, 3)}`, 'dbms.cluster.discovery.resolver_type=LIST');
  return `${lines.join('\n')}\n`;
}

/**
 * The CloudWatch agent's configuration: memory and the data volume's space, with one dimension, `Node`,
 * the node's name, which stays across replacements (an instance id or host name would not).
 */
export function cloudWatchAgentConfig(nodeName: string): string {
  const node = { Node: nodeName };
  return JSON.stringify({
    agent: { metrics_collection_interval: 60, omit_hostname: true },
    metrics: {
      namespace: GRAPH_METRICS_NAMESPACE,
      metrics_collected: {
        mem: { measurement: ['mem_used_percent'], append_dimensions: node },
        disk: { measurement: ['used_percent'], resources: [NEO4J_DATA_DIRECTORY], drop_device: true, append_dimensions: node },
      },
    },
  });
}

/** Terraform values a node's boot script needs; each is a reference (or a literal in tests). */
export interface NodeBootValues {
  /** The node's name, also its host name: the dimension of its memory and disk metrics. */
  readonly hostName: string;
  /** The data volume's id without its hyphen (`vol0123...`), as the NVMe device's serial shows it. */
  readonly volumeSerial: string;
  readonly region: string;
  readonly secretArn: string;
  readonly neo4jConf: string;
  /** Every member's `address:6000`, comma-separated, for a cluster. @default - a single server */
  readonly clusterEndpoints?: string;
}

/**
 * The node's boot script: wait for the data volume, format it only if it has no file system (a new
 * volume), mount it, write the configuration, set the initial password (which Neo4j uses only when the
 * volume holds no system database yet) and start Neo4j and the agent. The first line carries `digest`.
 */
export function nodeUserData(values: NodeBootValues, digest: string): string {
  const device = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${values.volumeSerial}`;
  return [
    '#!/bin/bash',
    `# groundwork:config-digest ${digest}`,
    'set -euo pipefail',
    `hostnamectl set-hostname '${values.hostName}'`,
    `device='${device}'`,
    'for attempt in $(seq 1 120); do [ -e "$device" ] && break; sleep 5; done',
    `[ -e "$device" ] || { echo "the data volume ($device) was not attached within 10 minutes" >&2; exit 1; }`,
    'blkid "$device" >/dev/null || mkfs.xfs -L neo4j-data "$device"',
    `mkdir -p ${NEO4J_DATA_DIRECTORY}`,
    `grep -q ' ${NEO4J_DATA_DIRECTORY} ' /etc/fstab || echo "UUID=$(blkid -s UUID -o value "$device") ${NEO4J_DATA_DIRECTORY} xfs defaults,nofail 0 2" >> /etc/fstab`,
    'mount -a',
    // A volume grown since (graph.dataVolume.sizeGiB) gets its space at the next boot of a new instance.
    `xfs_growfs ${NEO4J_DATA_DIRECTORY} >/dev/null`,
    `chown neo4j:neo4j ${NEO4J_DATA_DIRECTORY}`,
    "cat > /etc/neo4j/neo4j.conf <<'NEO4J_CONF'",
    values.neo4jConf.trimEnd(),
    'NEO4J_CONF',
    // The address Neo4j gives drivers and members: the primary interface's, from the instance metadata (IMDSv2).
    "token=$(curl -sfX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')",
    'address=$(curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/local-ipv4)',
    'printf \'server.default_advertised_address=%s\\n\' "$address" >> /etc/neo4j/neo4j.conf',
    ...(values.clusterEndpoints === undefined
      ? []
      : [
          // Neo4j 5 reads discovery v2's setting; 2025.01 and later, which have only v2, the renamed one.
          `endpoints='${values.clusterEndpoints}'`,
          "if neo4j --version | grep -q '^neo4j 5\\.'; then",
          '  printf \'dbms.cluster.discovery.version=V2_ONLY\\ndbms.cluster.discovery.v2.endpoints=%s\\n\' "$endpoints" >> /etc/neo4j/neo4j.conf',
          'else',
          '  printf \'dbms.cluster.endpoints=%s\\n\' "$endpoints" >> /etc/neo4j/neo4j.conf',
          'fi',
        ]),
    "cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'AGENT_CONF'",
    cloudWatchAgentConfig(values.hostName),
    'AGENT_CONF',
    `password=$(aws secretsmanager get-secret-value --region '${values.region}' --secret-id '${values.secretArn}' --query SecretString --output text | python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])')`,
    // Only on a new volume: once the system database exists, its users (and rotated passwords) live there.
    `[ -d ${NEO4J_DATA_DIRECTORY}/databases/system ] || sudo -u neo4j neo4j-admin dbms set-initial-password "$password" >/dev/null`,
    'unset password',
    'systemctl enable --now neo4j',
    'amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json',
    '',
  ].join('\n');
}

/**
 * The digest of what a node boots with: the settings and the boot script as written, before Terraform's
 * values. Not the version or edition: those are the image's, and arrive with the image's own replacement.
 */
export function configurationDigest(given: Omit<Neo4jSettings, 'edition' | 'version'>): string {
  // Exactly the settings: a caller's wider props may hold Terraform tokens, which differ from synth to synth.
  const { heapGiB, pageCacheGiB, boltPort, httpPort, nodes } = given;
  const settings = { heapGiB, pageCacheGiB, boltPort, httpPort, nodes };
  const placeholders: NodeBootValues = {
    hostName: '<host>',
    volumeSerial: '<volume>',
    region: '<region>',
    secretArn: '<secret>',
    neo4jConf: neo4jConf(settings),
    clusterEndpoints: nodes > 1 ? '<members>' : undefined,
  };
  return createHash('sha256').update(JSON.stringify(settings)).update(nodeUserData(placeholders, '')).digest('hex').slice(0, 16);
}

function gib(value: number): string {
  return Number.isInteger(value) ? `${value}g` : `${value * 1024}m`;
}
