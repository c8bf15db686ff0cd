import type { PipelineConfig } from '../config';
import {
  type EventDayAttributes,
  type UserContext,
  dayOfWeek,
  hourOfDay,
  interactionFeatures,
} from '../features/interaction-features';
import { dateMs } from '../time';
import type { RealtimeCounters } from './ports';
import type { ItemRecord, UserRecord } from './records';

/** A `POST /features/online` request, parsed at the edge (`at` in epoch ms). */
export interface OnlineRequest {
  readonly user_id: string;
  readonly product_ids: readonly string[];
  readonly at?: number | undefined;
  readonly session_id?: string | undefined;
  readonly session_position?: number | undefined;
}

/** What online features need of the configuration. */
export interface OnlineConfig extends Pick<PipelineConfig, 'priceMatchRatio' | 'sessionGapMs'> {
  /** Features whose `as_of` is more than this many hours before `at` are flagged stale. */
  readonly staleHours: number;
}

/**
 * One candidate's row: the training row's feature columns (same names: the six interaction
 * features, `user_*` of features.md §3, `item_*` of §4) plus lookup flags.
 */
export interface OnlineFeatureRow {
  readonly product_id: string;
  readonly user_found: boolean;
  readonly item_found: boolean;
  /** The user's or the item's features are older than `staleHours` at `at`. */
  readonly stale: boolean;
  readonly user_as_of: string | null;
  readonly item_as_of: string | null;
  readonly user_item_affinity: number | null;
  /** Null (like the two below) only when the item is unknown: there are no attributes to compare. */
  readonly category_match: boolean | null;
  readonly price_match: boolean | null;
  readonly time_of_day: number;
  readonly day_of_week: number;
  readonly session_position: number | null;
  readonly user_total_interactions: number | null;
  readonly user_total_purchases: number | null;
  readonly user_avg_session_duration: number | null;
  readonly user_favorite_category: string | null;
  readonly user_avg_price_point: number | null;
  readonly user_recency_days: number | null;
  readonly user_frequency_score: number | null;
  readonly user_monetary_value: number | null;
  readonly user_diversity_score: number | null;
  readonly user_age_group: string | null;
  readonly user_gender: string | null;
  readonly user_location: string | null;
  readonly user_customer_segment: string | null;
  readonly user_tenure_days: number | null;
  readonly item_category: string | null;
  readonly item_subcategory: string | null;
  readonly item_brand: string | null;
  readonly item_price: number | null;
  readonly item_catalog_avg_rating: number | null;
  readonly item_num_reviews: number | null;
  readonly item_popularity_score: number | null;
  readonly item_conversion_rate: number | null;
  readonly item_avg_rating: number | null;
  readonly item_price_percentile: number | null;
  readonly item_recency_score: number | null;
  readonly item_category_popularity: number | null;
  readonly item_trending_score: number | null;
}

/** The reply of `POST /features/online`: one row per candidate, in request order. */
export interface OnlineFeatures {
  readonly user_id: string;
  /** The request time the features are computed for (ISO 8601, UTC). */
  readonly at: string;
  readonly rows: OnlineFeatureRow[];
}

const HOUR_MS = 3_600_000;

/**
 * The session position online: the caller's; else, with a `session_id`, the events the real-time
 * counters saw in that session plus one (1 when none, or when the last one is more than a session
 * gap before `at`, since the event would then start a new session, features.md §2); else null.
 */
export function onlineSessionPosition(
  request: Pick<OnlineRequest, 'session_id' | 'session_position'>,
  counters: RealtimeCounters | null,
  at: number,
  sessionGapMs: number,
): number | null {
  if (request.session_position !== undefined) return request.session_position;
  if (request.session_id === undefined) return null;
  const session = counters?.session ?? null;
  if (session === null) return 1;
  const last = Date.parse(session.last_at);
  if (Number.isFinite(last) && at - last > sessionGapMs) return 1;
  return session.events + 1;
}

