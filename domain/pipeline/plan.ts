import { MissingInputError } from '../errors';
import type { LakeObject } from '../ports';
import { addDays, datesBetween, partitionDateOf } from '../time';
import type { PipelineDeps, RunParams } from './deps';
import { RAW_PREFIX, isRawObjectKey } from './layout';

/** The raw objects of one snapshot partition. */
export interface SnapshotRef {
  readonly date: string;
  readonly objects: readonly LakeObject[];
}

/** What the Plan stage decides: the days, and which snapshot serves each (latest on or before it). */
export interface RunPlan {
  readonly params: RunParams;
  readonly days: readonly string[];
  /** Snapshot per day, and for the day before S (item features as of S). */
  readonly products: Readonly<Record<string, SnapshotRef | null>>;
  readonly users: Readonly<Record<string, SnapshotRef | null>>;
}

/** Snapshot partitions by date, sorted ascending. */
async function snapshotPartitions(deps: PipelineDeps, prefix: string): Promise<SnapshotRef[]> {
  const byDate = new Map<string, LakeObject[]>();
  for (const o of await deps.input.list(prefix)) {
    const date = partitionDateOf(o.key);
    if (date === null || !isRawObjectKey(o.key)) continue;
    const list = byDate.get(date);
    if (list === undefined) byDate.set(date, [o]);
    else list.push(o);
  }
  return [...byDate.keys()].sort().map((date) => ({ date, objects: byDate.get(date) as LakeObject[] }));
}

/** The latest partition dated on or before `date`, or null. */
export function latestOnOrBefore(partitions: readonly SnapshotRef[], date: string): SnapshotRef | null {
  let found: SnapshotRef | null = null;
  for (const p of partitions) if (p.date <= date) found = p;
  return found;
}

/**
 * Plan stage: the run's days and the snapshot each one uses. Fails with one clear line when the
 * lake holds no raw data at all.
 */
export async function planRun(deps: PipelineDeps, params: RunParams): Promise<RunPlan> {
  const [productParts, userParts] = await Promise.all([
    snapshotPartitions(deps, RAW_PREFIX.products),
    snapshotPartitions(deps, RAW_PREFIX.users),
  ]);
  if (productParts.length === 0)
    throw new MissingInputError(
      'product snapshot',
      params.endDate,
      `nothing under ${deps.input.uriOf(RAW_PREFIX.products)}`,
    );
  if (userParts.length === 0)
    throw new MissingInputError(
      'user snapshot',
      params.endDate,
      `nothing under ${deps.input.uriOf(RAW_PREFIX.users)}`,
    );
  // An incremental run folds only its own day into the stored state.
  const days =
    params.mode === 'incremental' ? [params.endDate] : datesBetween(params.startDate, params.endDate);
  const products: Record<string, SnapshotRef | null> = {};
  const users: Record<string, SnapshotRef | null> = {};
  for (const date of [addDays(params.startDate, -1), ...days]) {
    products[date] = latestOnOrBefore(productParts, date);
    users[date] = latestOnOrBefore(userParts, date);
  }
  return { params, days, products, users };
}

/** The first and last dates holding raw interactions, or null for an empty lake. */
export async function rawInteractionRange(
  deps: Pick<PipelineDeps, 'input'>,
): Promise<{ start: string; end: string } | null> {
  const dates = new Set<string>();
  for (const o of await deps.input.list(RAW_PREFIX.interactions)) {
    const date = partitionDateOf(o.key);
    if (date !== null && isRawObjectKey(o.key)) dates.add(date);
  }
  const sorted = [...dates].sort();
  return sorted.length === 0
    ? null
    : { start: sorted[0] as string, end: sorted[sorted.length - 1] as string };
}
