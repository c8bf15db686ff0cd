/**
 * The online route's item-feature cache: item records change only when features are published
 * (once a day), so a warm function reads the user and the publication marker and only the items
 * it lacks. Every entry belongs to one publication (`Publication.publication_id`): when a request
 * sees another publication recorded, the whole cache is dropped, so a newer publication is never
 * masked by records read before it. Bounded in entries (least recently used go first) and in age.
 */
import type { ItemRecord } from './records';

/** How big and how old the cache may get. */
export interface ItemCacheSettings {
  /** Entries kept at most (0: no caching). */
  readonly maxEntries: number;
  /** An entry older than this is read again, whatever the publication. */
  readonly maxAgeMs: number;
}

/** A cached lookup: the record, or null for an id the store does not hold (also worth keeping). */
interface Entry {
  readonly record: ItemRecord | null;
  readonly storedAt: number;
}

/** What the cache holds of a request's ids. */
export interface CacheLookup {
  /** Ids found, with their record or null (unknown to the store). */
  readonly hits: Map<string, ItemRecord | null>;
  /** Ids to read from the store. */
  readonly misses: string[];
}

/** An LRU map of item records of one publication, with a maximum age. */
export class ItemCache {
  private readonly entries = new Map<string, Entry>();
  private current: string | null = null;

  constructor(
    readonly settings: ItemCacheSettings,
    private readonly clock: () => number,
  ) {}

  /** The publication the entries belong to (null: none seen yet, or none recorded: nothing cached). */
  get publication(): string | null {
    return this.current;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The ids held and fresh (each marked recently used), and the others. */
  lookup(ids: readonly string[]): CacheLookup {
    const hits = new Map<string, ItemRecord | null>();
    const misses: string[] = [];
    const now = this.clock();
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry === undefined || now - entry.storedAt > this.settings.maxAgeMs) {
        misses.push(id);
        continue;
      }
      // Map order is insertion order: re-inserting makes the entry the most recently used.
      this.entries.delete(id);
      this.entries.set(id, entry);
      hits.set(id, entry.record);
    }
    return { hits, misses };
  }

  /**
   * Starts over for `publication`: every entry held belongs to an earlier one. With null (no
   * publication recorded) nothing is cached until one is.
   */
  reset(publication: string | null): void {
    this.entries.clear();
    this.current = publication;
  }

  /**
   * Keeps what the store answered for `ids` (absent ones as unknown), read while `publication` was
   * the latest; nothing when that is not the cache's publication.
   */
  store(publication: string, ids: readonly string[], found: ReadonlyMap<string, ItemRecord>): void {
    if (publication !== this.current || this.settings.maxEntries === 0) return;
    const now = this.clock();
    for (const id of ids) {
      this.entries.delete(id);
      this.entries.set(id, { record: found.get(id) ?? null, storedAt: now });
    }
    this.evictOverflow();
  }

  /** Drops the least recently used entries beyond `maxEntries`. */
  private evictOverflow(): void {
    let excess = this.entries.size - this.settings.maxEntries;
    for (const id of this.entries.keys()) {
      if (excess <= 0) break;
      this.entries.delete(id);
      excess--;
    }
  }
}
