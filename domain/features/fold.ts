import type { PipelineConfig } from '../config';
import type { CleanInteraction, CleanProduct, CleanUser } from '../schemas/clean';
import type { InteractionType } from '../schemas/records';
import type { Table } from '../table';
import { DAY_MS, addDays, dateMs } from '../time';
import {
  type EventDayProducts,
  type InteractionColumns,
  type InteractionFeatureColumns,
  type UserDayRows,
  interactionColumns,
  rowCount,
} from './day-columns';

export type { EventDayProducts, InteractionFeatureColumns, UserDayRows } from './day-columns';
import {
  type EventDayAttributes,
  type UserContext,
  affinityDimensions,
  interactionFeatures,
} from './interaction-features';
import { TRENDING, itemFeaturesAsOf } from './item-features';
import type { FeatureState, ItemAggregate, ItemState, UserAggregate, UserState } from './state';
import { trainingRowsOfDay } from './training-rows';
import { type UserFeatures, userFeatures } from './user-features';

/**
 * The fold's step (architecture.md): the rows of day D are built from the state as of D, then day
 * D is folded in, leaving the state as of D + 1. The state splits in two: the item half (counts per
 * product and category, which depend on no user) and the user half (everything of one user alone),
 * so users can be folded in shards. Both halves are folded here; `foldDay` composes them.
 */

/** One cleaned day, as the whole (unsharded) fold consumes it. */
export interface CleanDayData {
  readonly date: string;
  /** Sorted by (timestamp, interaction_id). */
  readonly interactions: readonly CleanInteraction[];
  /** Cleaned snapshots for the day (latest on or before it). */
  readonly products: readonly CleanProduct[];
  readonly users: readonly CleanUser[];
}

/** One day of a set of users (a shard, or every user), as the user fold consumes it. */
export interface UserDay {
  readonly date: string;
  /** Sorted by (timestamp, interaction_id). */
  readonly interactions: InteractionColumns;
  /** The event-day attributes of every product the interactions touch. */
  readonly products: EventDayProducts;
  /** The day's user snapshot rows of these users: their profiles as of D + 1. */
  readonly users: readonly CleanUser[];
}

/** A user's features as of a day with the context interaction features need. */
interface UserAsOf {
  readonly features: UserFeatures;
  readonly context: UserContext;
}

