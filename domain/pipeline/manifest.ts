import { SCHEMA_VERSION } from '../schemas/records';
import { formatTimestamp } from '../time';
import type { BuildResult } from './build-features';
import type { DaySummary } from './validate-clean-day';
import type { PipelineDeps, RunParams } from './deps';
import type { RunPlan } from './plan';
import { configHash } from './run-id';

/** Run status as the API reports it. */
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** Timing and record count of one stage. */
export interface StageTiming {
  readonly stage: string;
  readonly seconds: number;
  readonly records: number;
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
  readonly outputs: BuildResult['outputs'];
  readonly split: BuildResult['split'] | null;
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
  build: BuildResult | null,
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
    users: build?.users ?? null,
    items: build?.items ?? null,
    stages,
    error,
  };
}
