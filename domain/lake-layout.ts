import { partitionPath } from './time';

/**
 * The lake layout: every key the service reads or writes, relative to the input lake (`raw/`) or
 * to a run's output root (everything else). data-contract.md §1 and features.md §7 define it; no
 * other module spells a key.
 */

/** Where each raw dataset lives under the input lake. */
export const RAW_PREFIX = {
  interactions: 'raw/interactions/',
  products: 'raw/products/',
  users: 'raw/users/',
} as const;

/** A raw dataset's name. */
export type RawDataset = keyof typeof RAW_PREFIX;

/** Raw objects are JSON lines, optionally gzipped. */
export function isRawObjectKey(key: string): boolean {
  return key.endsWith('.jsonl') || key.endsWith('.jsonl.gz');
}

const part = (n: number): string => `part-${String(n).padStart(5, '0')}`;

/** Keys under the input lake (what the generator, stream ingestion and snapshot dumps write). */
export const rawKeys = {
  /** The folder of one day of a raw dataset, e.g. `raw/interactions/year=2024/month=01/day=15/`. */
  partition: (dataset: RawDataset, date: string): string => `${RAW_PREFIX[dataset]}${partitionPath(date)}/`,
  /** One object of a day partition. */
  object: (dataset: RawDataset, date: string, name: string): string =>
    `${RAW_PREFIX[dataset]}${partitionPath(date)}/${name}`,
} as const;

/** Prefixes of the output root that are listed rather than read key by key. */
export const OUTPUT_PREFIX = {
  runs: 'runs/',
  alerts: 'alerts/',
  userFeatures: 'features/users/',
  itemFeatures: 'features/items/',
  state: 'state/',
} as const;

/** Keys under a run's output root. */
export const outputKeys = {
  report: (date: string): string => `validation_reports/${partitionPath(date)}/report.json`,
  /**
   * A day's report page: under a prefix of its own, not beside `report.json`, because Athena reads
   * every file under a partition's folder (the `validation_reports` table would meet the page).
   */
  reportPage: (date: string): string => `validation_report_pages/${partitionPath(date)}/report.html`,
  quarantine: (dataset: string, date: string): string =>
    `quarantine/${dataset}/${partitionPath(date)}/part-00000.jsonl`,
  stagingPrefix: (runId: string): string => `staging/run_id=${runId}/`,
  /** A day's clean interactions of one user shard, with their products' attributes and the shard's profiles. */
  stagedShardDay: (runId: string, date: string, shard: number): string =>
    `staging/run_id=${runId}/days/date=${date}/users-${part(shard)}.json`,
  /** A day's item deltas and its cleaned product snapshot. */
  stagedItemDay: (runId: string, date: string): string =>
    `staging/run_id=${runId}/days/date=${date}/items.json`,
  /** The cleaned snapshots for S - 1 (the profiles and catalog features as of S use). */
  stagedProductsBeforeStart: (runId: string): string => `staging/run_id=${runId}/before_start/products.json`,
  stagedUsersBeforeStart: (runId: string, shard: number): string =>
    `staging/run_id=${runId}/before_start/users-${part(shard)}.json`,
  /** Item aggregates as of D, which day D's training rows join. */
  stagedItemFeatures: (runId: string, date: string): string =>
    `staging/run_id=${runId}/item_features/date=${date}.json`,
  /** What one shard's user fold emitted for day D's training rows. */
  stagedShardRows: (runId: string, date: string, shard: number): string =>
    `staging/run_id=${runId}/rows/date=${date}/${part(shard)}.json`,
  /** User features as of T: one file per user shard. */
  userFeatures: (asOf: string, shard: number): string =>
    `features/users/as_of=${asOf}/${part(shard)}.parquet`,
  userFeaturesPrefix: (asOf: string): string => `features/users/as_of=${asOf}/`,
  itemFeatures: (asOf: string): string => `features/items/as_of=${asOf}/${part(0)}.parquet`,
  /** A shard's affinity vectors, outside the Parquet partitions so table readers meet only Parquet. */
  userAffinity: (asOf: string, shard: number): string =>
    `features/user_affinity/as_of=${asOf}/${part(shard)}.json`,
  userAffinityPrefix: (asOf: string): string => `features/user_affinity/as_of=${asOf}/`,
  datasetPrefix: (runId: string): string => `datasets/run_id=${runId}/`,
  datasetPart: (runId: string, split: string, n: number): string =>
    `datasets/run_id=${runId}/split=${split}/${part(n)}.parquet`,
  /** The item half of the state as of T. */
  itemState: (asOf: string): string => `state/as_of=${asOf}/items.json`,
  /** One user shard's half of the state as of T. */
  userState: (asOf: string, shard: number): string => `state/as_of=${asOf}/users/${part(shard)}.json`,
  userStatePrefix: (asOf: string): string => `state/as_of=${asOf}/users/`,
  /** The header naming the state's start, config and shard count; written last. */
  stateMeta: (asOf: string): string => `state/as_of=${asOf}/meta.json`,
  runPrefix: (runId: string): string => `runs/${runId}/`,
  manifest: (runId: string): string => `runs/${runId}/manifest.json`,
  plan: (runId: string): string => `runs/${runId}/plan.json`,
  /** The baseline model's figures on the run's split (`npm run train`). */
  baseline: (runId: string): string => `runs/${runId}/baseline.json`,
  /** The registration of a run (`POST /runs`, or the Plan task of a run started another way). */
  runRequest: (runId: string): string => `runs/${runId}/request.json`,
  /** The output root's lock, naming the run or validation writing it (run-lock.ts). */
  runLock: 'runs/_lock.json',
  /**
   * A run's HTML page: under a prefix of its own, not `runs/<id>/`, so that a lifecycle rule (S3
   * filters by key prefix) can expire the page, which shows feature values, while the run's
   * records and manifest are kept.
   */
  runReport: (runId: string): string => `run_reports/run_id=${runId}/report.html`,
  /** What one Task state recorded (`record` is the state name, with `/<date>` for the day stage). */
  stageRecord: (runId: string, record: string): string => `runs/${runId}/stages/${record}.json`,
  stageRecordsPrefix: (runId: string): string => `runs/${runId}/stages/`,
  monitoring: (runId: string): string => `monitoring/run_id=${runId}/monitoring.json`,
  alert: (date: string, check: string): string => `alerts/date=${date}/${check}.json`,
  alertsOfDay: (date: string): string => `alerts/date=${date}/`,
} as const;

/** The run id of a `runs/<id>/request.json` or `runs/<id>/manifest.json` key, else null. */
export function runIdOfRecordKey(key: string): string | null {
  return /^runs\/([^/]+)\/(?:request|manifest)\.json$/.exec(key)?.[1] ?? null;
}

/** The date of an `alerts/date=YYYY-MM-DD/<check>.json` key, else null. */
export function alertDateOf(key: string): string | null {
  return /^alerts\/date=(\d{4}-\d{2}-\d{2})\/[^/]+\.json$/.exec(key)?.[1] ?? null;
}

/** The shard number of a `part-NNNNN.<ext>` key, else null. */
export function partNumberOf(key: string): number | null {
  const m = /\/part-(\d{5})\.[a-z]+$/.exec(key);
  return m === null ? null : Number(m[1]);
}
