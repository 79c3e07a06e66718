/** The partitions Groundwork builds ARNs and service principals for; the region schema admits only these. */
export const SUPPORTED_REGION = /^(us-gov-[a-z]+-\d+|cn-[a-z]+-\d+|(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d+)$/;

/** The AWS partition a region belongs to, for building ARNs at synth time without a data source. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A regional service principal, e.g. `logs.eu-west-1.amazonaws.com` (`.amazonaws.com.cn` in China). */
export function regionalServicePrincipal(service: string, region: string): string {
  return `${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}
