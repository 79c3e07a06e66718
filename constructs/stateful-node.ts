import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { NetworkInterface } from '@cdktf/provider-aws/lib/network-interface';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

/** A node's gp3 data volume. */
export interface DataVolumeProps {
  /** Size in GiB. */
  readonly sizeGiB: number;
  /** Provisioned IOPS (3000 to 16000). */
  readonly iops: number;
  /** Provisioned throughput in MiB/s (125 to 1000). */
  readonly throughputMiBps: number;
}

export interface StatefulNodeProps {
  /** Name of the node, its host and its tags, e.g. `groundwork-prod-graph-1`. */
  readonly name: string;
  /** The image to boot: a change replaces the instance (the volume and the address stay). */
  readonly imageId: string;
  readonly instanceType: string;
  /** The subnet of the node's network interface. */
  readonly subnetId: string;
  /**
   * The node's address is a network interface of its own, attached at launch and kept across replacements;
   * without it the instance takes an address of its own in the subnet, and a new one with each replacement.
   * @default true
   */
  readonly stableAddress?: boolean;
  /** The subnet's availability zone, where the data volume must be too. */
  readonly availabilityZone: string;
  readonly securityGroupIds: readonly string[];
  /** The instance profile the node runs as. */
  readonly instanceProfileName: string;
  /**
   * The boot script, given the data volume's id as its NVMe serial (`vol0123...`).
   * A change replaces the instance, so a new configuration is a visible replacement in the plan.
   */
  readonly userData: (volumeSerial: string) => string;
  /** A digest of the configuration, tagged on the instance (`groundwork:config-digest`). */
  readonly configDigest: string;
  /** The KMS key that encrypts the root and data volumes. */
  readonly encryptionKeyArn: string;
  readonly dataVolume: DataVolumeProps;
  /** Root volume size in GiB. @default 20 */
  readonly rootVolumeGiB?: number;
  /** Terraform refuses any plan that destroys the data volume. @default false */
  readonly preventDestroy?: boolean;
}

/** Where the data volume is attached; on Nitro instances it shows as an NVMe device named by its volume id. */
const DATA_DEVICE = '/dev/sdf';

/**
 * One EC2 instance whose state outlives it: its data on an encrypted EBS volume of its own and its
 * address on a network interface of its own, both attached to whichever instance runs now. A new image or
 * boot script replaces the instance alone: the plan detaches the volume (stopping the instance first, so
 * the database shuts down cleanly), replaces the instance and attaches the same volume, at the same address.
 * IMDSv2 only; the root volume is encrypted with the same key.
 */
export class StatefulNode extends Construct {
  readonly name: string;
  readonly instanceId: string;
  readonly volumeId: string;
  readonly volumeArn: string;
  /** The node's private address: with `stableAddress`, the network interface's, the same across replacements. */
  readonly privateIp: string;

  constructor(scope: Construct, id: string, props: StatefulNodeProps) {
    super(scope, id);
    const address =
      props.stableAddress === false
        ? undefined
        : new NetworkInterface(this, 'address', {
            subnetId: props.subnetId,
            securityGroups: [...props.securityGroupIds],
            description: `Address of ${props.name}`,
            tags: { Name: props.name },
          });
    const volume = new EbsVolume(this, 'data', {
      availabilityZone: props.availabilityZone,
      type: 'gp3',
      size: props.dataVolume.sizeGiB,
      iops: props.dataVolume.iops,
      throughput: props.dataVolume.throughputMiBps,
      encrypted: true,
      kmsKeyId: props.encryptionKeyArn,
      tags: { Name: `${props.name}-data` },
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    });
    const instance = new Instance(this, 'instance', {
      ami: props.imageId,
      instanceType: props.instanceType,
      iamInstanceProfile: props.instanceProfileName,
      ...(address
        ? { networkInterface: [{ networkInterfaceId: address.id, deviceIndex: 0 }] }
        : { subnetId: props.subnetId, vpcSecurityGroupIds: [...props.securityGroupIds] }),
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      rootBlockDevice: { volumeType: 'gp3', volumeSize: props.rootVolumeGiB ?? 20, encrypted: true, kmsKeyId: props.encryptionKeyArn, deleteOnTermination: true },
      userData: props.userData(Fn.replace(volume.id, '-', '')),
      userDataReplaceOnChange: true,
      tags: { Name: props.name, 'groundwork:data-volume': volume.id, 'groundwork:config-digest': props.configDigest },
    });
    new VolumeAttachment(this, 'data-attachment', {
      deviceName: DATA_DEVICE,
      volumeId: volume.id,
      instanceId: instance.id,
      // A clean shutdown of what writes to the volume before it is detached.
      stopInstanceBeforeDetaching: true,
    });
    this.name = props.name;
    this.instanceId = instance.id;
    this.volumeId = volume.id;
    this.volumeArn = volume.arn;
    this.privateIp = address?.privateIp ?? instance.privateIp;
  }
}
