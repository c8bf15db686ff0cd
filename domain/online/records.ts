import { InvalidArgumentError } from '../errors';
import { ITEM_FEATURE_COLUMNS, USER_FEATURE_COLUMNS } from '../features/columns';
import { profileIndex, userAsOf } from '../features/fold';
import { type ItemFeatures, itemFeaturesAsOf } from '../features/item-features';
import type { FeatureState, UserState } from '../features/state';
import type { UserFeatures } from '../features/user-features';
import { compareCodePoints } from '../text';
import { dateMs } from '../time';

/**
 * A user's weighted affinity vector over `c:`/`s:`/`b:` dimensions. Key order is the fold's
 * insertion order, kept through storage, so the online cosine sums in the same order as the batch.
 */
export type AffinityVector = Readonly<Record<string, number>>;

/** What the online store holds per user: every user feature of features.md §3, the affinity vector and `as_of`. */
export interface UserRecord extends UserFeatures {
  readonly user_id: string;
  readonly affinity: AffinityVector;
  /** Date of T (YYYY-MM-DD) the features are as of. */
  readonly as_of: string;
}

/** What the online store holds per product: the item features of features.md §4 and `as_of`. */
export interface ItemRecord extends ItemFeatures {
  readonly product_id: string;
  readonly as_of: string;
}

/** A record to publish, before the store stamps it with `as_of`. */
export type UserRecordInput = Omit<UserRecord, 'as_of'>;
/** An item record to publish, before the store stamps it with `as_of`. */
export type ItemRecordInput = Omit<ItemRecord, 'as_of'>;

/** One publication: the user and item records of one `as_of`. */
export interface FeatureRecords {
  readonly users: readonly UserRecordInput[];
  readonly items: readonly ItemRecordInput[];
}

/** The user feature names of features.md §3, in file order. */
export const USER_FEATURE_NAMES = USER_FEATURE_COLUMNS.map((c) => c.name) as readonly (keyof UserFeatures)[];
/** The item feature names of features.md §4, in file order. */
export const ITEM_FEATURE_NAMES = ITEM_FEATURE_COLUMNS.map((c) => c.name) as readonly (keyof ItemFeatures)[];

/** Every user's affinity vector as of the state's T, keyed by user id in code-point order. */
export function userAffinityVectors(state: UserState): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const id of [...state.aggregates.keys()].sort(compareCodePoints)) {
    const agg = state.aggregates.get(id);
    if (agg !== undefined) out.set(id, Object.fromEntries(agg.affinity));
  }
  return out;
}

/** The records to publish for the state's T: every user with history and every active product of the T - 1 snapshot. */
export function recordsFromState(state: FeatureState): FeatureRecords {
  const asOfMs = dateMs(state.users.asOf);
  const profiles = profileIndex(state.users.profiles);
  const users: UserRecordInput[] = [];
  for (const id of [...state.users.aggregates.keys()].sort(compareCodePoints)) {
    const u = userAsOf(state.users, id, profiles, asOfMs);
    if (u === null) continue;
    users.push({ user_id: id, ...u.features, affinity: Object.fromEntries(u.context.affinity) });
  }
  const itemFeatures = itemFeaturesAsOf(state.items, asOfMs);
  const items: ItemRecordInput[] = [];
  for (const id of [...itemFeatures.keys()].sort(compareCodePoints))
    items.push({ product_id: id, ...(itemFeatures.get(id) as ItemFeatures) });
  return { users, items };
}

/** A decoded Parquet value as a plain JSON value: INT64 bigints become numbers. */
function plain(value: unknown, column: string): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new InvalidArgumentError(`feature column ${column}`, value, 'is not a string, number or boolean');
}

function featuresOf(
  row: Readonly<Record<string, unknown>>,
  names: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = plain(row[name], name);
  return out;
}

/** A user record from a row of the user feature file plus its affinity vector ({} when unknown). */
export function userRecordFromRow(
  row: Readonly<Record<string, unknown>>,
  affinity: AffinityVector | undefined,
): UserRecordInput {
  const id = row.user_id;
  if (typeof id !== 'string') throw new InvalidArgumentError('user_id', id, 'must be a string');
  return {
    user_id: id,
    ...(featuresOf(row, USER_FEATURE_NAMES) as unknown as UserFeatures),
    affinity: affinity ?? {},
  };
}

/** An item record from a row of the item feature file. */
export function itemRecordFromRow(row: Readonly<Record<string, unknown>>): ItemRecordInput {
  const id = row.product_id;
  if (typeof id !== 'string') throw new InvalidArgumentError('product_id', id, 'must be a string');
  return { product_id: id, ...(featuresOf(row, ITEM_FEATURE_NAMES) as unknown as ItemFeatures) };
}
