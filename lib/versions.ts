/** The oldest Terraform Groundwork's stacks run on: S3 native locking (`use_lockfile`) came in 1.10, write-only arguments (`secret_string_wo`) in 1.11. */
export const MINIMUM_TERRAFORM = '1.11';
