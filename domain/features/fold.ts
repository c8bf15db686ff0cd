import type { PipelineConfig } from '../config';
import type { CleanInteraction, CleanProduct, CleanUser } from '../schemas/clean';
import { DAY_MS, addDays, dateMs } from '../time';
import { ROW_SOURCE, TableBuilder, TRAINING_ROW_COLUMNS } from './columns';
import {
  type UserContext,
  affinityDimensions as affinityDimensionsOf,
  interactionFeatures,
} from './interaction-features';
import { type ItemFeatures, TRENDING, itemFeaturesAsOf } from './item-features';
import type { FeatureState, ItemAggregate, UserAggregate } from './state';
import { type UserFeatures, userFeatures } from './user-features';

/** One cleaned day, as the fold consumes it. */
export interface CleanDayData {
  readonly date: string;
  /** Sorted by (timestamp, interaction_id). */
  readonly interactions: readonly CleanInteraction[];
  /** Cleaned snapshots for the day (latest on or before it). */
  readonly products: readonly CleanProduct[];
  readonly users: readonly CleanUser[];
}

/** A user's features as of a day with the context interaction features need. */
interface UserAsOf {
  readonly features: UserFeatures;
  readonly context: UserContext;
}

/** User features as of T of one user, or null when the user has no interaction in `[S, T)`. */
export function userAsOf(
  state: FeatureState,
  userId: string,
  profiles: ReadonlyMap<string, CleanUser>,
  asOfMs: number,
): UserAsOf | null {
  const agg = state.users.get(userId);
  if (agg === undefined) return null;
  const features = userFeatures(agg, profiles.get(userId), asOfMs);
  return {
    features,
    context: {
      favorite_category: features.favorite_category,
      avg_price_point: features.avg_price_point,
      // Copied so that folding the day's events does not leak into the day's own rows.
      affinity: new Map(agg.affinity),
    },
  };
}

/** The user snapshot for T - 1 by user id. */
export function profileIndex(profiles: readonly CleanUser[] | null): Map<string, CleanUser> {
  return new Map((profiles ?? []).map((u) => [u.user_id, u]));
}

function newUserAggregate(first: number): UserAggregate {
  return {
    total: 0,
    purchases: 0,
    firstTimestamp: first,
    lastTimestamp: first,
    categoryCounts: new Map(),
    purchaseCategories: new Set(),
    pricedPurchaseSum: 0,
    pricedPurchaseCount: 0,
    monetary: 0,
    affinity: new Map(),
    sessionCount: 0,
    sessionDurationMs: 0,
  };
}

function newItemAggregate(): ItemAggregate {
  return { views: 0, purchases: 0, ratingSum: 0, ratingCount: 0, lastPurchase: null, viewsByDay: new Map() };
}

