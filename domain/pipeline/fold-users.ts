import { userFeaturesTable } from '../features/feature-tables';
import { foldUserDay } from '../features/fold';
import { type UserState, emptyUserState } from '../features/state';
import { readUserState, serializeUserState, stateMeta } from '../features/state-codec';
import { readJson, writeJson } from '../lake-json';
import { outputKeys } from '../lake-layout';
import { affinityCompanionJson } from '../online/publish';
import type { CleanUser } from '../schemas/clean';
import type { PipelineDeps } from './deps';
import { storedStateMeta } from './fold-items';
import { type EncodeTimer, type OutputRef, writeJsonOutput, writeTable } from './outputs';
import { type RunPlan, readPlan } from './plan';
import { configHash } from './run-id';
import type { RunRef } from './run-request';
import { type StageRecord, writeStageRecord } from './stage-records';
import { type StagedShardDay, stageShardRows, userDayOf } from './staging';

/** What one `FoldUsers` iteration records (`runs/<id>/stages/FoldUsers/<shard>.json`). */
export interface FoldUsersRecord extends StageRecord {
  readonly shard: number;
  readonly asOf: string;
  readonly outputs: readonly OutputRef[];
  readonly users: number;
}

/** What a `FoldUsers` iteration returns to the Map. */
export interface FoldUsersOutcome {
  readonly shard: number;
  readonly users: number;
  readonly rows: number;
}

/** The record name of one shard of the `FoldUsers` Map. */
export function shardRecordName(shard: number): string {
  return `FoldUsers/${String(shard).padStart(5, '0')}`;
}

/** The shard's user state as of the run's first day: empty at S (full runs), or the stored one. */
async function startingUserState(deps: PipelineDeps, plan: RunPlan, shard: number): Promise<UserState> {
  const { params } = plan;
  if (params.mode === 'incremental')
    return readUserState(deps.output, await storedStateMeta(deps, params), shard);
  const profiles = await readJson<CleanUser[] | null>(
    deps.output,
    outputKeys.stagedUsersBeforeStart(params.runId, shard),
  );
  return emptyUserState(params.startDate, profiles);
}

/**
 * The `FoldUsers` state, for one user shard: folds the shard's days in order (architecture.md),
 * writing on full runs what each day's training rows need of its users (interaction features, user
 * features as of D), then the shard's user features, affinity vectors and state as of E + 1.
 */
export async function foldUsers(
  deps: PipelineDeps,
  input: { readonly run: RunRef; readonly shard: number },
): Promise<FoldUsersOutcome> {
  const started = deps.clock();
  const encode: EncodeTimer = { seconds: 0 };
  const plan = await readPlan(deps, input.run);
  const { params } = plan;
  const { shard } = input;
  if (shard >= params.shardCount)
    throw new RangeError(`shard ${shard} is not one of the run's ${params.shardCount} shards`);
  const state = await startingUserState(deps, plan, shard);
  const read = (date: string): Promise<StagedShardDay> =>
    readJson<StagedShardDay>(deps.output, outputKeys.stagedShardDay(params.runId, date, shard));
  const emitRows = params.mode === 'full';
  let rows = 0;
  // The next day is read while this one is folded.
  let next = plan.days.length > 0 ? read(plan.days[0] as string) : null;
  for (const [i, date] of plan.days.entries()) {
    const day = userDayOf(await (next as Promise<StagedShardDay>));
    next = i + 1 < plan.days.length ? read(plan.days[i + 1] as string) : null;
    const out = foldUserDay(state, day, params.config, emitRows);
    rows += day.interactions.interaction_id.length;
    if (out !== null)
      await writeJson(
        deps.output,
        outputKeys.stagedShardRows(params.runId, date, shard),
        stageShardRows(out),
        false,
      );
  }
  const meta = stateMeta(state, configHash(params.config, deps.hash), params.shardCount);
  const table = userFeaturesTable(state);
  const outputs = [
    await writeTable(deps, outputKeys.userFeatures(state.asOf, shard), table, encode),
    // The users' affinity vectors, which Publish stores online for `user_item_affinity`.
    await writeJsonOutput(
      deps,
      outputKeys.userAffinity(state.asOf, shard),
      affinityCompanionJson(state),
      table.rowCount,
    ),
    await writeJsonOutput(
      deps,
      outputKeys.userState(state.asOf, shard),
      serializeUserState(state, meta, shard),
      state.aggregates.size,
    ),
  ];
  const seconds = (deps.clock() - started) / 1000;
  await writeStageRecord(deps, params.runId, shardRecordName(shard), {
    stage: 'FoldUsers',
    seconds,
    encode_seconds: encode.seconds,
    records: rows,
    shard,
    asOf: state.asOf,
    outputs,
    users: table.rowCount,
  } satisfies FoldUsersRecord);
  return { shard, users: table.rowCount, rows };
}
