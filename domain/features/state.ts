import type { CleanProduct, CleanUser } from '../schemas/clean';

/** Running aggregates of one user over `[S, T)`: everything user features are a function of. */
export interface UserAggregate {
  total: number;
  purchases: number;
  firstTimestamp: number;
  lastTimestamp: number;
  /** Interactions per event-day category key. */
  categoryCounts: Map<string, number>;
  /** Distinct event-day categories among purchases. */
  purchaseCategories: Set<string>;
  /** Sum and count of event-day prices over purchases with a price. */
  pricedPurchaseSum: number;
  pricedPurchaseCount: number;
  /** Sum of event-day prices over purchases, null prices counting 0. */
  monetary: number;
  /** Weighted one-hot sums per affinity dimension (`c:`, `s:`, `b:`). */
  affinity: Map<string, number>;
  sessionCount: number;
  /** Sum of session durations in ms, open sessions counted up to their last event. */
  sessionDurationMs: number;
}

/** Running aggregates of one product over `[S, T)`. */
export interface ItemAggregate {
  views: number;
  purchases: number;
  ratingSum: number;
  ratingCount: number;
  lastPurchase: number | null;
  /** Views per day index (epoch days), kept for the last 35 days only (trending windows). */
  viewsByDay: Map<number, number>;
}

/** The latest session of a (user, session_id): it grows while gaps stay within the limit. */
export interface OpenSession {
  start: number;
  last: number;
  position: number;
}

/**
 * The state as of T (a midnight): features as of T are a pure function of it, and folding one
 * cleaned day into it gives the state as of T + 1 day (architecture.md, "a fold over days").
 */
export interface FeatureState {
  readonly startDate: string;
  /** Date of T. */
  asOf: string;
  readonly users: Map<string, UserAggregate>;
  readonly items: Map<string, ItemAggregate>;
  /** Key: `user_id + U+0000 + session_id`. Sessions that can no longer grow are pruned. */
  readonly sessions: Map<string, OpenSession>;
  /** Views per event-day category key, and all views. */
  readonly categoryViews: Map<string, number>;
  totalViews: number;
  /** Cleaned snapshots for day T - 1 (null when none exists on or before it). */
  products: readonly CleanProduct[] | null;
  userProfiles: readonly CleanUser[] | null;
}

/** The state of a run that starts at `startDate`, before any day is folded in (T = S). */
export function emptyState(
  startDate: string,
  productsBeforeStart: readonly CleanProduct[] | null,
  usersBeforeStart: readonly CleanUser[] | null,
): FeatureState {
  return {
    startDate,
    asOf: startDate,
    users: new Map(),
    items: new Map(),
    sessions: new Map(),
    categoryViews: new Map(),
    totalViews: 0,
    products: productsBeforeStart,
    userProfiles: usersBeforeStart,
  };
}
