/** The online item cache: one publication at a time, LRU-bounded, age-bounded. */
import { ItemCache } from '../../../../domain/online/item-cache';
import type { ItemRecord } from '../../../../domain/online/records';

const record = (id: string, popularity = 1): ItemRecord => ({
  product_id: id,
  category: 'books',
  subcategory: 'novels',
  brand: 'acme',
  price: 10,
  catalog_avg_rating: null,
  num_reviews: null,
  popularity_score: popularity,
  conversion_rate: null,
  avg_rating: null,
  price_percentile: 0.5,
  recency_score: 0,
  category_popularity: null,
  trending_score: 0,
  as_of: '2024-01-07',
});

const found = (...ids: string[]) => new Map(ids.map((id) => [id, record(id)]));

describe('ItemCache', () => {
  let now = 0;
  const cache = (maxEntries = 10, maxAgeMs = 1000) => new ItemCache({ maxEntries, maxAgeMs }, () => now);
  beforeEach(() => (now = 0));

  it('keeps nothing until it knows a publication, and only for that publication', () => {
    const c = cache();
    c.store('pub-1', ['a'], found('a'));
    expect(c.lookup(['a']).misses).toEqual(['a']);
    c.reset('pub-1');
    c.store('pub-0', ['a'], found('a'));
    expect(c.size).toBe(0);
    c.store('pub-1', ['a', 'ghost'], found('a'));
    const { hits, misses } = c.lookup(['a', 'ghost', 'b']);
    expect(hits.get('a')?.product_id).toBe('a');
    // An id the store does not hold is remembered as unknown, not read again.
    expect(hits.has('ghost')).toBe(true);
    expect(hits.get('ghost')).toBeNull();
    expect(misses).toEqual(['b']);
  });

  it('a new publication drops every entry', () => {
    const c = cache();
    c.reset('pub-1');
    c.store('pub-1', ['a'], found('a'));
    c.reset('pub-2');
    expect(c.lookup(['a']).misses).toEqual(['a']);
    expect(c.publication).toBe('pub-2');
  });

  it('evicts the least recently used beyond maxEntries', () => {
    const c = cache(3);
    c.reset('p');
    c.store('p', ['a', 'b', 'c'], found('a', 'b', 'c'));
    c.lookup(['a']); // a is now the most recently used: b goes first
    c.store('p', ['d'], found('d'));
    expect(c.size).toBe(3);
    expect(c.lookup(['a', 'b', 'c', 'd']).misses).toEqual(['b']);
  });

  it('reads an entry again once it is older than maxAgeMs', () => {
    const c = cache(10, 1000);
    c.reset('p');
    c.store('p', ['a'], found('a'));
    now = 1000;
    expect(c.lookup(['a']).misses).toEqual([]);
    now = 1001;
    expect(c.lookup(['a']).misses).toEqual(['a']);
  });

  it('maxEntries 0 caches nothing', () => {
    const c = cache(0);
    c.reset('p');
    c.store('p', ['a'], found('a'));
    expect(c.size).toBe(0);
  });
});