function addTo(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

/**
 * Extends the (user, session_id) session with an event, or starts a new one when the gap exceeds
 * the limit. Returns the event's 1-based position; keeps the user's session totals in step.
 */
function advanceSession(state: FeatureState, agg: UserAggregate, x: CleanInteraction, gapMs: number): number {
  const key = `${x.user_id}\u0000${x.session_id}`;
  const open = state.sessions.get(key);
  if (open !== undefined && x.timestamp - open.last <= gapMs) {
    agg.sessionDurationMs += x.timestamp - open.last;
    open.last = x.timestamp;
    open.position++;
    return open.position;
  }
  state.sessions.set(key, { start: x.timestamp, last: x.timestamp, position: 1 });
  agg.sessionCount++;
  return 1;
}

/** Adds one interaction, with its event-day product attributes, to the user and item aggregates. */
function foldInteraction(
  state: FeatureState,
  agg: UserAggregate,
  x: CleanInteraction,
  p: CleanProduct,
  config: PipelineConfig,
): void {
  agg.total++;
  agg.lastTimestamp = x.timestamp;
  addTo(agg.categoryCounts, p.category, 1);
  const weight = config.affinityWeights[x.interaction_type];
  for (const d of affinityDims(p)) addTo(agg.affinity, d, weight);
  let item = state.items.get(x.product_id);
  if (item === undefined) {
    item = newItemAggregate();
    state.items.set(x.product_id, item);
  }
  if (x.rating !== null) {
    item.ratingSum += x.rating;
    item.ratingCount++;
  }
  if (x.interaction_type === 'view') {
    item.views++;
    const day = Math.floor(x.timestamp / DAY_MS);
    item.viewsByDay.set(day, (item.viewsByDay.get(day) ?? 0) + 1);
    addTo(state.categoryViews, p.category, 1);
    state.totalViews++;
  } else if (x.interaction_type === 'purchase') {
    item.purchases++;
    item.lastPurchase = x.timestamp;
    agg.purchases++;
    agg.purchaseCategories.add(p.category);
    agg.monetary += p.price ?? 0;
    if (p.price !== null) {
      agg.pricedPurchaseSum += p.price;
      agg.pricedPurchaseCount++;
    }
  }
}

const affinityDimsCache = new WeakMap<CleanProduct, readonly string[]>();
function affinityDims(p: CleanProduct): readonly string[] {
  let dims = affinityDimsCache.get(p);
  if (dims === undefined) {
    dims = affinityDimensionsOf(p);
    affinityDimsCache.set(p, dims);
  }
  return dims;
}

/**
 * The training columns read from each source, as (column index, field) lists hoisted out of the
 * row loop: one tight loop per source object keeps each loop's property reads on one shape.
 */
function columnsFrom(source: number): { readonly index: Int32Array; readonly field: readonly string[] } {
  const index: number[] = [];
  const field: string[] = [];
  TRAINING_ROW_COLUMNS.forEach((c, i) => {
    if (c.source === source) {
      index.push(i);
      field.push(c.field);
    }
  });
  return { index: Int32Array.from(index), field };
}
const FROM_INTERACTION = columnsFrom(ROW_SOURCE.interaction);
const FROM_FEATURES = columnsFrom(ROW_SOURCE.interactionFeatures);
const FROM_USER = columnsFrom(ROW_SOURCE.user);
const FROM_ITEM = columnsFrom(ROW_SOURCE.item);
const FROM_PRODUCT = columnsFrom(ROW_SOURCE.product);

/** Pushes `from`'s fields of `value` (null for each when `value` is absent) onto their columns. */
function pushFields(
  columns: readonly unknown[][],
  from: { readonly index: Int32Array; readonly field: readonly string[] },
  value: Fields | undefined,
): void {
  const { index, field } = from;
  if (value === undefined)
    for (let k = 0; k < index.length; k++) (columns[index[k] as number] as unknown[]).push(null);
  else
    for (let k = 0; k < index.length; k++)
      (columns[index[k] as number] as unknown[]).push(value[field[k] as string] ?? null);
}

/** A value holder read by field name (the column spec checks that each name is a field of its source). */
type Fields = Readonly<Record<string, unknown>>;

/** Appends the training row of interaction `x`: one push per column, read as TRAINING_ROW_COLUMNS says. */
function appendRow(
  rows: TableBuilder,
  x: CleanInteraction,
  p: CleanProduct,
  user: UserAsOf | null,
  item: ItemFeatures | undefined,
  position: number,
  config: PipelineConfig,
): void {
  const f = interactionFeatures(user?.context ?? null, p, x.timestamp, position, config);
  const u = user?.features as Fields | undefined;
  const it = item as Fields | undefined;
  const c = rows.columns as unknown[][];
  // No per-row array or closure on this hot path: an indexed push per column, source by source.
  pushFields(c, FROM_INTERACTION, x as unknown as Fields);
  pushFields(c, FROM_FEATURES, f as unknown as Fields);
  pushFields(c, FROM_USER, u);
  pushFields(c, FROM_ITEM, it);
  pushFields(c, FROM_PRODUCT, p as unknown as Fields);
  rows.endRow();
}

/** A builder for training rows. */
export function trainingRowsBuilder(): TableBuilder {
  return new TableBuilder(TRAINING_ROW_COLUMNS);
}

/**
 * The fold's step (architecture.md): emits the training rows of day D from the state as of D,
 * then folds day D in, leaving the state as of D + 1. `rows` may be null when only the state is
 * wanted (incremental runs).
 */
export function foldDay(
  state: FeatureState,
  day: CleanDayData,
  config: PipelineConfig,
  rows: TableBuilder | null,
): void {
  if (state.asOf !== day.date) throw new RangeError(`fold expected day ${state.asOf}, got ${day.date}`);
  const asOfMs = dateMs(day.date);
  const items = rows === null ? new Map<string, ItemFeatures>() : itemFeaturesAsOf(state, asOfMs);
  const profiles = profileIndex(state.userProfiles);
  const usersToday = new Map<string, UserAsOf | null>();
  if (rows !== null)
    for (const x of day.interactions)
      if (!usersToday.has(x.user_id)) usersToday.set(x.user_id, userAsOf(state, x.user_id, profiles, asOfMs));
  const eventDay = new Map(day.products.map((p) => [p.product_id, p]));

  for (const x of day.interactions) {
    const p = eventDay.get(x.product_id);
    if (p === undefined)
      throw new RangeError(
        `product ${x.product_id} of interaction ${x.interaction_id} is not in the snapshot for ${day.date}`,
      );
    let agg = state.users.get(x.user_id);
    if (agg === undefined) {
      agg = newUserAggregate(x.timestamp);
      state.users.set(x.user_id, agg);
    }
    const position = advanceSession(state, agg, x, config.sessionGapMs);
    if (rows !== null)
      appendRow(rows, x, p, usersToday.get(x.user_id) ?? null, items.get(x.product_id), position, config);
    foldInteraction(state, agg, x, p, config);
  }

  const nextMs = asOfMs + DAY_MS;
  // A session whose last event is more than one gap before T can never grow again.
  for (const [key, s] of state.sessions)
    if (s.last < nextMs - config.sessionGapMs) state.sessions.delete(key);
  const oldestDay = Math.floor(nextMs / DAY_MS) - TRENDING.baselineDays;
  for (const item of state.items.values())
    for (const d of item.viewsByDay.keys()) if (d < oldestDay) item.viewsByDay.delete(d);
  state.products = day.products;
  state.userProfiles = day.users;
  state.asOf = addDays(day.date, 1);
}
