/**
 * The DynamoDB online store against a real DynamoDB wire protocol: dynalite started in-process.
 */
import { createDynamoDbClient } from '../../../adapters/dynamodb-client';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';

import { DynamoDbFeatureStore } from '../../../adapters/dynamodb-feature-store';
import { type LocalDynamo, startDynalite } from '../../../adapters/dynamodb-local-server';
import { ensureFeatureTable } from '../../../adapters/dynamodb-table';
import type { ItemRecordInput, UserRecordInput } from '../../../domain/online/records';

const TABLE = 'features-test';
let dynamo: LocalDynamo;
let client: DynamoDBClient;
let store: DynamoDbFeatureStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = createDynamoDbClient({ endpoint: dynamo.endpoint });
  await ensureFeatureTable(client, TABLE);
  // Idempotent: a second call finds the table.
  await ensureFeatureTable(client, TABLE);
  store = new DynamoDbFeatureStore(client, TABLE, 7);
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

function user(id: string, total: number): UserRecordInput {
  return {
    user_id: id,
    total_interactions: total,
    total_purchases: 1,
    avg_session_duration: 12.5,
    favorite_category: 'electronics',
    avg_price_point: 0.1 + 0.2,
    recency_days: 1 / 3,
    frequency_score: 1e-7,
    monetary_value: 0,
    diversity_score: null,
    age_group: '25-34',
    gender: null,
    location: 'Zürich',
    customer_segment: 'regular',
    tenure_days: 123.456789012345,
    // Key order must survive storage (the cosine sums in it).
    affinity: { 's:phones': 3, 'c:electronics': 4, 'b:acme': 1 },
  };
}

function item(id: string, popularity: number): ItemRecordInput {
  return {
    product_id: id,
    category: 'electronics',
    subcategory: 'phones',
    brand: 'acme',
    price: 19.99,
    catalog_avg_rating: null,
    num_reviews: 42,
    popularity_score: popularity,
    conversion_rate: null,
    avg_rating: 4.25,
    price_percentile: 2 / 3,
    recency_score: 0,
    category_popularity: 0.1,
    trending_score: 1,
  };
}

