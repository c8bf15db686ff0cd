import { cleanProducts, cleanUsers } from '../cleaning/snapshots';
import { CorruptObjectError, ValidationFailedError } from '../errors';
import { itemFeaturesTable, userFeaturesTable } from '../features/feature-tables';
import { foldDay, trainingRowsBuilder } from '../features/fold';
import { affinityCompanionJson } from '../online/publish';
import { emptyState } from '../features/state';
import { type Split, type SplitCounts, SPLITS, splitCounts } from '../split';
import type { Table } from '../table';
import { addDays, formatTimestamp } from '../time';
import { validateProductSnapshot, validateUserSnapshot } from '../validation/snapshots';
import { readJson, writeJson as writeJsonObject } from '../lake-json';
import { outputKeys } from '../lake-layout';
import type { PipelineDeps } from './deps';
import { type RunPlan, type SnapshotRef, readPlan } from './plan';
import type { RunRef } from './run-request';
import { type StageRecord, dayRecordName, readStageRecord, writeStageRecord } from './stage-records';
import type { DaySummary } from './validate-clean-day';
import { type StagedDay, unstageDay } from './staging';
import type { CleanDayData } from '../features/fold';
import type { FeatureState } from '../features/state';
import {
  checkStateMeta,
  deserializeState,
  readStateMeta,
  serializeState,
  stateMeta,
} from '../features/state-codec';
import { configHash } from './run-id';

/** One written output file, for lineage. */
export interface OutputRef {
  readonly key: string;
  readonly uri: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** Row counts and time boundaries of the split (features.md §6). */
export interface SplitSummary {
  readonly n: number;
  readonly counts: SplitCounts;
  readonly boundaries: Record<Split, { first_timestamp: string | null; last_timestamp: string | null }>;
}

/** What `BuildFeatures` produced, as recorded in `runs/<id>/stages/BuildFeatures.json`. */
export interface BuildResult extends StageRecord {
  readonly asOf: string;
  readonly outputs: readonly OutputRef[];
  /** Null on incremental runs, which write no training rows. */
  readonly split: SplitSummary | null;
  readonly users: number;
  readonly items: number;
  readonly seconds: number;
}

/** Rows `from` (inclusive) to `to` (exclusive) of a table. */
export function sliceTable(table: Table, from: number, to: number): Table {
  return {
    rowCount: to - from,
    columns: table.columns.map((c) => ({ ...c, values: c.values.slice(from, to) as typeof c.values })),
  };
}

/** Tables with the same columns, one after the other. */
export function concatTables(tables: readonly Table[]): Table {
  const first = tables[0];
  if (first === undefined) throw new RangeError('concatTables needs at least one table');
  if (tables.length === 1) return first;
  return {
    rowCount: tables.reduce((n, t) => n + t.rowCount, 0),
    columns: first.columns.map((c, i) => {
      const parts = tables.map((t) => t.columns[i]?.values ?? []) as unknown[][];
      return { ...c, values: ([] as unknown[]).concat(...parts) as typeof c.values };
    }),
  };
}

async function writeTable(deps: PipelineDeps, key: string, table: Table): Promise<OutputRef> {
  const bytes = deps.encodeTable(table);
  await deps.output.write(key, bytes);
  return {
    key,
    uri: deps.output.uriOf(key),
    rows: table.rowCount,
    bytes: bytes.length,
    sha256: deps.hash(bytes),
  };
}

async function writeJson(deps: PipelineDeps, key: string, text: string, rows: number): Promise<OutputRef> {
  const bytes = new TextEncoder().encode(text);
  await deps.output.write(key, bytes);
  return { key, uri: deps.output.uriOf(key), rows, bytes: bytes.length, sha256: deps.hash(bytes) };
}

/** Writes training rows split by position into part files of at most `rowsPerPart` rows. */
class SplitWriter {
  private readonly pending: Table[] = [];
  private pendingRows = 0;
  private split: Split = 'train';
  private part = 0;
  private index = 0;
  private readonly written = new Set<Split>();
  readonly outputs: OutputRef[] = [];
  readonly boundaries = Object.fromEntries(
    SPLITS.map((s) => [s, { first_timestamp: null as string | null, last_timestamp: null as string | null }]),
  ) as SplitSummary['boundaries'];

  constructor(
    private readonly deps: PipelineDeps,
    private readonly runId: string,
    private readonly counts: SplitCounts,
    private readonly rowsPerPart: number,
    private readonly emptyTable: Table,
  ) {}

  private splitEnd(split: Split): number {
    if (split === 'train') return this.counts.train;
    if (split === 'validation') return this.counts.train + this.counts.validation;
    return this.counts.train + this.counts.validation + this.counts.test;
  }

