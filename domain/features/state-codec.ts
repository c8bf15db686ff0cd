import { CorruptObjectError, PipelineError } from '../errors';
import { readJsonOrNull } from '../lake-json';
import { outputKeys } from '../lake-layout';
import type { Lake } from '../ports';
import type { CleanProduct, CleanUser } from '../schemas/clean';
import { SCHEMA_VERSION } from '../schemas/records';
import type { FeatureState, ItemAggregate, OpenSession, UserAggregate } from './state';

/**
 * The persisted state of the fold (features.md §8): exactly what features as of T are a function
 * of, so that an incremental run folding one day into it equals a full run. Maps become arrays of
 * entries in insertion order (sums over them keep their order, so floating-point results are
 * identical); numbers round-trip exactly through JSON.
 */
export const STATE_VERSION = 1 as const;

/** The small header beside the state, read by Plan to fail fast on a mismatch. */
export interface StateMeta {
  readonly state_version: number;
  readonly schema_version: number;
  readonly start_date: string;
  readonly as_of: string;
  readonly config_hash: string;
}

interface UserEntry extends Omit<UserAggregate, 'categoryCounts' | 'purchaseCategories' | 'affinity'> {
  readonly categoryCounts: [string, number][];
  readonly purchaseCategories: string[];
  readonly affinity: [string, number][];
}

interface ItemEntry extends Omit<ItemAggregate, 'viewsByDay'> {
  readonly viewsByDay: [number, number][];
}

/** The state file's JSON shape. */
export interface SerializedState {
  readonly meta: StateMeta;
  readonly users: [string, UserEntry][];
  readonly items: [string, ItemEntry][];
  readonly sessions: [string, OpenSession][];
  readonly categoryViews: [string, number][];
  readonly totalViews: number;
  readonly products: readonly CleanProduct[] | null;
  readonly userProfiles: readonly CleanUser[] | null;
}

/** The header of a state as of `state.asOf` under a config. */
export function stateMeta(state: FeatureState, configHash: string): StateMeta {
  return {
    state_version: STATE_VERSION,
    schema_version: SCHEMA_VERSION,
    start_date: state.startDate,
    as_of: state.asOf,
    config_hash: configHash,
  };
}

/** The state as JSON text. */
export function serializeState(state: FeatureState, configHash: string): string {
  const doc: SerializedState = {
    meta: stateMeta(state, configHash),
    users: [...state.users].map(([id, u]) => [
      id,
      {
        ...u,
        categoryCounts: [...u.categoryCounts],
        purchaseCategories: [...u.purchaseCategories],
        affinity: [...u.affinity],
      },
    ]),
    items: [...state.items].map(([id, i]) => [id, { ...i, viewsByDay: [...i.viewsByDay] }]),
    sessions: [...state.sessions].map(([k, s]) => [k, { ...s }]),
    categoryViews: [...state.categoryViews],
    totalViews: state.totalViews,
    products: state.products,
    userProfiles: state.userProfiles,
  };
  return JSON.stringify(doc);
}

/** The state from its JSON text. */
export function deserializeState(text: string): FeatureState {
  const doc = JSON.parse(text) as SerializedState;
  return {
    startDate: doc.meta.start_date,
    asOf: doc.meta.as_of,
    users: new Map(
      doc.users.map(([id, u]) => [
        id,
        {
          ...u,
          categoryCounts: new Map(u.categoryCounts),
          purchaseCategories: new Set(u.purchaseCategories),
          affinity: new Map(u.affinity),
        },
      ]),
    ),
    items: new Map(doc.items.map(([id, i]) => [id, { ...i, viewsByDay: new Map(i.viewsByDay) }])),
    sessions: new Map(doc.sessions.map(([k, s]) => [k, { ...s }])),
    categoryViews: new Map(doc.categoryViews),
    totalViews: doc.totalViews,
    products: doc.products,
    userProfiles: doc.userProfiles,
  };
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

/**
 * Checks that the state as of `date` can serve an incremental run with this start and config:
 * the same state and schema versions, the same config, and the same S when one is asked for.
 */
export function checkStateMeta(
  meta: StateMeta | null,
  date: string,
  expected: { configHash: string; startDate?: string | undefined },
): StateMeta {
  if (meta === null)
    throw new StateMismatchError(date, `there is no state as of ${date} (no ${outputKeys.stateMeta(date)})`);
  if (meta.state_version !== STATE_VERSION)
    throw new StateMismatchError(
      date,
      `the state has version ${meta.state_version}, this code reads ${STATE_VERSION}`,
    );
  if (meta.schema_version !== SCHEMA_VERSION)
    throw new StateMismatchError(
      date,
      `the state was built with schema version ${meta.schema_version}, this code uses ${SCHEMA_VERSION}`,
    );
  if (meta.config_hash !== expected.configHash)
    throw new StateMismatchError(
      date,
      `${outputKeys.stateMeta(date)} was written with another configuration (config_hash ${meta.config_hash})`,
    );
  if (expected.startDate !== undefined && meta.start_date !== expected.startDate)
    throw new StateMismatchError(date, `the state starts at ${meta.start_date}, not ${expected.startDate}`);
  return meta;
}

/** The header of the state as of `date`, or null when there is none; a damaged one is refused, named. */
export async function readStateMeta(deps: { output: Lake }, date: string): Promise<StateMeta | null> {
  const key = outputKeys.stateMeta(date);
  try {
    return await readJsonOrNull<StateMeta>(deps.output, key);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new CorruptObjectError(
      deps.output.uriOf(key),
      `not JSON (${error.message}); run a full run (--mode full) to rebuild the state`,
    );
  }
}