describe('DynamoDbFeatureStore (dynalite)', () => {
  it('round-trips user and item records exactly, stamped with as_of', async () => {
    const u = user('u1', 10);
    const i = item('p1', 0.5);
    await expect(store.publish({ users: [u], items: [i] }, '2024-01-07')).resolves.toEqual({
      written: 2,
      skipped: 0,
      users: 1,
      items: 1,
    });
    const got = await store.getUser('u1');
    expect(got).toEqual({ ...u, as_of: '2024-01-07' });
    expect(Object.keys(got?.affinity ?? {})).toEqual(['s:phones', 'c:electronics', 'b:acme']);
    expect((await store.getItems(['p1'])).get('p1')).toEqual({ ...i, as_of: '2024-01-07' });
  });

  it('stores no record whose id is too long for a partition key, counting it, and writes the others', async () => {
    // Valid per the data contract (it bounds no id length), yet DynamoDB refuses keys over 2,048 bytes.
    const longUser = 'u'.repeat(2100);
    const longItem = 'é'.repeat(1100); // 2,200 bytes of UTF-8 in 1,100 characters
    const result = await store.publish(
      { users: [user(longUser, 1), user('u-short', 1)], items: [item(longItem, 1), item('p-short', 1)] },
      '2024-01-07',
    );
    expect(result).toEqual({ written: 2, skipped: 0, users: 1, items: 1, unkeyable: 2 });
    expect(await store.getUser('u-short')).toMatchObject({ as_of: '2024-01-07' });
    expect((await store.getItems(['p-short'])).has('p-short')).toBe(true);
  });

  it('writes the TTL attribute: epoch seconds of as_of + ttlDays', async () => {
    await store.publish({ users: [user('ttl-user', 1)], items: [] }, '2024-01-07');
    const out = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'USER#ttl-user' } } }),
    );
    expect(out.Item?.ttl).toEqual({ N: String(Date.parse('2024-01-14T00:00:00Z') / 1000) });
    expect(out.Item?.as_of).toEqual({ S: '2024-01-07' });
  });

  it('never lets an older as_of overwrite a newer one; re-publishing the same as_of is idempotent', async () => {
    await store.publish({ users: [user('u2', 20)], items: [item('p2', 2)] }, '2024-01-08');
    const older = await store.publish({ users: [user('u2', 1)], items: [item('p2', 1)] }, '2024-01-07');
    expect(older).toEqual({ written: 0, skipped: 2, users: 0, items: 0 });
    expect((await store.getUser('u2'))?.total_interactions).toBe(20);
    expect((await store.getItems(['p2'])).get('p2')?.popularity_score).toBe(2);

    const again = await store.publish({ users: [user('u2', 20)], items: [item('p2', 2)] }, '2024-01-08');
    expect(again).toEqual({ written: 2, skipped: 0, users: 1, items: 1 });
    expect(await store.getUser('u2')).toEqual({ ...user('u2', 20), as_of: '2024-01-08' });

    const newer = await store.publish({ users: [user('u2', 30)], items: [] }, '2024-01-09');
    expect(newer).toEqual({ written: 1, skipped: 0, users: 1, items: 0 });
    expect(await store.getUser('u2')).toMatchObject({ total_interactions: 30, as_of: '2024-01-09' });
  });

  it('batch-gets more than 100 keys (chunks of 100), ignoring unknown and repeated ids', async () => {
    const items = Array.from({ length: 250 }, (_, k) => item(`bulk-${String(k).padStart(3, '0')}`, k));
    await expect(store.publish({ users: [], items }, '2024-01-07')).resolves.toEqual({
      written: 250,
      skipped: 0,
      users: 0,
      items: 250,
    });
    const ids = [...items.map((i) => i.product_id), 'nope-1', 'bulk-007', 'nope-2'];
    const got = await store.getItems(ids);
    expect(got.size).toBe(250);
    for (const i of items) expect(got.get(i.product_id)?.popularity_score).toBe(i.popularity_score);
    expect(got.has('nope-1')).toBe(false);
  });

  it('returns null / absent for unknown ids, and an empty map for no ids', async () => {
    await expect(store.getUser('nobody')).resolves.toBeNull();
    await expect(store.getItems(['missing'])).resolves.toEqual(new Map());
    await expect(store.getItems([])).resolves.toEqual(new Map());
  });

  it('reads the real-time counters in their fixed formats', async () => {
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          pk: { S: 'RT#USER#u1' },
          last_interaction_at: { S: '2024-01-07T10:00:00.000Z' },
          day: { S: '2024-01-07' },
          counts: { M: { view: { N: '5' }, add_to_cart: { N: '2' }, purchase: { N: '1' } } },
        },
      }),
    );
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          pk: { S: 'RT#SESSION#u1#s9' },
          events: { N: '3' },
          first_at: { S: '2024-01-07T09:50:00.000Z' },
          last_at: { S: '2024-01-07T10:00:00.000Z' },
        },
      }),
    );
    await expect(store.getCounters('u1', 's9')).resolves.toEqual({
      user: {
        last_interaction_at: '2024-01-07T10:00:00.000Z',
        day: '2024-01-07',
        counts: { view: 5, add_to_cart: 2, purchase: 1 },
      },
      session: { events: 3, first_at: '2024-01-07T09:50:00.000Z', last_at: '2024-01-07T10:00:00.000Z' },
    });
    await expect(store.getCounters('u1')).resolves.toMatchObject({ session: null });
    await expect(store.getCounters('nobody', 's1')).resolves.toEqual({ user: null, session: null });
  });

  it('records each publication in the marker, last, never over a newer as_of', async () => {
    const marker = () => store.getRequestContext('nobody', null).then((c) => c.publication);
    await store.publish({ users: [], items: [item('m1', 1)] }, '2024-02-08');
    const first = await marker();
    expect(first).toMatchObject({ as_of: '2024-02-08' });
    // The same as_of again is a new publication (its records were rewritten): a new id.
    await store.publish({ users: [], items: [item('m1', 2)] }, '2024-02-08');
    const second = await marker();
    expect(second?.as_of).toBe('2024-02-08');
    expect(second?.publication_id).not.toBe(first?.publication_id);
    // An older as_of writes nothing, the marker included.
    await store.publish({ users: [], items: [item('m1', 3)] }, '2024-02-07');
    expect(await marker()).toEqual(second);
  });

  it('reads the user, the marker and the counters in one request context', async () => {
    await store.publish({ users: [user('ctx', 5)], items: [] }, '2024-02-09');
    const context = await store.getRequestContext('ctx', { sessionId: 's1' });
    expect(context.user).toMatchObject({ user_id: 'ctx', total_interactions: 5, as_of: '2024-02-09' });
    expect(context.publication?.as_of).toBe('2024-02-09');
    expect(context.counters).toEqual({ user: null, session: null });
    await expect(store.getRequestContext('ctx', null)).resolves.toMatchObject({ counters: null });
    await expect(store.getRequestContext('u1', { sessionId: 's9' })).resolves.toMatchObject({
      counters: { user: { counts: { view: 5 } }, session: { events: 3 } },
    });
  });
});
