import { SCHEMA_VERSION } from '../schemas/records';
import { formatTimestamp } from '../time';
import { type BuildResult, runBuildStage } from './build-stage';
import { type DaySummary, describeDay, runDayStage } from './day-stage';
import type { PipelineDeps, RunParams } from './deps';
import { outputKeys } from './layout';
import { type RunPlan, planRun } from './plan';

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
    config_hash: deps.hash(JSON.stringify(params.config)),
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

/** Runs `tasks` with at most `limit` in flight, keeping results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Runs the per-day stage for one day: in-process by default, or in a worker thread (adapters/day-workers.ts). */
export type DayRunner = (plan: RunPlan, date: string) => Promise<DaySummary>;

/**
 * A full run on one machine: Plan, then Validate + Clean per day, then Build, then the manifest,
 * written last as the commit marker. On failure the manifest records the error and the error is
 * rethrown; reports already written stay, nothing is published.
 */
export async function runPipeline(
  deps: PipelineDeps,
  params: RunParams,
  options: { dayConcurrency?: number; runDay?: DayRunner } = {},
): Promise<RunOutcome> {
  const runDay: DayRunner = options.runDay ?? ((plan, date) => runDayStage(deps, plan, date));
  const stages: StageTiming[] = [];
  const manifestKey = outputKeys.manifest(params.runId);
  let plan: RunPlan | null = null;
  let days: DaySummary[] = [];
  let build: BuildResult;
  try {
    let t0 = deps.clock();
    deps.log(`plan: ${params.mode} run ${params.runId}, ${params.startDate}..${params.endDate}`);
    plan = await planRun(deps, params);
    stages.push({ stage: 'plan', seconds: (deps.clock() - t0) / 1000, records: plan.days.length });
    t0 = deps.clock();
    deps.log(`validate + clean: ${plan.days.length} days`);
    const p = plan;
    days = await mapLimit(plan.days, options.dayConcurrency ?? 1, async (date) => {
      const summary = await runDay(p, date);
      deps.log(describeDay(summary));
      return summary;
    });
    stages.push({
      stage: 'validate_clean',
      seconds: (deps.clock() - t0) / 1000,
      records: days.reduce((n, d) => n + d.counts.raw, 0),
    });
    t0 = deps.clock();
    deps.log('build features, training rows and split');
    build = await runBuildStage(deps, plan, days);
    stages.push({ stage: 'build_features', seconds: (deps.clock() - t0) / 1000, records: build.split.n });
    await deps.output.deletePrefix(outputKeys.stagingPrefix(params.runId));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const manifest = buildManifest(deps, params, plan, days, null, stages, message);
    await deps.output.write(manifestKey, JSON.stringify(manifest, null, 2) + '\n').catch(() => undefined);
    throw error;
  }
  const manifest = buildManifest(deps, params, plan, days, build, stages, null);
  await deps.output.write(manifestKey, JSON.stringify(manifest, null, 2) + '\n');
  return { manifest, manifestKey };
}
