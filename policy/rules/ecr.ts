import { block, fail, isSet, isTrue, pass, type Rule } from '../engine';

export const ecrRules: Rule[] = [
  {
    id: 'GW-ECR-01',
    title: 'ECR repository has immutable image tags',
    checkov: ['CKV_AWS_51'],
    why: 'With mutable tags, pushing an image under an existing tag silently changes what a deployed task definition runs.',
    subjects: ['aws_ecr_repository'],
    check(repository) {
      return String(repository.body.image_tag_mutability ?? 'MUTABLE').startsWith('IMMUTABLE') ? pass() : fail('image_tag_mutability', 'is not IMMUTABLE');
    },
  },
  {
    id: 'GW-ECR-02',
    title: 'ECR repository scans images on push',
    checkov: ['CKV_AWS_163'],
    why: 'Known vulnerabilities in an image are reported when it is pushed, before it is deployed.',
    subjects: ['aws_ecr_repository'],
    check(repository) {
      return isTrue(block(repository.body.image_scanning_configuration)?.scan_on_push) ? pass() : fail('image_scanning_configuration.scan_on_push', 'is not true');
    },
  },
  {
    id: 'GW-ECR-03',
    title: 'ECR repository is encrypted with a customer-managed KMS key',
    checkov: ['CKV_AWS_136'],
    why: 'Images (and the code and configuration in them) are encrypted under a key whose policy the platform controls, instead of ECR\'s AES-256 default.',
    subjects: ['aws_ecr_repository'],
    check(repository) {
      const encryption = block(repository.body.encryption_configuration);
      if (encryption?.encryption_type !== 'KMS') return fail('encryption_configuration.encryption_type', 'is not KMS');
      return isSet(encryption.kms_key) ? pass() : fail('encryption_configuration.kms_key', 'is not set: the AWS-managed key aws/ecr is used');
    },
  },
];
