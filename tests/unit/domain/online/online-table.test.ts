/** The online table's keys and codec: what publish, the counters and the reads store and read back. */
import {
  ONLINE_KEYS,
  decodeItemRecord,
  decodeSessionCounters,
  decodeUserCounters,
  decodeUserRecord,
  encodeItemRecord,
  encodeObjectMarker,
  encodeSessionCounters,
  encodeUserCounters,
  encodeUserRecord,
  isUserRecordItem,
  productIdOfKey,
  userCountersView,
} from '../../../../domain/online/online-table';
import type { ItemRecordInput, UserRecordInput } from '../../../../domain/online/records';
import { StorageError } from '../../../../domain/errors';

const USER: UserRecordInput = {
  user_id: 'u1',
  total_interactions: 12,
  total_purchases: 2,
  avg_session_duration: 60.125,
  favorite_category: 'electronics',
  avg_price_point: null,
  recency_days: 0.1 + 0.2,
  frequency_score: 12,
  monetary_value: 200,
  diversity_score: 0.5,
  age_group: '25-34',
  gender: null,
  location: 'berlin',
  customer_segment: 'regular',
  tenure_days: 400,
  affinity: { 's:phones': 4, 'c:electronics': 3.5 },
};

const ITEM: ItemRecordInput = {
  product_id: 'p#1',
  category: 'books',
  subcategory: 'novels',
  brand: 'acme',
  price: 19.99,
  catalog_avg_rating: null,
  num_reviews: 3,
  popularity_score: 1.5,
  conversion_rate: null,
  avg_rating: 4,
  price_percentile: 0.5,
  recency_score: 0.25,
  category_popularity: 0.3,
  trending_score: 2,
};

const STAMP = { asOf: '2024-01-07', ttl: 1_705_190_400 };

describe('online table keys', () => {
  it('spells every partition key of the table', () => {
    expect(ONLINE_KEYS.user('u1')).toBe('USER#u1');
    expect(ONLINE_KEYS.item('p1')).toBe('ITEM#p1');
    expect(ONLINE_KEYS.userCounters('u1')).toBe('RT#USER#u1');
    expect(ONLINE_KEYS.sessionCounters('u1', 's1')).toBe('RT#SESSION#u1#s1');
    expect(ONLINE_KEYS.objectMarker('raw/x.jsonl')).toBe('RT#OBJECT#raw/x.jsonl');
    expect(productIdOfKey(ONLINE_KEYS.item('p#1'))).toBe('p#1');
  });
});

describe('feature records', () => {
  it('round-trips a user record exactly, affinity order included', () => {
    const item = encodeUserRecord(USER, STAMP);
    expect(item.pk).toEqual({ S: 'USER#u1' });
    expect(item.ttl).toEqual({ N: '1705190400' });
    expect(isUserRecordItem(item)).toBe(true);
    const back = decodeUserRecord('u1', item);
    expect(back).toEqual({ ...USER, as_of: '2024-01-07' });
    expect(Object.keys(back.affinity)).toEqual(['s:phones', 'c:electronics']);
    expect(back.recency_days).toBe(0.1 + 0.2);
  });

  it('round-trips an item record', () => {
    const item = encodeItemRecord(ITEM, STAMP);
    expect(isUserRecordItem(item)).toBe(false);
    expect(decodeItemRecord('p#1', item)).toEqual({ ...ITEM, as_of: '2024-01-07' });
  });

  it('refuses a feature that is not a finite number', () => {
    expect(() => encodeItemRecord({ ...ITEM, price: Number.NaN }, STAMP)).toThrow(StorageError);
  });
});

describe('real-time counters', () => {
  const user = {
    last_interaction_at: '2024-01-07T10:00:00.000Z',
    day: '2024-01-07',
    counts: { view: 3, add_to_cart: 1, purchase: 0 },
    ttl: 9,
    objects: ['a', 'b'],
    version: 2,
  };
  const session = { events: 4, first_at: 'x', last_at: 'y', ttl: 9, objects: ['a'], version: 1 };

  it('round-trips user and session counters and serves them without bookkeeping', () => {
    const item = encodeUserCounters('u1', user);
    expect(item.pk).toEqual({ S: 'RT#USER#u1' });
    const back = decodeUserCounters(item);
    expect(back).toEqual(user);
    expect(userCountersView(user)).toEqual({
      last_interaction_at: user.last_interaction_at,
      day: user.day,
      counts: user.counts,
    });
    expect(decodeSessionCounters(encodeSessionCounters('u1', 's1', session))).toEqual(session);
  });

  it('reads missing counts as 0 and malformed items as absent', () => {
    expect(decodeUserCounters({ last_interaction_at: { S: 't' }, day: { S: 'd' } })).toEqual({
      last_interaction_at: 't',
      day: 'd',
      counts: { view: 0, add_to_cart: 0, purchase: 0 },
      ttl: 0,
      objects: [],
      version: 0,
    });
    expect(decodeUserCounters({ day: { S: 'd' } })).toBeNull();
    expect(
      decodeUserCounters({ last_interaction_at: { S: 't' }, day: { S: 'd' }, counts: { S: 'x' } }),
    ).toBeNull();
    expect(
      decodeUserCounters({
        last_interaction_at: { S: 't' },
        day: { S: 'd' },
        counts: { M: { view: { S: '1' } } },
      }),
    ).toBeNull();
    expect(decodeSessionCounters({ events: { N: '1' }, first_at: { S: 'x' } })).toBeNull();
  });

  it('encodes the object marker under its key', () => {
    const marker = encodeObjectMarker({
      objectKey: 'k',
      etag: 'e',
      day: '2024-01-07',
      lines: 6,
      records: 5,
      users: 2,
      sessions: 3,
      ttl: 7,
    });
    expect(marker.pk).toEqual({ S: 'RT#OBJECT#k' });
    expect(marker.records).toEqual({ N: '5' });
    expect(marker.lines).toEqual({ N: '6' });
  });
});
