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

/** Where a state is in the fold: features as of `asOf` (T) over interactions from `startDate` (S). */
interface FoldPosition {
  readonly startDate: string;
  /** Date of T. */
  asOf: string;
}

/**
 * The item half of the state as of T: per-product and per-category counts, which depend on no
 * user, so one task folds them for the whole run (architecture.md, "the fold sharded by user").
 */
export interface ItemState extends FoldPosition {
  /** Per product id, in the order products were first interacted with. */
  readonly aggregates: Map<string, ItemAggregate>;
  /** Views per event-day category key, and all views. */
  readonly categoryViews: Map<string, number>;
  totalViews: number;
  /** The cleaned product snapshot for day T - 1 (null when none exists on or before it). */
  snapshot: readonly CleanProduct[] | null;
}

/**
 * The user half of the state as of T for a set of users (one shard, or all of them): everything a
 * user's rows and features need belongs to that user alone.
 */
export interface UserState extends FoldPosition {
  /** Per user id, in the order users first appeared. */
  readonly aggregates: Map<string, UserAggregate>;
  /** Key: `user_id + U+0000 + session_id`. Sessions that can no longer grow are pruned. */
  readonly sessions: Map<string, OpenSession>;
  /** The cleaned user snapshot rows for day T - 1 of these users (null when no snapshot exists). */
  profiles: readonly CleanUser[] | null;
}

/**
 * The whole state as of T (a midnight): features as of T are a pure function of it, and folding one
 * cleaned day into it gives the state as of T + 1 day (architecture.md, "a fold over days").
 */
export interface FeatureState {
  readonly items: ItemState;
  readonly users: UserState;
}

/** The item state of a run that starts at `startDate`, before any day is folded in (T = S). */
export function emptyItemState(
  startDate: string,
  productsBeforeStart: readonly CleanProduct[] | null,
): ItemState {
  return {
    startDate,
    asOf: startDate,
    aggregates: new Map(),
    categoryViews: new Map(),
    totalViews: 0,
    snapshot: productsBeforeStart,
  };
}

/** The user state of a run (or shard) that starts at `startDate`, before any day is folded in. */
export function emptyUserState(startDate: string, usersBeforeStart: readonly CleanUser[] | null): UserState {
  return {
    startDate,
    asOf: startDate,
    aggregates: new Map(),
    sessions: new Map(),
    profiles: usersBeforeStart,
  };
}

/** The whole state of a run that starts at `startDate`, before any day is folded in (T = S). */
export function emptyState(
  startDate: string,
  productsBeforeStart: readonly CleanProduct[] | null,
  usersBeforeStart: readonly CleanUser[] | null,
): FeatureState {
  return {
    items: emptyItemState(startDate, productsBeforeStart),
    users: emptyUserState(startDate, usersBeforeStart),
  };
}
