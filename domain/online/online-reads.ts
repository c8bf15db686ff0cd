/**
 * What `POST /features/online` reads, in as few round trips as the cache allows: the user, the
 * publication marker and (when needed) the counters in one read, beside the items the cache lacks.
 */
import type { ItemCache } from './item-cache';
import type { FeatureStore, RealtimeCounters } from './ports';
import type { ItemRecord, UserRecord } from './records';

/** The ids of one request, already normalised. */
export interface OnlineReadRequest {
  readonly userId: string;
  /** Distinct product ids (a repeated candidate is read once). */
  readonly productIds: readonly string[];
  /** Read the real-time counters (of this session, when given). */
  readonly counters: { readonly sessionId?: string | undefined } | null;
}

/** What the rows are computed from. */
export interface OnlineReads {
  readonly user: UserRecord | null;
  readonly items: Map<string, ItemRecord>;
  readonly counters: RealtimeCounters | null;
}

/** The found records among cache hits (or re-read ones) and store answers (unknown ids stay absent). */
function mergeFound(
  hits: ReadonlyMap<string, ItemRecord | null>,
  read: ReadonlyMap<string, ItemRecord>,
): Map<string, ItemRecord> {
  const items = new Map(read);
  for (const [id, record] of hits) if (record !== null) items.set(id, record);
  return items;
}

/**
 * Reads a request's user, counters and items. Items come from the cache when it holds them for the
 * publication the store records now; the others are read beside the user. When the store records
 * another publication than the cache knew, the cached records are read again (they predate it) and
 * the cache starts over; what was read beside the marker is served but not kept, since it may have
 * been read before that publication finished.
 */
export async function readOnline(
  store: FeatureStore,
  cache: ItemCache,
  request: OnlineReadRequest,
): Promise<OnlineReads> {
  const known = cache.publication;
  const { hits, misses } = cache.lookup(request.productIds);
  const [context, read] = await Promise.all([
    store.getRequestContext(request.userId, request.counters),
    misses.length === 0 ? new Map<string, ItemRecord>() : store.getItems(misses),
  ]);
  const current = context.publication?.publication_id ?? null;
  if (current !== null && current === known) {
    cache.store(current, misses, read);
    return { user: context.user, items: mergeFound(hits, read), counters: context.counters };
  }
  cache.reset(current);
  const stale = [...hits.keys()];
  const reread = stale.length === 0 ? new Map<string, ItemRecord>() : await store.getItems(stale);
  if (current !== null) cache.store(current, stale, reread);
  return { user: context.user, items: mergeFound(reread, read), counters: context.counters };
}
