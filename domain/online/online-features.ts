import type { PipelineConfig } from '../config';
import {
  INTERACTION_FEATURE_COLUMNS,
  ITEM_FEATURE_COLUMNS,
  type NullableRow,
  USER_FEATURE_COLUMNS,
} from '../features/columns';
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

/** The lookup flags that open every online row. */
export interface OnlineLookup {
  readonly product_id: string;
  readonly user_found: boolean;
  readonly item_found: boolean;
  /** The user's or the item's features are older than `staleHours` at `at`. */
  readonly stale: boolean;
  readonly user_as_of: string | null;
  readonly item_as_of: string | null;
}

/**
 * One candidate's row: the lookup flags, then the training row's feature columns under the same
 * names (the interaction features, `user_*` of features.md §3, `item_*` of §4), typed from the
 * column specs. Features are null where the user or item is unknown; the time features never are.
 */
export type OnlineFeatureRow = OnlineRowHead &
  NullableRow<typeof USER_FEATURE_COLUMNS, 'user_'> &
  NullableRow<typeof ITEM_FEATURE_COLUMNS, 'item_'>;

/** The part of a row that does not come from the stored records: lookups and interaction features. */
type OnlineRowHead = OnlineLookup &
  Omit<NullableRow<typeof INTERACTION_FEATURE_COLUMNS>, 'time_of_day' | 'day_of_week'> & {
    readonly time_of_day: number;
    readonly day_of_week: number;
  };

/** The reply of `POST /features/online`: one row per candidate, in request order. */
export interface OnlineFeatures {
  readonly user_id: string;
  /** The request time the features are computed for (ISO 8601, UTC). */
  readonly at: string;
  readonly rows: OnlineFeatureRow[];
}

const HOUR_MS = 3_600_000;

/** The `user_*` and `item_*` row names beside the record fields they come from, in column order. */
const USER_COLUMNS = USER_FEATURE_COLUMNS.map((c) => [`user_${c.name}`, c.name] as const);
const ITEM_COLUMNS = ITEM_FEATURE_COLUMNS.map((c) => [`item_${c.name}`, c.name] as const);

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
    const row: OnlineRowHead & Record<string, unknown> = {
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
    };
    for (const [name, field] of USER_COLUMNS) row[name] = user?.[field] ?? null;
    for (const [name, field] of ITEM_COLUMNS) row[name] = item?.[field] ?? null;
    // Complete now: the loops above set every name of the specs `OnlineFeatureRow` is mapped from.
    rows[i] = row as unknown as OnlineFeatureRow;
  }
  return { user_id: request.user_id, at: new Date(at).toISOString(), rows };
}
