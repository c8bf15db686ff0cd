import { type ShardDayRows, emptyTrainingRows, trainingRowsOfDay } from '../features/training-rows';
import { shardNumbers } from '../features/shards';
import { readJson } from '../lake-json';
import { outputKeys } from '../lake-layout';
import { type Split, SPLITS, daySplitPlans, splitCounts } from '../split';
import type { Table } from '../table';
import { formatTimestamp } from '../time';
import type { PipelineDeps } from './deps';
import { type EncodeTimer, type OutputRef, sliceTable, writeTable } from './outputs';
import { readPlan } from './plan';
import type { RunRef } from './run-request';
import { type StageRecord, readStageRecord, writeStageRecord } from './stage-records';
import {
  type StagedItemFeatures,
  type StagedShardDay,
  type StagedShardRows,
  unstageItemFeatures,
  unstageShardRows,
  userDayOf,
} from './staging';
import type { FoldItemsRecord } from './fold-items';
import { PipelineError } from '../errors';

/** The first and last timestamp of a split's rows (of one day, or of the run). */
export interface SplitBoundary {
  readonly first_timestamp: string | null;
  readonly last_timestamp: string | null;
}

/** What one `AssembleDays` iteration records (`runs/<id>/stages/AssembleDays/<date>.json`). */
export interface AssembleDayRecord extends StageRecord {
  readonly date: string;
  readonly outputs: readonly OutputRef[];
  /** The day's rows per split it reaches, with their time boundaries. */
  readonly splits: Partial<Record<Split, SplitBoundary & { readonly rows: number }>>;
}

/** What an `AssembleDays` iteration returns to the Map. */
export interface AssembleDayOutcome {
  readonly date: string;
  readonly rows: number;
}

/** The record name of one day of the `AssembleDays` Map. */
export function assembleRecordName(date: string): string {
  return `AssembleDays/${date}`;
}

/** Reads what every shard staged and emitted for the day. */
async function shardParts(deps: PipelineDeps, runId: string, date: string, shardCount: number) {
  return Promise.all(
    shardNumbers(shardCount).map(async (shard): Promise<ShardDayRows> => {
      const [staged, rows] = await Promise.all([
        readJson<StagedShardDay>(deps.output, outputKeys.stagedShardDay(runId, date, shard)),
        readJson<StagedShardRows>(deps.output, outputKeys.stagedShardRows(runId, date, shard)),
      ]);
      return { ...userDayOf(staged), index: staged.index, rows: unstageShardRows(rows) };
    }),
  );
}

function boundaryOf(table: Table): SplitBoundary {
  const ts = table.columns.find((c) => c.name === 'timestamp')?.values;
  if (ts === undefined || table.rowCount === 0) return { first_timestamp: null, last_timestamp: null };
  return {
    first_timestamp: formatTimestamp(ts[0] as number),
    last_timestamp: formatTimestamp(ts[table.rowCount - 1] as number),
  };
}

/**
 * The `AssembleDays` state, for one day of a full run: joins the item features as of D onto the
 * day's rows from every shard, in (timestamp, interaction_id) order, and writes them into the part
 * files of their splits; the split's cut points come from the days' clean counts (features.md §6).
 */
export async function assembleDays(
  deps: PipelineDeps,
  input: { readonly run: RunRef; readonly date: string },
): Promise<AssembleDayOutcome> {
  const started = deps.clock();
  const encode: EncodeTimer = { seconds: 0 };
  const plan = await readPlan(deps, input.run);
  const { params } = plan;
  const { date } = input;
  const dayIndex = plan.days.indexOf(date);
  if (params.mode !== 'full' || dayIndex < 0)
    throw new RangeError(`${date} is not a day of full run ${params.runId}`);
  // FoldItems recorded every day's clean count once, so each day task reads one record, not all days'.
  const folded = await readStageRecord<FoldItemsRecord>(deps, params.runId, 'FoldItems');
  if (folded === null)
    throw new PipelineError(`run ${params.runId} has no FoldItems record: nothing to assemble`, {
      stage: 'AssembleDays',
      date,
    });
  const dayRows = folded.dayRows[dayIndex] as number;
  const placement = daySplitPlans(folded.dayRows, params.config.split, params.config.rowsPerPart)[
    dayIndex
  ] as ReturnType<typeof daySplitPlans>[number];
  const [items, parts] = await Promise.all([
    readJson<StagedItemFeatures>(deps.output, outputKeys.stagedItemFeatures(params.runId, date)).then(
      unstageItemFeatures,
    ),
    shardParts(deps, params.runId, date, params.shardCount),
  ]);
  const table = trainingRowsOfDay(parts, items);
  if (table.rowCount !== dayRows)
    throw new RangeError(`${date} has ${table.rowCount} staged rows, its record counts ${dayRows}`);

  const outputs: OutputRef[] = [];
  const splits: AssembleDayRecord['splits'] = {};
  const { rowsPerPart } = params.config;
  for (const s of placement.splits) {
    const rows = sliceTable(table, s.from, s.to);
    splits[s.split] = { rows: rows.rowCount, ...boundaryOf(rows) };
    for (let from = 0, part = s.firstPart; from < rows.rowCount; from += rowsPerPart, part++)
      outputs.push(
        await writeTable(
          deps,
          outputKeys.datasetPart(params.runId, s.split, part),
          sliceTable(rows, from, Math.min(rows.rowCount, from + rowsPerPart)),
          encode,
        ),
      );
  }
  // Every split has at least one part file: the first day writes an empty one for a split with no rows.
  if (dayIndex === 0) {
    const counts = splitCounts(
      folded.dayRows.reduce((n, rows) => n + rows, 0),
      params.config.split,
    );
    for (const s of SPLITS)
      if (counts[s] === 0)
        outputs.push(
          await writeTable(deps, outputKeys.datasetPart(params.runId, s, 0), emptyTrainingRows(), encode),
        );
  }
  const seconds = (deps.clock() - started) / 1000;
  deps.log(
    `  ${date}  rows  ${table.rowCount}  (${Math.round(table.rowCount / Math.max(seconds, 1e-3)).toLocaleString('en-US')} rows/s)`,
  );
  await writeStageRecord(deps, params.runId, assembleRecordName(date), {
    stage: 'AssembleDays',
    seconds,
    encode_seconds: encode.seconds,
    records: table.rowCount,
    date,
    outputs,
    splits,
  } satisfies AssembleDayRecord);
  return { date, rows: table.rowCount };
}
