/** The oldest Terraform Groundwork's stacks run on: S3 native state locking (`use_lockfile`) arrived in 1.10. */
export const MINIMUM_TERRAFORM = '1.10';
