import { SCHEMA_VERSION } from '../schemas/records';
import { formatTimestamp } from '../time';
import type { OutputRef } from './outputs';
import type { Split, SplitCounts } from '../split';
import type { SplitBoundary } from './assemble-days';
import type { DaySummary } from './validate-clean-day';
import type { PipelineDeps, RunParams } from './deps';
import type { RunPlan } from './plan';
import { configHash } from './run-id';

/** Row counts and time boundaries of the split (features.md §6). */
export interface SplitSummary {
  readonly n: number;
  readonly counts: SplitCounts;
  readonly boundaries: Record<Split, SplitBoundary>;
}

/** What the fold stages produced, gathered from their records by CommitRun. */
export interface FoldResult {
  readonly asOf: string;
  /** Every output file, in key order. */
  readonly outputs: readonly OutputRef[];
  /** Null on incremental runs, which write no training rows. */
  readonly split: SplitSummary | null;
  readonly users: number;
  readonly items: number;
  readonly shardCount: number;
}

/** Run status as the API reports it. */
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** Timing and record count of one stage. */
export interface StageTiming {
  readonly stage: string;
  /** Summed over a Map stage's iterations. */
  readonly seconds: number;
  readonly records: number;
  /** Task invocations (a Map stage's iterations). */
  readonly tasks: number;
  /** Of `seconds`, Parquet encoding. */
  readonly encode_seconds: number;
}

/** The run manifest (features.md §7): lineage of inputs and outputs, config, timings. */
export interface RunManifest {
  readonly run_id: string;
  readonly status: RunStatus;
  readonly mode: RunParams['mode'];
  readonly start_date: string;
  readonly end_date: string;
  readonly as_of: string | null;
  readonly reference_time: string;
  readonly schema_version: number;
  readonly code_version: string;
  readonly config_hash: string;
  readonly config: RunParams['config'];
  readonly inputs: { readonly key: string; readonly size: number; readonly etag: string }[];
  readonly days: {
    readonly date: string;
    readonly status: string;
    readonly counts: DaySummary['counts'];
    readonly report: string;
  }[];
  readonly outputs: FoldResult['outputs'];
  readonly split: SplitSummary | null;
  /** User shards N of the run (the user feature and state files hold one part per shard). */
  readonly shard_count: number;
  readonly users: number | null;
  readonly items: number | null;
  readonly stages: readonly StageTiming[];
  readonly error: string | null;
}

/** Everything a caller gets back from a run. */
export interface RunOutcome {
  readonly manifest: RunManifest;
  readonly manifestKey: string;
}

function uniqueInputs(plan: RunPlan | null, days: readonly DaySummary[]): RunManifest['inputs'] {
  const seen = new Map<string, { key: string; size: number; etag: string }>();
  for (const d of days) for (const o of d.inputs) seen.set(o.key, { key: o.key, size: o.size, etag: o.etag });
  for (const refs of [plan?.products ?? {}, plan?.users ?? {}])
    for (const ref of Object.values(refs))
      for (const o of ref?.objects ?? []) seen.set(o.key, { key: o.key, size: o.size, etag: o.etag });
  return [...seen.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Assembles the manifest from whatever stages completed. */
export function buildManifest(
  deps: PipelineDeps,
  params: RunParams,
  plan: RunPlan | null,
  days: readonly DaySummary[],
  build: FoldResult | null,
  stages: readonly StageTiming[],
  error: string | null,
): RunManifest {
  return {
    run_id: params.runId,
    status: error === null ? 'SUCCEEDED' : 'FAILED',
    mode: params.mode,
    start_date: params.startDate,
    end_date: params.endDate,
    as_of: build?.asOf ?? null,
    reference_time: formatTimestamp(params.referenceTimeMs),
    schema_version: SCHEMA_VERSION,
    code_version: params.codeVersion,
    config_hash: configHash(params.config, deps.hash),
    config: params.config,
    inputs: uniqueInputs(plan, days),
    days: [...days]
      .sort((a, b) => (a.date < b.date ? -1 : 1))
      .map((d) => ({ date: d.date, status: d.status, counts: d.counts, report: d.reportKey })),
    outputs: build?.outputs ?? [],
    split: build?.split ?? null,
    shard_count: params.shardCount,
    users: build?.users ?? null,
    items: build?.items ?? null,
    stages,
    error,
  };
}
