import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The AWS SDK's own partition and region data: which regions exist and which partition each belongs to.
 * Updating it is updating the pinned `@aws-sdk/core` in package.json.
 *
 * The SDK keeps the data (once `@aws-sdk/util-endpoints`' partitions.json) as a module that exports one
 * JSON literal. Its CommonJS entry loads the whole client runtime (about 80 ms, on every synth) and does not
 * export the list, so the data file is read and parsed as the JSON it is (about 1 ms); a test proves the
 * parse against the SDK's own `partition()` for every region.
 */
const DATA_FILE = 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js';

/** The partitions Groundwork builds ARNs and service principals for (`lib/arn.ts`). */
export const GROUNDWORK_PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

export interface Partition {
  readonly id: string;
  /** Region codes of the partition, without its `*-global` pseudo-region. */
  readonly regions: readonly string[];
}

let partitions: readonly Partition[] | undefined;

/** Every partition the SDK knows, with its regions. */
export function awsPartitions(): readonly Partition[] {
  partitions ??= readPartitions();
  return partitions;
}

/** The partition the region belongs to, or undefined when the SDK knows no such region. */
export function partitionOfRegion(region: string): Partition | undefined {
  return awsPartitions().find((partition) => partition.regions.includes(region));
}

function readPartitions(): Partition[] {
  const file = path.join(path.dirname(require.resolve('@aws-sdk/core/package.json')), DATA_FILE);
  const text = fs.readFileSync(file, 'utf8');
  const data = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as {
    partitions: { id: string; regions: Record<string, unknown> }[];
  };
  return data.partitions.map((partition) => ({
    id: partition.id,
    regions: Object.keys(partition.regions).filter((region) => !region.endsWith('-global')),
  }));
}
