import type { PipelineConfig } from '../config';
import type { CleanInteraction, CleanProduct, CleanUser } from '../schemas/clean';
import { DAY_MS, addDays, dateMs } from '../time';
import { TableBuilder, TRAINING_ROW_COLUMNS } from './columns';
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
  const u = user?.features;
  // One push per column, in TRAINING_ROW_COLUMNS order (no per-row array on this hot path).
  const c = rows.columns;
  let i = 0;
  (c[i++] as unknown[]).push(x.interaction_id);
  (c[i++] as unknown[]).push(x.user_id);
  (c[i++] as unknown[]).push(x.product_id);
  (c[i++] as unknown[]).push(x.session_id);
  (c[i++] as unknown[]).push(x.timestamp);
  (c[i++] as unknown[]).push(x.interaction_type);
  (c[i++] as unknown[]).push(x.rating);
  (c[i++] as unknown[]).push(x.device_type);
  (c[i++] as unknown[]).push(x.page_context);
  (c[i++] as unknown[]).push(f.user_item_affinity);
  (c[i++] as unknown[]).push(f.category_match);
  (c[i++] as unknown[]).push(f.price_match);
  (c[i++] as unknown[]).push(f.time_of_day);
  (c[i++] as unknown[]).push(f.day_of_week);
  (c[i++] as unknown[]).push(f.session_position);
  (c[i++] as unknown[]).push(u?.total_interactions ?? null);
  (c[i++] as unknown[]).push(u?.total_purchases ?? null);
  (c[i++] as unknown[]).push(u?.avg_session_duration ?? null);
  (c[i++] as unknown[]).push(u?.favorite_category ?? null);
  (c[i++] as unknown[]).push(u?.avg_price_point ?? null);
  (c[i++] as unknown[]).push(u?.recency_days ?? null);
  (c[i++] as unknown[]).push(u?.frequency_score ?? null);
  (c[i++] as unknown[]).push(u?.monetary_value ?? null);
  (c[i++] as unknown[]).push(u?.diversity_score ?? null);
  (c[i++] as unknown[]).push(u?.age_group ?? null);
  (c[i++] as unknown[]).push(u?.gender ?? null);
  (c[i++] as unknown[]).push(u?.location ?? null);
  (c[i++] as unknown[]).push(u?.customer_segment ?? null);
  (c[i++] as unknown[]).push(u?.tenure_days ?? null);
  (c[i++] as unknown[]).push(item?.popularity_score ?? null);
  (c[i++] as unknown[]).push(item?.conversion_rate ?? null);
  (c[i++] as unknown[]).push(item?.avg_rating ?? null);
  (c[i++] as unknown[]).push(item?.price_percentile ?? null);
  (c[i++] as unknown[]).push(item?.recency_score ?? null);
  (c[i++] as unknown[]).push(item?.category_popularity ?? null);
  (c[i++] as unknown[]).push(item?.trending_score ?? null);
  (c[i++] as unknown[]).push(p.category);
  (c[i++] as unknown[]).push(p.subcategory);
  (c[i++] as unknown[]).push(p.brand);
  (c[i] as unknown[]).push(p.price);
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
