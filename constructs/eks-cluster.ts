import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { EksCluster as EksControlPlane } from '@cdktf/provider-aws/lib/eks-cluster';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { logGroupArn, partitionOf } from '../lib/arn';
import { EncryptionKey, logGroupKeyGrant } from './encryption-key';
import { ServiceRole } from './service-role';

export interface EksNodesProps {
  /** EC2 instance types, tried in order. */
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  /** Nodes at creation; an autoscaler owns the count afterwards. */
  readonly desiredSize: number;
  /** Root volume size in GiB. @default 50 */
  readonly diskSizeGiB?: number;
  /** The nodes' image type (EKS `amiType`); its CPU architecture must match every instance type's. @default 'AL2023_x86_64_STANDARD' */
  readonly amiType?: string;
}

export interface EksClusterProps {
  /** Name of the cluster, e.g. `groundwork-prod`; roles and log group are named after it. */
  readonly clusterName: string;
  /** Alias (without `alias/`) of the key that encrypts Kubernetes secrets and the control plane's logs. */
  readonly keyAlias: string;
  /** Kubernetes version, e.g. `1.33`. */
  readonly kubernetesVersion: string;
  /** The VPC of the subnets. */
  readonly vpcId: string;
  /** Subnets of the control plane's network interfaces and of the nodes: the private tier. */
  readonly subnetIds: string[];
  /** Ranges inside the network (VPN, CI runners) that may reach the private endpoint on 443. */
  readonly privateAccessCidrs: readonly string[];
  /** IAM roles given cluster-admin through access entries, besides the creator. @default - none */
  readonly adminRoleArns?: readonly string[];
  /** Whether the API endpoint is also reachable from the internet, from `publicAccessCidrs` only. @default false */
  readonly publicEndpoint?: boolean;
  /** Ranges allowed to the public endpoint. @default - none */
  readonly publicAccessCidrs?: readonly string[];
  /** The managed node group. */
  readonly nodes: EksNodesProps;
  /** The account and region, for the key policy and the managed policies' partition. */
  readonly accountId: string;
  readonly region: string;
  /** Days the control plane's logs are kept. @default 90 */
  readonly logRetentionDays?: number;
  /** Days between rotations of the secrets key. @default 365 */
  readonly keyRotationPeriodDays?: number;
  /** Days a deleted secrets key waits before it is gone. @default 30 */
  readonly keyDeletionWindowDays?: number;
}

/**
 * An EKS cluster: control plane in the given (private) subnets with a private API endpoint that the
 * listed ranges may reach, Kubernetes secrets envelope-encrypted with a rotating customer key,
 * control-plane logs with retention, encrypted with the same key, access entries (API authentication)
 * for the admin roles, an IAM OIDC provider for service-account roles, and one managed node group of
 * Amazon Linux 2023 nodes in the same subnets.
 */
