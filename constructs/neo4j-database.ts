import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { GoldenImage, type Architecture } from './golden-image';
import { GeneratedSecret } from './generated-secret';
import { InstanceRole } from './instance-role';
import { configurationDigest, GRAPH_METRICS_NAMESPACE, neo4jConf, neo4jImageComponent, nodeUserData, type Neo4jSettings } from './neo4j-configuration';
import { PrivateSecurityGroup } from './private-security-group';
import { StatefulNode, type DataVolumeProps } from './stateful-node';

/** The ports a Neo4j 5 cluster's servers talk to each other on (discovery and transactions, Raft, routing). */
const CLUSTER_PORTS = [6000, 7000, 7688];

export interface Neo4jDatabaseProps extends Neo4jSettings {
  /** Name of the nodes and their parts, e.g. `groundwork-prod-graph`; node n is `<name>-<n>`. */
  readonly name: string;
  /** Name of the secret of the `neo4j` user's credentials, e.g. `groundwork/prod/graph-credentials`. */
  readonly credentialsSecretName: string;
  /** SSM parameter of the current image, e.g. `/groundwork/prod/graph/image-id`. */
  readonly imageParameterName: string;
  readonly region: string;
  readonly instanceType: string;
  /** The instance type's architecture, which the image must share. */
  readonly architecture: Architecture;
  readonly vpcId: string;
  /** Private subnets, one per zone in zone order; node n runs in subnet n mod count. */
  readonly subnetIds: readonly string[];
  /** The subnets' zones, in the same order. */
  readonly availabilityZones: readonly string[];
  /** Security group of the database's only client, admitted on the Bolt port (drivers speak Bolt only). */
  readonly clientSecurityGroupId: string;
  /** The KMS key that encrypts the volumes and the credentials. */
  readonly encryptionKeyArn: string;
  readonly dataVolume: DataVolumeProps;
  /** Terraform refuses any plan that destroys a data volume. */
  readonly preventDestroy: boolean;
  /** Days a deleted credentials secret can still be restored. */
  readonly secretRecoveryWindowDays: number;
  /**
   * Build the image with EC2 Image Builder on this schedule (an AWS cron expression).
   * @default - no pipeline: the nodes boot the latest Amazon Linux 2023 image
   */
  readonly imageSchedule?: string;
  /**
   * Each node's address is a network interface that outlives its instances (see `StatefulNode`). Only a
   * single server may do without: a cluster's members find each other at their addresses.
   * @default true
   */
  readonly stableAddresses?: boolean;
}

/**
 * Neo4j on EC2: `nodes` StatefulNodes in the private subnets booting the golden image, reachable only from
 * the client (and, in a cluster, each other) on Neo4j's ports, running as a role that may read its own
 * credentials and write its own metrics, nothing else. The `neo4j` user's password is generated into
 * Secrets Manager and set on each new data volume; rotation changes it inside Neo4j from then on.
 */
export class Neo4jDatabase extends Construct {
  readonly nodes: StatefulNode[];
  readonly securityGroup: PrivateSecurityGroup;
  readonly credentialsSecretArn: string;
  /** The driver's URI: the first node's address, from which a driver learns the cluster's routing. */
  readonly uri: string;
  readonly image: GoldenImage;

  constructor(scope: Construct, id: string, props: Neo4jDatabaseProps) {
    super(scope, id);
    this.securityGroup = new PrivateSecurityGroup(this, 'security-group', { name: props.name, description: `Neo4j nodes of ${props.name}`, vpcId: props.vpcId });
    // Secrets Manager and CloudWatch, through NAT.
    this.securityGroup.allowOutboundHttps();
    this.securityGroup.admit('client', props.clientSecurityGroupId, props.boltPort);
    if (props.nodes > 1) for (const port of [...CLUSTER_PORTS, props.boltPort]) this.securityGroup.admit('member', this.securityGroup.securityGroupId, port);

    const credentials = new GeneratedSecret(this, 'credentials', {
      name: props.credentialsSecretName,
      description: `Neo4j user neo4j of ${props.name}`,
      encryptionKeyArn: props.encryptionKeyArn,
      // Neo4j takes any characters; quotes and backslashes are left out for the shells and drivers that pass it.
      initialValue: { length: 40, excludeCharacters: '"\'\\`$ ' },
      json: { passwordField: 'password', fields: { username: 'neo4j' } },
      recoveryWindowDays: props.secretRecoveryWindowDays,
    });
    this.credentialsSecretArn = credentials.secretArn;

    const role = new InstanceRole(this, 'role', {
      roleName: props.name,
      region: props.region,
      statements: [
        { sid: 'ReadTheCredentials', actions: ['secretsmanager:GetSecretValue'], resources: [credentials.secretArn] },
        { sid: 'DecryptTheCredentials', actions: ['kms:Decrypt'], resources: [props.encryptionKeyArn] },
        {
          sid: 'WriteItsMetrics',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          condition: [{ test: 'StringEquals', variable: 'cloudwatch:namespace', values: [GRAPH_METRICS_NAMESPACE] }],
        },
      ],
    });

    if (props.stableAddresses === false && props.nodes > 1) {
      throw new Error(`${this.node.path}: a cluster of ${props.nodes} servers needs stable addresses, at which its members find each other`);
    }
    const subnetCount = Math.min(props.subnetIds.length, props.availabilityZones.length);
    this.image = new GoldenImage(this, 'image', {
      name: props.name,
      parameterName: props.imageParameterName,
      architecture: props.architecture,
      region: props.region,
      encryptionKeyArn: props.encryptionKeyArn,
      pipeline: props.imageSchedule
        ? { componentDocument: neo4jImageComponent(props), schedule: props.imageSchedule, vpcId: props.vpcId, subnetId: props.subnetIds[0], buildInstanceType: props.instanceType }
        : undefined,
    });
    const digest = configurationDigest(props);
    const nodes: StatefulNode[] = [];
    // Each node's configuration names every member, the later ones too: the list is produced at synth.
    const clusterEndpoints = Lazy.stringValue({ produce: () => nodes.map((node) => `${node.privateIp}:6000`).join(',') });
    for (let n = 1; n <= props.nodes; n++) {
      const zone = (n - 1) % subnetCount;
      const nodeName = `${props.name}-${n}`;
      const node = new StatefulNode(this, `node-${n}`, {
        name: nodeName,
        imageId: this.image.imageId,
        instanceType: props.instanceType,
        subnetId: props.subnetIds[zone],
        stableAddress: props.stableAddresses,
        availabilityZone: props.availabilityZones[zone],
        securityGroupIds: [this.securityGroup.securityGroupId],
        instanceProfileName: role.instanceProfileName,
        configDigest: digest,
        encryptionKeyArn: props.encryptionKeyArn,
        dataVolume: props.dataVolume,
        preventDestroy: props.preventDestroy,
        userData: (volumeSerial) =>
          nodeUserData(
            {
              hostName: nodeName,
              volumeSerial,
              region: props.region,
              secretArn: credentials.secretArn,
              neo4jConf: neo4jConf(props),
              clusterEndpoints: props.nodes > 1 ? clusterEndpoints : undefined,
            },
            digest,
          ),
      });
      nodes.push(node);
    }
    this.nodes = nodes;
    this.uri = `neo4j://${nodes[0].privateIp}:${props.boltPort}`;
  }
}
