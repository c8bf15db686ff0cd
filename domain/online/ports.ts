import type { Publication, SessionCounters, UserCounters } from './online-table';
import type { FeatureRecords, ItemRecord, UserRecord } from './records';

/** The real-time counters of a user and, when asked for, one of their sessions. */
export interface RealtimeCounters {
  readonly user: UserCounters | null;
  readonly session: SessionCounters | null;
}

/** What one publication did: records written, and records skipped because a newer `as_of` was stored. */
export interface PublishResult {
  readonly written: number;
  readonly skipped: number;
  /** Of `written`: user records and item records. */
  readonly users: number;
  readonly items: number;
  /** Records not stored because their id is too long for a DynamoDB key (present only when some were). */
  readonly unkeyable?: number;
}

/** What one online request reads beside its items, in one round trip. */
export interface RequestContext {
  readonly user: UserRecord | null;
  /** The latest publication, or null when none is recorded (a table published before markers existed). */
  readonly publication: Publication | null;
  /** The real-time counters, when asked for. */
  readonly counters: RealtimeCounters | null;
}

/**
 * The online feature store (features.md §7): the latest features per user and product. Publishing
 * is idempotent and never lets an older `as_of` overwrite a newer one.
 */
export interface FeatureStore {
  /**
   * Stores every record stamped with `asOf` (YYYY-MM-DD), except where a newer `as_of` is stored,
   * then the publication marker (unless a newer `as_of` is recorded there).
   */
  publish(records: FeatureRecords, asOf: string): Promise<PublishResult>;
  /** The user's latest record, or null. */
  getUser(userId: string): Promise<UserRecord | null>;
  /** The records of the products found, keyed by product id (order irrelevant, unknown ids absent). */
  getItems(productIds: readonly string[]): Promise<Map<string, ItemRecord>>;
  /** The user's real-time counters, and the session's when `sessionId` is given. */
  getCounters(userId: string, sessionId?: string): Promise<RealtimeCounters>;
  /**
   * The user's record, the latest publication and, when `counters` is given, the user's (and that
   * session's) counters, in one read.
   */
  getRequestContext(
    userId: string,
    counters: { readonly sessionId?: string | undefined } | null,
  ): Promise<RequestContext>;
}
