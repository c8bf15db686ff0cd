/**
 * The online route's reads with the item cache, over dynalite: a warm cache reads only the user and
 * the marker, and a newer publication (also of the same as_of) is never masked by cached records.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../../adapters/dynamodb-client';
import { DynamoDbFeatureStore } from '../../../adapters/dynamodb-feature-store';
import { type LocalDynamo, startDynalite } from '../../../adapters/dynamodb-local-server';
import { ensureFeatureTable } from '../../../adapters/dynamodb-table';
import { ItemCache } from '../../../domain/online/item-cache';
import { readOnline } from '../../../domain/online/online-reads';
import type { FeatureStore } from '../../../domain/online/ports';
import type { ItemRecordInput } from '../../../domain/online/records';

let dynamo: LocalDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = createDynamoDbClient({ endpoint: dynamo.endpoint });
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

function item(id: string, popularity: number): ItemRecordInput {
  return {
    product_id: id,
    category: 'books',
    subcategory: 'novels',
    brand: 'acme',
    price: 10,
    catalog_avg_rating: null,
    num_reviews: 3,
    popularity_score: popularity,
    conversion_rate: null,
    avg_rating: null,
    price_percentile: 0.5,
    recency_score: 0,
    category_popularity: 0.1,
    trending_score: 1,
  };
}

/** The store, logging the item ids each `getItems` asks for. */
async function countingStore(table: string): Promise<{ store: FeatureStore; itemReads: string[][] }> {
  await ensureFeatureTable(client, table);
  const real = new DynamoDbFeatureStore(client, table, 7);
  const itemReads: string[][] = [];
  const store: FeatureStore = {
    publish: (records, asOf) => real.publish(records, asOf),
    getUser: (id) => real.getUser(id),
    getCounters: (id, session) => real.getCounters(id, session),
    getRequestContext: (id, counters) => real.getRequestContext(id, counters),
    getItems: (ids) => {
      itemReads.push([...ids]);
      return real.getItems(ids);
    },
  };
  return { store, itemReads };
}

const popularity = async (store: FeatureStore, cache: ItemCache, ids: string[]) => {
  const { items } = await readOnline(store, cache, { userId: 'u', productIds: ids, counters: null });
  return ids.map((id) => items.get(id)?.popularity_score ?? null);
};

describe('readOnline with the item cache (dynalite)', () => {
  const settings = { maxEntries: 1000, maxAgeMs: 60_000 };

  it('reads items until it knows the publication, then only the ones it lacks', async () => {
    const { store, itemReads } = await countingStore('cache-warm');
    await store.publish({ users: [], items: [item('a', 1), item('b', 2)] }, '2024-01-07');
    const cache = new ItemCache(settings, () => Date.now());
    expect(await popularity(store, cache, ['a', 'b', 'ghost'])).toEqual([1, 2, null]);
    expect(await popularity(store, cache, ['a', 'b', 'ghost'])).toEqual([1, 2, null]);
    expect(await popularity(store, cache, ['a', 'b', 'ghost', 'c'])).toEqual([1, 2, null, null]);
    expect(await popularity(store, cache, ['a', 'b', 'ghost', 'c'])).toEqual([1, 2, null, null]);
    expect(itemReads).toEqual([['a', 'b', 'ghost'], ['a', 'b', 'ghost'], ['c']]);
  });

  it('a newer publication, and a re-publication of the same as_of, are served at once', async () => {
    const { store, itemReads } = await countingStore('cache-publish');
    await store.publish({ users: [], items: [item('a', 1), item('b', 2)] }, '2024-01-07');
    const cache = new ItemCache(settings, () => Date.now());
    await popularity(store, cache, ['a', 'b']);
    await popularity(store, cache, ['a', 'b']);
    itemReads.length = 0;
    expect(await popularity(store, cache, ['a', 'b'])).toEqual([1, 2]);
    expect(itemReads).toEqual([]);

    // Same as_of, new values (a rerun): the marker changes, so the cached records are read again.
    await store.publish({ users: [], items: [item('a', 10)] }, '2024-01-07');
    expect(await popularity(store, cache, ['a', 'b'])).toEqual([10, 2]);
    // A newer as_of: likewise.
    await store.publish({ users: [], items: [item('b', 20)] }, '2024-01-08');
    expect(await popularity(store, cache, ['a', 'b'])).toEqual([10, 20]);
    expect(itemReads).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('a table without a marker (published before markers existed) is read every time', async () => {
    const { store, itemReads } = await countingStore('cache-unmarked');
    const cache = new ItemCache(settings, () => Date.now());
    for (let i = 0; i < 3; i++) await popularity(store, cache, ['a']);
    expect(itemReads).toEqual([['a'], ['a'], ['a']]);
    expect(cache.size).toBe(0);
  });
});
