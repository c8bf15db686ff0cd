import { CorruptObjectError, PipelineError } from '../errors';
import { readJsonOrNull, writeJson } from '../lake-json';
import { outputKeys } from '../lake-layout';
import type { Lake } from '../ports';
import type { CleanProduct, CleanUser } from '../schemas/clean';
import { SCHEMA_VERSION } from '../schemas/records';
import type { ItemAggregate, ItemState, OpenSession, UserAggregate, UserState } from './state';

/**
 * The persisted state of the fold (features.md §8): exactly what features as of T are a function
 * of, so that an incremental run folding one day into it equals a full run. It is stored in halves,
 * the item state and one file per user shard, each with a header naming what it is; maps become
 * arrays of entries in insertion order (sums over them keep their order, so floating-point results
 * are identical); numbers round-trip exactly through JSON. `meta.json`, written last, names the
 * start, the config and the shard count: a state without it is incomplete and never read.
 */
export const STATE_VERSION = 2 as const;

/** The header of the state as of T (`state/as_of=T/meta.json`), read by Plan to fail fast on a mismatch. */
export interface StateMeta {
  readonly state_version: number;
  readonly schema_version: number;
  readonly start_date: string;
  readonly as_of: string;
  readonly config_hash: string;
  readonly shard_count: number;
}

/** Which half of the state a file holds: the items, or one user shard. */
export type StatePart = 'items' | { readonly shard: number };

/** The header every state file carries, so that a foreign or misplaced file is refused. */
interface StateFileHeader extends StateMeta {
  readonly part: StatePart;
}

interface UserEntry extends Omit<UserAggregate, 'categoryCounts' | 'purchaseCategories' | 'affinity'> {
  readonly categoryCounts: [string, number][];
  readonly purchaseCategories: string[];
  readonly affinity: [string, number][];
}

interface ItemEntry extends Omit<ItemAggregate, 'viewsByDay'> {
  readonly viewsByDay: [number, number][];
}

interface ItemStateFile {
  readonly meta: StateFileHeader;
  readonly aggregates: [string, ItemEntry][];
  readonly categoryViews: [string, number][];
  readonly totalViews: number;
  readonly snapshot: readonly CleanProduct[] | null;
}

interface UserStateFile {
  readonly meta: StateFileHeader;
  readonly aggregates: [string, UserEntry][];
  readonly sessions: [string, OpenSession][];
  readonly profiles: readonly CleanUser[] | null;
}

/** The header of a state as of `asOf` under a config and shard count. */
export function stateMeta(
  position: { readonly startDate: string; readonly asOf: string },
  configHash: string,
  shardCount: number,
): StateMeta {
  return {
    state_version: STATE_VERSION,
    schema_version: SCHEMA_VERSION,
    start_date: position.startDate,
    as_of: position.asOf,
    config_hash: configHash,
    shard_count: shardCount,
  };
}

/** The item state as JSON text. */
export function serializeItemState(state: ItemState, meta: StateMeta): string {
  const doc: ItemStateFile = {
    meta: { ...meta, part: 'items' },
    aggregates: [...state.aggregates].map(([id, i]) => [id, { ...i, viewsByDay: [...i.viewsByDay] }]),
    categoryViews: [...state.categoryViews],
    totalViews: state.totalViews,
    snapshot: state.snapshot,
  };
  return JSON.stringify(doc);
}

/** One shard's user state as JSON text. */
export function serializeUserState(state: UserState, meta: StateMeta, shard: number): string {
  const doc: UserStateFile = {
    meta: { ...meta, part: { shard } },
    aggregates: [...state.aggregates].map(([id, u]) => [
      id,
      {
        ...u,
        categoryCounts: [...u.categoryCounts],
        purchaseCategories: [...u.purchaseCategories],
        affinity: [...u.affinity],
      },
    ]),
    sessions: [...state.sessions].map(([k, s]) => [k, { ...s }]),
    profiles: state.profiles,
  };
  return JSON.stringify(doc);
}

/** A state that cannot serve an incremental run; the message says to run a full run. */
export class StateMismatchError extends PipelineError {
  constructor(date: string, reason: string) {
    super(`cannot run incrementally for ${date}: ${reason}; run a full run (--mode full) first`, {
      stage: 'plan',
      date,
    });
  }
}

/** What an incremental run expects of the stored state. */
export interface ExpectedState {
  readonly configHash: string;
  readonly shardCount: number;
  readonly startDate?: string | undefined;
}

/**
 * Checks that the state as of `date` can serve an incremental run with this start, config and
 * shard count: the same state and schema versions, the same config, the same N, the same S when
 * one is asked for.
 */
export function checkStateMeta(meta: StateMeta | null, date: string, expected: ExpectedState): StateMeta {
  const key = outputKeys.stateMeta(date);
  if (meta === null) throw new StateMismatchError(date, `there is no state as of ${date} (no ${key})`);
  if (meta.state_version !== STATE_VERSION)
    throw new StateMismatchError(
      date,
      `${key} has state version ${meta.state_version}, this code reads ${STATE_VERSION}`,
    );
  if (meta.schema_version !== SCHEMA_VERSION)
    throw new StateMismatchError(
      date,
      `${key} was built with schema version ${meta.schema_version}, this code uses ${SCHEMA_VERSION}`,
    );
  if (meta.config_hash !== expected.configHash)
    throw new StateMismatchError(
      date,
      `${key} was written with another configuration (config_hash ${meta.config_hash})`,
    );
  if (meta.shard_count !== expected.shardCount)
    throw new StateMismatchError(
      date,
      `${key} has ${meta.shard_count} user shards, this run asks for ${expected.shardCount} (a different shard count needs a full run)`,
    );
  if (expected.startDate !== undefined && meta.start_date !== expected.startDate)
    throw new StateMismatchError(date, `the state starts at ${meta.start_date}, not ${expected.startDate}`);
  return meta;
}