  /** Appends a day's rows, which follow every row appended before in (timestamp, id) order. */
  async add(table: Table): Promise<void> {
    let from = 0;
    while (from < table.rowCount) {
      while (this.index >= this.splitEnd(this.split)) await this.nextSplit();
      const to = Math.min(table.rowCount, from + (this.splitEnd(this.split) - this.index));
      const slice = sliceTable(table, from, to);
      this.track(slice);
      this.pending.push(slice);
      this.pendingRows += slice.rowCount;
      this.index += slice.rowCount;
      from = to;
      while (this.pendingRows >= this.rowsPerPart) await this.flush(this.rowsPerPart);
    }
  }

  private track(slice: Table): void {
    const ts = slice.columns.find((c) => c.name === 'timestamp')?.values;
    if (ts === undefined || slice.rowCount === 0) return;
    const b = this.boundaries[this.split];
    b.first_timestamp ??= formatTimestamp(ts[0] as number);
    b.last_timestamp = formatTimestamp(ts[slice.rowCount - 1] as number);
  }

  private async flush(rows: number): Promise<void> {
    if (this.pendingRows === 0) return;
    const all = concatTables(this.pending);
    const head = rows >= all.rowCount ? all : sliceTable(all, 0, rows);
    this.pending.length = 0;
    this.pendingRows = 0;
    if (rows < all.rowCount) {
      const rest = sliceTable(all, rows, all.rowCount);
      this.pending.push(rest);
      this.pendingRows = rest.rowCount;
    }
    this.outputs.push(
      await writeTable(this.deps, outputKeys.datasetPart(this.runId, this.split, this.part++), head),
    );
    this.written.add(this.split);
  }

  private async nextSplit(): Promise<void> {
    while (this.pendingRows > 0) await this.flush(this.rowsPerPart);
    if (!this.written.has(this.split)) await this.writeEmpty();
    this.split = SPLITS[SPLITS.indexOf(this.split) + 1] as Split;
    this.part = 0;
  }

  private async writeEmpty(): Promise<void> {
    this.outputs.push(
      await writeTable(this.deps, outputKeys.datasetPart(this.runId, this.split, 0), this.emptyTable),
    );
    this.written.add(this.split);
  }