/** User features as of T of one user, or null when the user has no interaction in `[S, T)`. */
export function userAsOf(
  state: UserState,
  userId: string,
  profiles: ReadonlyMap<string, CleanUser>,
  asOfMs: number,
): UserAsOf | null {
  const agg = state.aggregates.get(userId);
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

/** Every product of a snapshot as event-day attributes, by id. */
export function eventDayProducts(snapshot: readonly CleanProduct[]): Map<string, EventDayAttributes> {
  return new Map(snapshot.map((p) => [p.product_id, p]));
}

/** The event-day attributes of row `i`'s product; a product missing from the day's snapshot is a bug upstream. */
function productOfRow(
  day: { date: string; interactions: InteractionColumns; products: EventDayProducts },
  i: number,
) {
  const p = day.products.get(day.interactions.product_id[i] as string);
  if (p === undefined)
    throw new RangeError(
      `product ${day.interactions.product_id[i]} of interaction ${day.interactions.interaction_id[i]} is not in the snapshot for ${day.date}`,
    );
  return p;
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

function addTo(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

/**
 * Extends the (user, session_id) session with an event, or starts a new one when the gap exceeds
 * the limit. Returns the event's 1-based position; keeps the user's session totals in step.
 */
function advanceSession(
  state: UserState,
  agg: UserAggregate,
  userId: string,
  sessionId: string,
  timestamp: number,
  gapMs: number,
): number {
  const key = `${userId}\u0000${sessionId}`;
  const open = state.sessions.get(key);
  if (open !== undefined && timestamp - open.last <= gapMs) {
    agg.sessionDurationMs += timestamp - open.last;
    open.last = timestamp;
    open.position++;
    return open.position;
  }
  state.sessions.set(key, { start: timestamp, last: timestamp, position: 1 });
  agg.sessionCount++;
  return 1;
}

const affinityDimsCache = new WeakMap<EventDayAttributes, readonly string[]>();
function affinityDims(p: EventDayAttributes): readonly string[] {
  let dims = affinityDimsCache.get(p);
  if (dims === undefined) {
    dims = affinityDimensions(p);
    affinityDimsCache.set(p, dims);
  }
  return dims;
}

/** Adds one interaction, with its event-day product attributes, to its user's aggregates. */
function foldIntoUser(
  agg: UserAggregate,
  type: InteractionType,
  timestamp: number,
  p: EventDayAttributes,
  config: PipelineConfig,
): void {
  agg.total++;
  agg.lastTimestamp = timestamp;
  addTo(agg.categoryCounts, p.category, 1);
  const weight = config.affinityWeights[type];
  for (const d of affinityDims(p)) addTo(agg.affinity, d, weight);
  if (type === 'purchase') {
    agg.purchases++;
    agg.purchaseCategories.add(p.category);
    agg.monetary += p.price ?? 0;
    if (p.price !== null) {
      agg.pricedPurchaseSum += p.price;
      agg.pricedPurchaseCount++;
    }
  }
}

function emptyFeatureColumns(): InteractionFeatureColumns {
  return {
    user_item_affinity: [],
    category_match: [],
    price_match: [],
    time_of_day: [],
    day_of_week: [],
    session_position: [],
  };
}

/**
 * The user half of the step for day D: emits (when `emitRows`) each row's interaction features and
 * the users' features as of D, then folds the day in, leaving the users' state as of D + 1.
 */
export function foldUserDay(
  state: UserState,
  day: UserDay,
  config: PipelineConfig,
  emitRows: boolean,
): UserDayRows | null {
  if (state.asOf !== day.date) throw new RangeError(`fold expected day ${state.asOf}, got ${day.date}`);
  const asOfMs = dateMs(day.date);
  const x = day.interactions;
  const n = rowCount(x);
  const profiles = profileIndex(state.profiles);
  const usersToday = new Map<string, UserAsOf | null>();
  if (emitRows)
    for (const id of x.user_id)
      if (!usersToday.has(id)) usersToday.set(id, userAsOf(state, id, profiles, asOfMs));
  const f = emptyFeatureColumns();

  for (let i = 0; i < n; i++) {
    const p = productOfRow(day, i);
    const userId = x.user_id[i] as string;
    const timestamp = x.timestamp[i] as number;
    let agg = state.aggregates.get(userId);
    if (agg === undefined) {
      agg = newUserAggregate(timestamp);
      state.aggregates.set(userId, agg);
    }
    const position = advanceSession(
      state,
      agg,
      userId,
      x.session_id[i] as string,
      timestamp,
      config.sessionGapMs,
    );
    if (emitRows) {
      const row = interactionFeatures(
        usersToday.get(userId)?.context ?? null,
        p,
        timestamp,
        position,
        config,
      );
      f.user_item_affinity.push(row.user_item_affinity);
      f.category_match.push(row.category_match);
      f.price_match.push(row.price_match);
      f.time_of_day.push(row.time_of_day);
      f.day_of_week.push(row.day_of_week);
      f.session_position.push(row.session_position);
    }
    foldIntoUser(agg, x.interaction_type[i] as InteractionType, timestamp, p, config);
  }

  const nextMs = asOfMs + DAY_MS;
  // A session whose last event is more than one gap before T can never grow again.
  for (const [key, s] of state.sessions)
    if (s.last < nextMs - config.sessionGapMs) state.sessions.delete(key);
  state.profiles = day.users;
  state.asOf = addDays(day.date, 1);
  if (!emitRows) return null;
  const users = new Map<string, UserFeatures>();
  for (const [id, u] of usersToday) if (u !== null) users.set(id, u.features);
  return { features: f, users };
}

/** One product's counts over one day. */
export interface ItemDelta {
  views: number;
  purchases: number;
  /** The day's non-null ratings in row order, added one by one so sums match a row-by-row fold exactly. */
  readonly ratings: number[];
  lastPurchase: number | null;
}

/** What a day adds to the item half of the state (architecture.md: the day's item deltas). */
export interface ItemDayDelta {
  readonly date: string;
  /** Per product, in the order the day first touches them. */
  readonly products: [string, ItemDelta][];
  /** Views per event-day category, in the order of their first view that day. */
  readonly categoryViews: [string, number][];
  readonly totalViews: number;
}

/** The item deltas of a day's clean interactions (every user's: item features depend on all of them). */
export function itemDayDelta(day: {
  readonly date: string;
  readonly interactions: InteractionColumns;
  readonly products: EventDayProducts;
}): ItemDayDelta {
  const x = day.interactions;
  const products = new Map<string, ItemDelta>();
  const categoryViews = new Map<string, number>();
  let totalViews = 0;
  for (let i = 0; i < rowCount(x); i++) {
    const id = x.product_id[i] as string;
    let d = products.get(id);
    if (d === undefined) {
      d = { views: 0, purchases: 0, ratings: [], lastPurchase: null };
      products.set(id, d);
    }
    const rating = x.rating[i] as number | null;
    if (rating !== null) d.ratings.push(rating);
    const type = x.interaction_type[i] as InteractionType;
    if (type === 'view') {
      d.views++;
      addTo(categoryViews, productOfRow(day, i).category, 1);
      totalViews++;
    } else if (type === 'purchase') {
      d.purchases++;
      d.lastPurchase = x.timestamp[i] as number;
    }
  }
  return { date: day.date, products: [...products], categoryViews: [...categoryViews], totalViews };
}

/**
 * The item half of the step for day D: folds the day's deltas into the item state as of D, and
 * takes the day's product snapshot as the one features as of D + 1 use.
 */
export function foldItemDay(state: ItemState, delta: ItemDayDelta, snapshot: readonly CleanProduct[]): void {
  if (state.asOf !== delta.date) throw new RangeError(`fold expected day ${state.asOf}, got ${delta.date}`);
  // Clean interactions of day D are dated D (data-contract.md, `wrong_partition`).
  const dayIndex = Math.floor(dateMs(delta.date) / DAY_MS);
  for (const [id, d] of delta.products) {
    let agg = state.aggregates.get(id);
    if (agg === undefined) {
      agg = {
        views: 0,
        purchases: 0,
        ratingSum: 0,
        ratingCount: 0,
        lastPurchase: null,
        viewsByDay: new Map(),
      };
      state.aggregates.set(id, agg);
    }
    for (const r of d.ratings) agg.ratingSum += r;
    agg.ratingCount += d.ratings.length;
    if (d.views > 0) {
      agg.views += d.views;
      agg.viewsByDay.set(dayIndex, (agg.viewsByDay.get(dayIndex) ?? 0) + d.views);
    }
    agg.purchases += d.purchases;
    if (d.lastPurchase !== null) agg.lastPurchase = d.lastPurchase;
  }
  for (const [category, views] of delta.categoryViews) addTo(state.categoryViews, category, views);
  state.totalViews += delta.totalViews;
  const oldestDay = dayIndex + 1 - TRENDING.baselineDays;
  for (const item of state.aggregates.values() as Iterable<ItemAggregate>)
    for (const d of item.viewsByDay.keys()) if (d < oldestDay) item.viewsByDay.delete(d);
  state.snapshot = snapshot;
  state.asOf = addDays(delta.date, 1);
}

/**
 * The whole step for one day over the unsharded state: both halves, and (when `withRows`) the
 * day's training rows, built as the sharded stages build them.
 */
export function foldDay(
  state: FeatureState,
  day: CleanDayData,
  config: PipelineConfig,
  withRows: boolean,
): Table | null {
  const items = withRows ? itemFeaturesAsOf(state.items, dateMs(day.date)) : null;
  const userDay: UserDay = {
    date: day.date,
    interactions: interactionColumns(day.interactions),
    products: eventDayProducts(day.products),
    users: day.users,
  };
  const rows = foldUserDay(state.users, userDay, config, withRows);
  foldItemDay(state.items, itemDayDelta(userDay), day.products);
  if (rows === null || items === null) return null;
  const index = userDay.interactions.interaction_id.map((_, i) => i);
  return trainingRowsOfDay([{ ...userDay, index, rows }], items);
}