export class EksCluster extends Construct {
  readonly clusterName: string;
  /** The security group EKS creates and puts on the control plane and the managed nodes (so on pods). */
  readonly clusterSecurityGroupId: string;
  readonly endpoint: string;
  /** Base64 PEM of the cluster's certificate authority (public). */
  readonly certificateAuthority: string;
  readonly oidcProviderArn: string;
  /** The OIDC issuer's URL, which service-account roles' trust conditions name. */
  readonly oidcIssuerUrl: string;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    // EKS writes to this exact name; created first, it gets a retention instead of "never expire", and the key.
    const logGroupName = `/aws/eks/${props.clusterName}/cluster`;
    const key = new EncryptionKey(this, 'secrets-key', {
      description: `Kubernetes secrets and control-plane logs of EKS cluster ${props.clusterName}`,
      alias: props.keyAlias,
      accountId: props.accountId,
      region: props.region,
      rotationPeriodDays: props.keyRotationPeriodDays,
      deletionWindowDays: props.keyDeletionWindowDays,
      serviceGrants: [logGroupKeyGrant(props.region, logGroupArn(props.region, props.accountId, logGroupName))],
    });
    const logs = new CloudwatchLogGroup(this, 'logs', { name: logGroupName, retentionInDays: props.logRetentionDays ?? 90, kmsKeyId: key.keyArn });
    const clusterRole = new ServiceRole(this, 'cluster-role', {
      roleName: `${props.clusterName}-eks-cluster`,
      servicePrincipal: 'eks.amazonaws.com',
      region: props.region,
      managedPolicies: ['AmazonEKSClusterPolicy'],
    });
    // EKS's own cluster security group admits only its members; this one lets operators and CI reach the API.
    const apiAccess = new SecurityGroup(this, 'api-access', {
      name: `${props.clusterName}-eks-api`,
      description: `Private Kubernetes API of ${props.clusterName}`,
      vpcId: props.vpcId,
      tags: { Name: `${props.clusterName}-eks-api` },
    });
    props.privateAccessCidrs.forEach(
      (cidr, i) =>
        new VpcSecurityGroupIngressRule(this, `api-from-${i}`, {
          securityGroupId: apiAccess.id,
          cidrIpv4: cidr,
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          description: `Kubernetes API from ${cidr}`,
        }),
    );
    const cluster = new EksControlPlane(this, 'cluster', {
      name: props.clusterName,
      version: props.kubernetesVersion,
      roleArn: clusterRole.roleArn,
      vpcConfig: {
        subnetIds: props.subnetIds,
        securityGroupIds: [apiAccess.id],
        endpointPrivateAccess: true,
        endpointPublicAccess: props.publicEndpoint ?? false,
        publicAccessCidrs: props.publicEndpoint ? [...(props.publicAccessCidrs ?? [])] : undefined,
      },
      encryptionConfig: { provider: { keyArn: key.keyArn }, resources: ['secrets'] },
      enabledClusterLogTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      dependsOn: [logs, ...clusterRole.attachments],
    });
    const oidc = new IamOpenidConnectProvider(this, 'oidc-provider', {
      url: cluster.identity.get(0).oidc.get(0).issuer,
      clientIdList: ['sts.amazonaws.com'],
    });

    for (const [i, principalArn] of (props.adminRoleArns ?? []).entries()) {
      const entry = new EksAccessEntry(this, `admin-${i}`, { clusterName: cluster.name, principalArn });
      new EksAccessPolicyAssociation(this, `admin-${i}-policy`, {
        clusterName: cluster.name,
        principalArn: entry.principalArn,
        policyArn: `arn:${partitionOf(props.region)}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: 'cluster' },
      });
    }

    const nodeRole = new ServiceRole(this, 'node-role', {
      roleName: `${props.clusterName}-eks-node`,
      servicePrincipal: 'ec2.amazonaws.com',
      region: props.region,
      managedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'],
    });
    new EksNodeGroup(this, 'nodes', {
      clusterName: cluster.name,
      nodeGroupName: `${props.clusterName}-default`,
      nodeRoleArn: nodeRole.roleArn,
      subnetIds: props.subnetIds,
      amiType: props.nodes.amiType ?? 'AL2023_x86_64_STANDARD',
      capacityType: 'ON_DEMAND',
      instanceTypes: [...props.nodes.instanceTypes],
      diskSize: props.nodes.diskSizeGiB ?? 50,
      scalingConfig: { minSize: props.nodes.minSize, maxSize: props.nodes.maxSize, desiredSize: props.nodes.desiredSize },
      updateConfig: { maxUnavailable: 1 },
      // The cluster autoscaler owns the node count after creation.
      lifecycle: { ignoreChanges: ['scaling_config[0].desired_size'] },
      dependsOn: nodeRole.attachments,
    });

    this.clusterName = cluster.name;
    this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
    this.endpoint = cluster.endpoint;
    this.certificateAuthority = cluster.certificateAuthority.get(0).data;
    this.oidcProviderArn = oidc.arn;
    this.oidcIssuerUrl = oidc.url;
  }
}
