import { itemFeaturesTable } from '../features/feature-tables';
import { foldItemDay } from '../features/fold';
import { itemFeaturesAsOf } from '../features/item-features';
import { type ItemState, emptyItemState } from '../features/state';
import {
  checkStateMeta,
  readItemState,
  readStateMeta,
  serializeItemState,
  stateMeta,
} from '../features/state-codec';
import { readJson, writeJson } from '../lake-json';
import { outputKeys, partNumberOf } from '../lake-layout';
import type { CleanProduct } from '../schemas/clean';
import { dateMs } from '../time';
import type { PipelineDeps, RunParams } from './deps';
import { type EncodeTimer, type OutputRef, writeJsonOutput, writeTable } from './outputs';
import { type RunPlan, readPlan } from './plan';
import { configHash } from './run-id';
import type { RunRef } from './run-request';
import { type StageRecord, writeStageRecord } from './stage-records';
import { type StagedItemDay, stageItemFeatures } from './staging';
import { validatedDays } from './validate-clean-day';

/** What `FoldItems` records (`runs/<id>/stages/FoldItems.json`). */
export interface FoldItemsRecord extends StageRecord {
  readonly asOf: string;
  readonly outputs: readonly OutputRef[];
  readonly items: number;
  /** Clean rows of each day of the plan, in plan order: where each day's rows fall in the split. */
  readonly dayRows: readonly number[];
}

/** What `FoldItems` returns: T, which the later states pass on. */
export interface FoldItemsOutcome {
  readonly as_of: string;
  readonly items: number;
}

/** The state an incremental run starts from, checked against the run, as the previous run left it. */
export function storedStateMeta(deps: PipelineDeps, params: RunParams) {
  return readStateMeta(deps, params.endDate).then((meta) =>
    checkStateMeta(meta, params.endDate, {
      configHash: configHash(params.config, deps.hash),
      shardCount: params.shardCount,
      startDate: params.startDate,
    }),
  );
}

/** The item state as of the run's first day: empty at S (full runs), or the stored one. */
async function startingItemState(deps: PipelineDeps, plan: RunPlan): Promise<ItemState> {
  const { params } = plan;
  if (params.mode === 'incremental') return readItemState(deps.output, await storedStateMeta(deps, params));
  const snapshot = await readJson<CleanProduct[] | null>(
    deps.output,
    outputKeys.stagedProductsBeforeStart(params.runId),
  );
  return emptyItemState(params.startDate, snapshot);
}

/**
 * Removes user-shard files as of T numbered N or more, left by an earlier run with more shards, so
 * that the folder holds exactly this run's N parts.
 */
async function removeStaleShardFiles(deps: PipelineDeps, asOf: string, shardCount: number): Promise<void> {
  const prefixes = [
    outputKeys.userFeaturesPrefix(asOf),
    outputKeys.userAffinityPrefix(asOf),
    outputKeys.userStatePrefix(asOf),
  ];
  const listed = (await Promise.all(prefixes.map((p) => deps.output.list(p)))).flat();
  const stale = listed.filter((o) => (partNumberOf(o.key) ?? -1) >= shardCount);
  await Promise.all(stale.map((o) => deps.output.deletePrefix(o.key)));
}

/**
 * The `FoldItems` state: folds the days' item deltas in order (architecture.md), writing the item
 * aggregates as of every day D of a full run for day D's training rows, then the item features
 * and the item state as of E + 1.
 */
export async function foldItems(
  deps: PipelineDeps,
  input: { readonly run: RunRef },
): Promise<FoldItemsOutcome> {
  const started = deps.clock();
  const encode: EncodeTimer = { seconds: 0 };
  const plan = await readPlan(deps, input.run);
  const { params } = plan;
  const summaries = new Map((await validatedDays(deps, input.run, plan.days)).map((d) => [d.date, d]));
  const state = await startingItemState(deps, plan);
  // The run's training rows are rewritten whole by AssembleDays, day by day in parallel.
  if (params.mode === 'full') await deps.output.deletePrefix(outputKeys.datasetPrefix(params.runId));
  const days = await Promise.all(
    plan.days.map((date) =>
      readJson<StagedItemDay>(deps.output, outputKeys.stagedItemDay(params.runId, date)),
    ),
  );
  for (const [i, date] of plan.days.entries()) {
    if (params.mode === 'full')
      await writeJson(
        deps.output,
        outputKeys.stagedItemFeatures(params.runId, date),
        stageItemFeatures(itemFeaturesAsOf(state, dateMs(date))),
        false,
      );
    const day = days[i] as StagedItemDay;
    foldItemDay(state, day.delta, day.snapshot);
  }
  const meta = stateMeta(state, configHash(params.config, deps.hash), params.shardCount);
  const table = itemFeaturesTable(state);
  const outputs = [
    await writeTable(deps, outputKeys.itemFeatures(state.asOf), table, encode),
    await writeJsonOutput(
      deps,
      outputKeys.itemState(state.asOf),
      serializeItemState(state, meta),
      state.aggregates.size,
    ),
  ];
  await removeStaleShardFiles(deps, state.asOf, params.shardCount);
  const seconds = (deps.clock() - started) / 1000;
  deps.log(`  items     ${table.rowCount} products as of ${state.asOf}  (${seconds.toFixed(1)} s)`);
  await writeStageRecord(deps, params.runId, 'FoldItems', {
    stage: 'FoldItems',
    seconds,
    encode_seconds: encode.seconds,
    records: days.reduce((n, d) => n + d.delta.products.length, 0),
    asOf: state.asOf,
    outputs,
    items: table.rowCount,
    dayRows: plan.days.map((d) => summaries.get(d)?.counts.clean ?? 0),
  } satisfies FoldItemsRecord);
  return { as_of: state.asOf, items: table.rowCount };
}
