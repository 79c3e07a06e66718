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
  /** Days an untagged image (a layer of a failed or overwritten push) is kept. @default 7 */
  readonly untaggedExpiryDays?: number;
  /** Let `terraform destroy` delete the repository with its images. @default false */
  readonly forceDelete?: boolean;
}

/**
 * An ECR repository whose tags never move (a tag names one build for good, so deploying a tag is
 * reproducible), scanned on every push, encrypted with a customer key, and pruned by a lifecycle policy.
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
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Expire untagged images after ${props.untaggedExpiryDays ?? 7} days`,
            selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: props.untaggedExpiryDays ?? 7 },
            action: { type: 'expire' },
          },
          {
            rulePriority: 2,
            description: `Keep the newest ${props.keepImages ?? 30} images`,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: props.keepImages ?? 30 },
            action: { type: 'expire' },
          },
        ],
      }),
    });
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
  }
}