  /** Flushes the rest; every split ends with at least one (possibly empty) part file. */
  async close(): Promise<void> {
    while (this.split !== 'test') await this.nextSplit();
    while (this.pendingRows > 0) await this.flush(this.rowsPerPart);
    if (!this.written.has('test')) await this.writeEmpty();
  }
}

async function cleanSnapshotBeforeStart(
  deps: PipelineDeps,
  ref: SnapshotRef | null | undefined,
  kind: 'products' | 'users',
) {
  if (ref === null || ref === undefined) return null;
  const objects = await Promise.all(
    ref.objects.map(async (o) => ({ ...o, lines: deps.decodeLines(o.key, await deps.input.read(o.key)) })),
  );
  return kind === 'products'
    ? { products: cleanProducts(validateProductSnapshot(objects).records.values()) }
    : { users: cleanUsers(validateUserSnapshot(objects).records.values()) };
}

/** Reads a staged clean day back. */
async function readStagedDay(deps: PipelineDeps, summary: DaySummary): Promise<CleanDayData> {
  return unstageDay(await readJson<StagedDay>(deps.output, summary.stagingKey));
}

/** The state as of S: nothing folded in yet, the snapshots for S - 1 cleaned. */
async function initialState(deps: PipelineDeps, plan: RunPlan): Promise<FeatureState> {
  const beforeStart = addDays(plan.params.startDate, -1);
  const products = await cleanSnapshotBeforeStart(deps, plan.products[beforeStart], 'products');
  const users = await cleanSnapshotBeforeStart(deps, plan.users[beforeStart], 'users');
  return emptyState(plan.params.startDate, products?.products ?? null, users?.users ?? null);
}

/** The state as of the incremental run's day, as the previous run left it. */
async function storedState(deps: PipelineDeps, plan: RunPlan): Promise<FeatureState> {
  const date = plan.params.endDate;
  checkStateMeta(await readStateMeta(deps, date), date, {
    configHash: configHash(plan.params.config, deps.hash),
    startDate: plan.params.startDate,
  });
  const key = outputKeys.state(date);
  const text = new TextDecoder().decode(await deps.output.read(key));
  try {
    return deserializeState(text);
  } catch (error) {
    throw new CorruptObjectError(
      deps.output.uriOf(key),
      `${(error as Error).message}; run a full run to rebuild the state`,
    );
  }
}

/** Features as of the state's T, its affinity companion, and the state itself (for the next daily run). */
async function writeFeaturesAndState(
  deps: PipelineDeps,
  plan: RunPlan,
  state: FeatureState,
): Promise<{ outputs: OutputRef[]; users: number; items: number }> {
  const userTable = userFeaturesTable(state);
  const itemTable = itemFeaturesTable(state);
  const hash = configHash(plan.params.config, deps.hash);
  const outputs = [
    await writeTable(deps, outputKeys.userFeatures(state.asOf), userTable),
    await writeTable(deps, outputKeys.itemFeatures(state.asOf), itemTable),
    // The users' affinity vectors, which Publish stores online for `user_item_affinity`.
    await writeJson(
      deps,
      outputKeys.userAffinity(state.asOf),
      affinityCompanionJson(state),
      userTable.rowCount,
    ),
    await writeJson(deps, outputKeys.state(state.asOf), serializeState(state, hash), state.users.size),
  ];
  // The header last: a state without it is incomplete and never read.
  await writeJsonObject(deps.output, outputKeys.stateMeta(state.asOf), stateMeta(state, hash));
  return { outputs, users: userTable.rowCount, items: itemTable.rowCount };
}

/**
 * A full run folds the staged days in order from an empty state, writing the training
 * rows and their split as it goes; an incremental run folds its one day into the stored state.
 * Both then write features as of E + 1 and the state as of E + 1. Refuses to run when a day failed.
 */
async function foldDays(
  deps: PipelineDeps,
  plan: RunPlan,
  days: readonly DaySummary[],
): Promise<BuildResult> {
  const started = deps.clock();
  const failed = days.find((d) => d.status === 'failed');
  if (failed !== undefined) throw new ValidationFailedError(failed.date, failed.failures);
  const { params } = plan;
  const ordered = [...days].sort((a, b) => (a.date < b.date ? -1 : 1));

  if (params.mode === 'incremental') {
    const state = await storedState(deps, plan);
    for (const summary of ordered) foldDay(state, await readStagedDay(deps, summary), params.config, null);
    const written = await writeFeaturesAndState(deps, plan, state);
    return {
      stage: 'BuildFeatures',
      records: days.reduce((n, d) => n + d.counts.clean, 0),
      asOf: state.asOf,
      outputs: written.outputs,
      split: null,
      users: written.users,
      items: written.items,
      seconds: (deps.clock() - started) / 1000,
    };
  }

  const state = await initialState(deps, plan);
  const n = days.reduce((sum, d) => sum + d.counts.clean, 0);
  const counts = splitCounts(n, params.config.split);
  await deps.output.deletePrefix(outputKeys.datasetPrefix(params.runId));
  const rows = trainingRowsBuilder();
  const writer = new SplitWriter(
    deps,
    params.runId,
    counts,
    params.config.rowsPerPart,
    trainingRowsBuilder().take(),
  );
  for (const summary of ordered) {
    const t0 = deps.clock();
    const day = await readStagedDay(deps, summary);
    foldDay(state, day, params.config, rows);
    await writer.add(rows.take());
    const seconds = (deps.clock() - t0) / 1000;
    deps.log(
      `  ${summary.date}  features  ${day.interactions.length} rows  (${Math.round(day.interactions.length / Math.max(seconds, 1e-3)).toLocaleString('en-US')} rows/s)`,
    );
  }
  await writer.close();
  const written = await writeFeaturesAndState(deps, plan, state);
  return {
    stage: 'BuildFeatures',
    records: n,
    asOf: state.asOf,
    outputs: [...writer.outputs, ...written.outputs],
    split: { n, counts, boundaries: writer.boundaries },
    users: written.users,
    items: written.items,
    seconds: (deps.clock() - started) / 1000,
  };
}

/** The days' records of a run, in date order; a day without one did not complete. */
export async function readDaySummaries(
  deps: PipelineDeps,
  run: RunRef,
  days: readonly string[],
): Promise<DaySummary[]> {
  const summaries = await Promise.all(
    days.map((date) => readStageRecord<DaySummary>(deps, run.run_id, dayRecordName(date))),
  );
  return summaries.filter((s): s is DaySummary => s !== null);
}

/** What `BuildFeatures` returns: the features' T and counts (its record holds the outputs). */
export interface BuildOutcome {
  readonly as_of: string;
  readonly rows: number;
  readonly users: number;
  readonly items: number;
}

/** The `BuildFeatures` state: the fold over the run's validated days, features as of E + 1. */
export async function buildFeatures(
  deps: PipelineDeps,
  input: { readonly run: RunRef },
): Promise<BuildOutcome> {
  const plan = await readPlan(deps, input.run);
  const days = await readDaySummaries(deps, input.run, plan.days);
  deps.log('build features, training rows and split');
  const result = await foldDays(deps, plan, days);
  await writeStageRecord(deps, input.run.run_id, 'BuildFeatures', result);
  return { as_of: result.asOf, rows: result.records, users: result.users, items: result.items };
}