/** True when features as of `asOf` (a date) are more than `staleHours` old at `at`. */
export function isStale(asOf: string, at: number, staleHours: number): boolean {
  return at - dateMs(asOf) > staleHours * HOUR_MS;
}

/** The interaction-feature view of a stored user record (what the batch fold's `userAsOf` gives). */
export function userContextOf(user: UserRecord): UserContext {
  return {
    favorite_category: user.favorite_category,
    avg_price_point: user.avg_price_point,
    affinity: new Map(Object.entries(user.affinity)),
  };
}

/**
 * Online features (api.md `POST /features/online`): per candidate, the stored user and item
 * features and the interaction features of `interactionFeatures`, the function the training rows
 * use, with the candidate's attributes from the latest published snapshot as its event-day
 * attributes. Unknown users and items give null features and a flag.
 */
export function onlineFeatureRows(
  request: OnlineRequest,
  user: UserRecord | null,
  items: ReadonlyMap<string, ItemRecord>,
  counters: RealtimeCounters | null,
  now: number,
  config: OnlineConfig,
): OnlineFeatures {
  const at = request.at ?? now;
  const position = onlineSessionPosition(request, counters, at, config.sessionGapMs);
  const context = user === null ? null : userContextOf(user);
  const userStale = user !== null && isStale(user.as_of, at, config.staleHours);
  const hour = hourOfDay(at);
  const weekday = dayOfWeek(at);
  const rows: OnlineFeatureRow[] = new Array(request.product_ids.length);
  for (let i = 0; i < request.product_ids.length; i++) {
    const productId = request.product_ids[i] as string;
    const item = items.get(productId) ?? null;
    let affinity: number | null = null;
    let categoryMatch: boolean | null = null;
    let priceMatch: boolean | null = null;
    if (item !== null) {
      const attributes: EventDayAttributes = item;
      const f = interactionFeatures(context, attributes, at, position, config);
      affinity = f.user_item_affinity;
      categoryMatch = f.category_match;
      priceMatch = f.price_match;
    }
    rows[i] = {
      product_id: productId,
      user_found: user !== null,
      item_found: item !== null,
      stale: userStale || (item !== null && isStale(item.as_of, at, config.staleHours)),
      user_as_of: user?.as_of ?? null,
      item_as_of: item?.as_of ?? null,
      user_item_affinity: affinity,
      category_match: categoryMatch,
      price_match: priceMatch,
      time_of_day: hour,
      day_of_week: weekday,
      session_position: position,
      user_total_interactions: user?.total_interactions ?? null,
      user_total_purchases: user?.total_purchases ?? null,
      user_avg_session_duration: user?.avg_session_duration ?? null,
      user_favorite_category: user?.favorite_category ?? null,
      user_avg_price_point: user?.avg_price_point ?? null,
      user_recency_days: user?.recency_days ?? null,
      user_frequency_score: user?.frequency_score ?? null,
      user_monetary_value: user?.monetary_value ?? null,
      user_diversity_score: user?.diversity_score ?? null,
      user_age_group: user?.age_group ?? null,
      user_gender: user?.gender ?? null,
      user_location: user?.location ?? null,
      user_customer_segment: user?.customer_segment ?? null,
      user_tenure_days: user?.tenure_days ?? null,
      item_category: item?.category ?? null,
      item_subcategory: item?.subcategory ?? null,
      item_brand: item?.brand ?? null,
      item_price: item?.price ?? null,
      item_catalog_avg_rating: item?.catalog_avg_rating ?? null,
      item_num_reviews: item?.num_reviews ?? null,
      item_popularity_score: item?.popularity_score ?? null,
      item_conversion_rate: item?.conversion_rate ?? null,
      item_avg_rating: item?.avg_rating ?? null,
      item_price_percentile: item?.price_percentile ?? null,
      item_recency_score: item?.recency_score ?? null,
      item_category_popularity: item?.category_popularity ?? null,
      item_trending_score: item?.trending_score ?? null,
    };
  }
  return { user_id: request.user_id, at: new Date(at).toISOString(), rows };
}