const STATE_ADVICE = 'run a full run (--mode full) to rebuild the state';

/** Parses a state object's JSON, refusing a damaged one by name. */
async function readStateJson<T>(output: Lake, key: string): Promise<T | null> {
  try {
    return await readJsonOrNull<T>(output, key);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new CorruptObjectError(output.uriOf(key), `not JSON (${error.message}); ${STATE_ADVICE}`);
  }
}

/** The header of the state as of `date`, or null when there is none; a damaged one is refused, named. */
export async function readStateMeta(deps: { output: Lake }, date: string): Promise<StateMeta | null> {
  const meta = await readStateJson<StateMeta>(deps.output, outputKeys.stateMeta(date));
  if (meta !== null && (typeof meta !== 'object' || typeof meta.as_of !== 'string'))
    throw new CorruptObjectError(
      deps.output.uriOf(outputKeys.stateMeta(date)),
      `not a state header; ${STATE_ADVICE}`,
    );
  return meta;
}

const samePart = (a: StatePart, b: StatePart): boolean =>
  a === 'items' || b === 'items' ? a === b : a.shard === b.shard;

const partName = (part: StatePart): string =>
  part === 'items' ? 'the item state' : `user shard ${part.shard}`;

/**
 * Reads one state file and checks that it is what `meta` says it should be: this part, of this
 * state (as of, start, config, shard count). Anything else (truncated, another schema, another
 * run's file) is refused naming the file.
 */
async function readStateFile<T extends { meta: StateFileHeader }>(
  output: Lake,
  key: string,
  meta: StateMeta,
  part: StatePart,
  arrays: readonly (keyof T & string)[],
): Promise<T> {
  const uri = output.uriOf(key);
  const doc = await readStateJson<T>(output, key);
  if (doc === null)
    throw new CorruptObjectError(
      uri,
      `missing, though ${outputKeys.stateMeta(meta.as_of)} exists; ${STATE_ADVICE}`,
    );
  const header = (doc as { meta?: Partial<StateFileHeader> }).meta;
  if (typeof header !== 'object' || header === null || arrays.some((f) => !Array.isArray(doc[f])))
    throw new CorruptObjectError(
      uri,
      `not a state file of this format (version ${STATE_VERSION}); ${STATE_ADVICE}`,
    );
  const mismatch = (Object.keys(meta) as (keyof StateMeta)[]).find((k) => header[k] !== meta[k]);
  if (mismatch !== undefined)
    throw new CorruptObjectError(
      uri,
      `its ${mismatch} is ${JSON.stringify(header[mismatch])}, the state header says ${JSON.stringify(meta[mismatch])}; ${STATE_ADVICE}`,
    );
  if (header.part === undefined || !samePart(header.part, part))
    throw new CorruptObjectError(
      uri,
      `holds ${header.part === undefined ? 'no part' : partName(header.part)}, not ${partName(part)}; ${STATE_ADVICE}`,
    );
  return doc;
}

/** The item state as of `meta.as_of`. */
export async function readItemState(output: Lake, meta: StateMeta): Promise<ItemState> {
  const doc = await readStateFile<ItemStateFile>(output, outputKeys.itemState(meta.as_of), meta, 'items', [
    'aggregates',
    'categoryViews',
  ]);
  return {
    startDate: meta.start_date,
    asOf: meta.as_of,
    aggregates: new Map(doc.aggregates.map(([id, i]) => [id, { ...i, viewsByDay: new Map(i.viewsByDay) }])),
    categoryViews: new Map(doc.categoryViews),
    totalViews: doc.totalViews,
    snapshot: doc.snapshot,
  };
}

/** One shard's user state as of `meta.as_of`. */
export async function readUserState(output: Lake, meta: StateMeta, shard: number): Promise<UserState> {
  const doc = await readStateFile<UserStateFile>(
    output,
    outputKeys.userState(meta.as_of, shard),
    meta,
    { shard },
    ['aggregates', 'sessions'],
  );
  return {
    startDate: meta.start_date,
    asOf: meta.as_of,
    aggregates: new Map(
      doc.aggregates.map(([id, u]) => [
        id,
        {
          ...u,
          categoryCounts: new Map(u.categoryCounts),
          purchaseCategories: new Set(u.purchaseCategories),
          affinity: new Map(u.affinity),
        },
      ]),
    ),
    sessions: new Map(doc.sessions.map(([k, s]) => [k, { ...s }])),
    profiles: doc.profiles,
  };
}

/** Writes the state header, the last object of a state (see above). */
export function writeStateMeta(output: Lake, meta: StateMeta): Promise<void> {
  return writeJson(output, outputKeys.stateMeta(meta.as_of), meta);
}
