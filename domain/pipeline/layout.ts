import { partitionPath } from '../time';

/** Where every dataset lives, relative to the input lake or the output root (data-contract.md §1, features.md §7). */
export const RAW_PREFIX = {
  interactions: 'raw/interactions/',
  products: 'raw/products/',
  users: 'raw/users/',
} as const;

/** Raw objects are JSON lines, optionally gzipped. */
export function isRawObjectKey(key: string): boolean {
  return key.endsWith('.jsonl') || key.endsWith('.jsonl.gz');
}

/** Output keys, relative to the run's output root. */
export const outputKeys = {
  rawPartition: (dataset: keyof typeof RAW_PREFIX, date: string): string =>
    `${RAW_PREFIX[dataset]}${partitionPath(date)}/`,
  report: (date: string): string => `validation_reports/${partitionPath(date)}/report.json`,
  quarantine: (dataset: string, date: string): string =>
    `quarantine/${dataset}/${partitionPath(date)}/part-00000.jsonl`,
  staging: (runId: string, name: string): string => `staging/run_id=${runId}/${name}.json`,
  stagingPrefix: (runId: string): string => `staging/run_id=${runId}/`,
  userFeatures: (asOf: string): string => `features/users/as_of=${asOf}/part-00000.parquet`,
  itemFeatures: (asOf: string): string => `features/items/as_of=${asOf}/part-00000.parquet`,
  datasetPrefix: (runId: string): string => `datasets/run_id=${runId}/`,
  datasetPart: (runId: string, split: string, part: number): string =>
    `datasets/run_id=${runId}/split=${split}/part-${String(part).padStart(5, '0')}.parquet`,
  manifest: (runId: string): string => `runs/${runId}/manifest.json`,
} as const;
