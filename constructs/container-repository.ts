import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { Construct } from 'constructs';

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
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: repository.name,
      policy: JSON.stringify({ rules: rules.map((rule, i) => ({ rulePriority: i + 1, ...rule, action: { type: 'expire' } })) }),
    });
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
  }
}
