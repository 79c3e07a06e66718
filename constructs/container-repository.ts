import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrReplicationConfiguration } from '@cdktf/provider-aws/lib/ecr-replication-configuration';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { partitionOf } from '../lib/arn';
import { ServiceRole } from './service-role';

export interface ContainerRepositoryProps {
  /** Name of the repository, e.g. `groundwork/prod/app`. */
  readonly repositoryName: string;
  /** Customer-managed KMS key the images are encrypted with. */
  readonly encryptionKeyArn: string;
  /** How many images to keep; older ones expire. @default 30 */
  readonly keepImages?: number;
  /**
   * Tags that never expire however many images are pushed after them: the tag a service runs, which
   * every scale-out, rollback and redeployment pulls again. @default - none
   */
  readonly protectedTags?: readonly string[];
  /** Days an untagged image (a layer of a failed or overwritten push) is kept. @default 7 */
  readonly untaggedExpiryDays?: number;
  /** Let `terraform destroy` delete the repository with its images. @default false */
  readonly forceDelete?: boolean;
  /**
   * Copy every image pushed to another region, where ECR makes the repository itself on the first copy,
   * encrypted with a key there and pruned by the same lifecycle policy.
   * @default - images stay in the repository's region
   */
  readonly replica?: RepositoryReplica;
}

/** Where a repository's images are copied to. */
export interface RepositoryReplica {
  /** The account of both registries. */
  readonly accountId: string;
  readonly region: string;
  /** A provider for `region`: the template that shapes the copy lives there. */
  readonly provider: TerraformProvider;
  /** The customer-managed key in `region` the copies are encrypted with. */
  readonly encryptionKeyArn: string;
  /** Name of the role ECR makes the copy's repository as (IAM names are per account: include the environment). */
  readonly roleName: string;
}

/**
 * The copy of a repository that replication makes in another region: ECR's, not Terraform's, so its URL
 * and ARN are written out from its name rather than read from a resource.
 */
export function replicatedRepository(repositoryName: string, accountId: string, region: string): { readonly repositoryUrl: string; readonly repositoryArn: string } {
  const dnsSuffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return {
    repositoryUrl: `${accountId}.dkr.ecr.${region}.${dnsSuffix}/${repositoryName}`,
    repositoryArn: `arn:${partitionOf(region)}:ecr:${region}:${accountId}:repository/${repositoryName}`,
  };
}

/**
 * An ECR repository whose tags never move (a tag names one build for good, so deploying a tag is
 * reproducible), scanned on every push, encrypted with a customer key, and pruned by a lifecycle policy
 * that spares the protected tags.
 */
export class ContainerRepository extends Construct {
  readonly repositoryUrl: string;
  readonly repositoryArn: string;

  constructor(scope: Construct, id: string, props: ContainerRepositoryProps) {
    super(scope, id);
    const repository = new EcrRepository(this, 'repository', {
      name: props.repositoryName,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: props.encryptionKeyArn }],
      forceDelete: props.forceDelete ?? false,
    });
    const protectedTags = props.protectedTags ?? [];
    const rules = [
      // An image a rule selects is never expired by a rule of lower priority, and with immutable tags a
      // tag selects exactly one image, which never exceeds a count of 1: so these images stay.
      ...protectedTags.map((tag) => ({
        description: `Never expire ${tag}`,
        selection: { tagStatus: 'tagged', tagPatternList: [tag], countType: 'imageCountMoreThan', countNumber: 1 },
      })),
      {
        description: `Expire untagged images after ${props.untaggedExpiryDays ?? 7} days`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: props.untaggedExpiryDays ?? 7 },
      },
      {
        description: `Keep the newest ${props.keepImages ?? 30} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: props.keepImages ?? 30 },
      },
    ];
    const lifecyclePolicy = JSON.stringify({ rules: rules.map((rule, i) => ({ rulePriority: i + 1, ...rule, action: { type: 'expire' } })) });
    new EcrLifecyclePolicy(this, 'lifecycle', { repository: repository.name, policy: lifecyclePolicy });
    if (props.replica) this.replicate(props.repositoryName, lifecyclePolicy, props.replica);
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
  }

  /**
   * The registry's replication rule for this repository, and, in the replica's region, the template ECR
   * applies when it makes the copy's repository: the same immutable tags, scanning and lifecycle, the
   * replica's key, and a role that lets ECR use that key (KMS in a template needs one).
   */
  private replicate(repositoryName: string, lifecyclePolicy: string, replica: RepositoryReplica): void {
    const { provider, region, accountId } = replica;
    // A template applies to a namespace: the repository's name up to its last slash.
    const namespace = repositoryName.slice(0, repositoryName.lastIndexOf('/'));
    const role = new ServiceRole(this, 'replica-role', { roleName: replica.roleName, servicePrincipal: 'ecr.amazonaws.com', region, sourceAccount: accountId });
    const permissions = new DataAwsIamPolicyDocument(this, 'replica-permissions', {
      statement: [
        {
          sid: 'MakeTheCopy',
          actions: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
          resources: [`arn:${partitionOf(region)}:ecr:${region}:${accountId}:repository/${namespace}/*`],
        },
        { sid: 'EncryptTheCopy', actions: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'], resources: [replica.encryptionKeyArn] },
      ],
    });
    const policy = new IamRolePolicy(this, 'replica-policy', { name: 'create-replicas', role: role.roleName, policy: permissions.json });
    const template = new EcrRepositoryCreationTemplate(this, 'replica-template', {
      provider,
      prefix: namespace,
      description: `Copies of ${repositoryName}`,
      appliedFor: ['REPLICATION'],
      imageTagMutability: 'IMMUTABLE',
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: replica.encryptionKeyArn }],
      lifecyclePolicy,
      customRoleArn: role.roleArn,
      dependsOn: [policy],
    });
    new EcrReplicationConfiguration(this, 'replication', {
      // The template must exist before the first copy, or ECR makes the repository without it.
      dependsOn: [template],
      replicationConfiguration: {
        rule: [
          {
            destination: [{ region, registryId: accountId }],
            repositoryFilter: [{ filter: repositoryName, filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    });
  }
}
