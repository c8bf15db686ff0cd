/** Online features (api.md `POST /features/online`) with hand-computed expectations. */
import { defaultConfig } from '../../../../domain/config';
import { interactionFeatures } from '../../../../domain/features/interaction-features';
import {
  type OnlineConfig,
  isStale,
  onlineFeatureRows,
  onlineSessionPosition,
  userContextOf,
} from '../../../../domain/online/online-features';
import type { RealtimeCounters } from '../../../../domain/online/ports';
import type { ItemRecord, UserRecord } from '../../../../domain/online/records';

const CONFIG: OnlineConfig = { staleHours: 36, priceMatchRatio: 0.25, sessionGapMs: 30 * 60_000 };

const USER: UserRecord = {
  user_id: 'u1',
  total_interactions: 12,
  total_purchases: 2,
  avg_session_duration: 60,
  favorite_category: 'electronics',
  avg_price_point: 100,
  recency_days: 0.5,
  frequency_score: 12,
  monetary_value: 200,
  diversity_score: 0.5,
  age_group: '25-34',
  gender: 'f',
  location: 'berlin',
  customer_segment: 'regular',
  tenure_days: 400,
  affinity: { 'c:electronics': 3, 's:phones': 4 },
  as_of: '2024-01-07',
};

function item(id: string, over: Partial<ItemRecord>): ItemRecord {
  return {
    product_id: id,
    category: 'electronics',
    subcategory: 'phones',
    brand: 'acme',
    price: 110,
    catalog_avg_rating: 4.5,
    num_reviews: 10,
    popularity_score: 1.5,
    conversion_rate: 0.1,
    avg_rating: 4,
    price_percentile: 0.5,
    recency_score: 0.25,
    category_popularity: 0.3,
    trending_score: 2,
    as_of: '2024-01-07',
    ...over,
  };
}

const ITEMS = new Map<string, ItemRecord>([
  ['p1', item('p1', {})],
  ['p2', item('p2', { category: 'books', subcategory: 'unknown', brand: 'unknown', price: 200 })],
  ['p3', item('p3', { category: 'unknown', subcategory: 'unknown', brand: 'unknown', price: null })],
]);

// Sunday 2024-01-07 13:45 UTC: hour 13, day of week 6 (Monday = 0).
const AT = Date.parse('2024-01-07T13:45:00Z');
const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('onlineFeatureRows', () => {
  it('names the columns of a row in the order the API has always served them', () => {
    const out = onlineFeatureRows(
      { user_id: 'u1', product_ids: ['p1', 'nope'], at: AT },
      USER,
      ITEMS,
      null,
      NOW,
      CONFIG,
    );
    const expected = [
      'product_id',
      'user_found',
      'item_found',
      'stale',
      'user_as_of',
      'item_as_of',
      'user_item_affinity',
      'category_match',
      'price_match',
      'time_of_day',
      'day_of_week',
      'session_position',
      'user_total_interactions',
      'user_total_purchases',
      'user_avg_session_duration',
      'user_favorite_category',
      'user_avg_price_point',
      'user_recency_days',
      'user_frequency_score',
      'user_monetary_value',
      'user_diversity_score',
      'user_age_group',
      'user_gender',
      'user_location',
      'user_customer_segment',
      'user_tenure_days',
      'item_category',
      'item_subcategory',
      'item_brand',
      'item_price',
      'item_catalog_avg_rating',
      'item_num_reviews',
      'item_popularity_score',
      'item_conversion_rate',
      'item_avg_rating',
      'item_price_percentile',
      'item_recency_score',
      'item_category_popularity',
      'item_trending_score',
    ];
    for (const row of out.rows) expect(Object.keys(row)).toEqual(expected);
    expect(out.rows[0]?.user_tenure_days).toBe(400);
    expect(out.rows[0]?.item_num_reviews).toBe(10);
    expect(out.rows[1]?.item_category).toBeNull();
  });

  it('computes affinity, matches and time features by hand, one row per candidate in request order', () => {
    const out = onlineFeatureRows(
      { user_id: 'u1', product_ids: ['p2', 'p1', 'p3'], at: AT },
      USER,
      ITEMS,
      null,
      NOW,
      CONFIG,
    );
    expect(out.at).toBe('2024-01-07T13:45:00.000Z');
    expect(out.rows.map((r) => r.product_id)).toEqual(['p2', 'p1', 'p3']);
    const [p2, p1, p3] = out.rows;
    // u = (c:electronics 3, s:phones 4), |u| = 5; p1 = (c:electronics, s:phones, b:acme): 7 / (5 √3).
    expect(p1).toMatchObject({
      user_item_affinity: 7 / (5 * Math.sqrt(3)),
      category_match: true,
      price_match: true, // |100 - 110| = 10 < 25
      time_of_day: 13,
      day_of_week: 6,
      session_position: null,
      user_found: true,
      item_found: true,
      stale: false,
      user_total_interactions: 12,
      user_favorite_category: 'electronics',
      user_tenure_days: 400,
      item_category: 'electronics',
      item_price: 110,
      item_num_reviews: 10,
      item_trending_score: 2,
      user_as_of: '2024-01-07',
      item_as_of: '2024-01-07',
    });
    expect(p1?.user_item_affinity).toBeCloseTo(0.8082903768654761, 15);
    // p2 has only c:books (unknown keys left out): dot 0 → 0; other category; |100 - 200| = 100 ≥ 25.
    expect(p2).toMatchObject({ user_item_affinity: 0, category_match: false, price_match: false });
    // p3 has no dimension at all: affinity null; no price: no match.
    expect(p3).toMatchObject({ user_item_affinity: null, category_match: false, price_match: false });
  });

  it('uses interactionFeatures with the stored user context and the item attributes', () => {
    const out = onlineFeatureRows(
      { user_id: 'u1', product_ids: ['p1'], at: AT },
      USER,
      ITEMS,
      null,
      NOW,
      CONFIG,
    );
    const f = interactionFeatures(
      userContextOf(USER),
      ITEMS.get('p1') as ItemRecord,
      AT,
      null,
      defaultConfig(),
    );
    expect(out.rows[0]).toMatchObject({ ...f });
  });

  it('defaults `at` to now', () => {
    const now = Date.parse('2024-01-08T05:00:00Z'); // Monday
    const out = onlineFeatureRows({ user_id: 'u1', product_ids: ['p1'] }, USER, ITEMS, null, now, CONFIG);
    expect(out.at).toBe('2024-01-08T05:00:00.000Z');
    expect(out.rows[0]).toMatchObject({ time_of_day: 5, day_of_week: 0 });
  });

  it('flags an unknown user: user features null, affinity null, matches false (as training rows)', () => {
    const out = onlineFeatureRows(
      { user_id: 'ghost', product_ids: ['p1'], at: AT },
      null,
      ITEMS,
      null,
      NOW,
      CONFIG,
    );
    const row = out.rows[0];
    expect(row).toMatchObject({
      user_found: false,
      item_found: true,
      user_as_of: null,
      user_item_affinity: null,
      category_match: false,
      price_match: false,
      time_of_day: 13,
      item_popularity_score: 1.5,
    });
    for (const [k, v] of Object.entries(row ?? {}))
      if (k.startsWith('user_') && k !== 'user_found') expect(v).toBeNull();
  });

  it('flags an unknown item: item features and the item-dependent interaction features null', () => {
    const out = onlineFeatureRows(
      { user_id: 'u1', product_ids: ['p1', 'gone'], at: AT },
      USER,
      ITEMS,
      null,
      NOW,
      CONFIG,
    );
    const row = out.rows[1];
    expect(row).toMatchObject({
      product_id: 'gone',
      user_found: true,
      item_found: false,
      item_as_of: null,
      user_item_affinity: null,
      category_match: null,
      price_match: null,
      time_of_day: 13,
      day_of_week: 6,
      user_total_interactions: 12,
    });
    for (const [k, v] of Object.entries(row ?? {}))
      if (k.startsWith('item_') && k !== 'item_found') expect(v).toBeNull();
    expect(out.rows[0]?.item_found).toBe(true);
  });

  it('flags stale features: as_of more than staleHours before at', () => {
    const edge = Date.parse('2024-01-08T12:00:00Z'); // exactly 36 h after 2024-01-07T00:00Z
    expect(isStale('2024-01-07', edge, 36)).toBe(false);
    expect(isStale('2024-01-07', edge + 1, 36)).toBe(true);
    const items = new Map(ITEMS);
    items.set('old', item('old', { as_of: '2024-01-05' }));
    const out = onlineFeatureRows(
      { user_id: 'u1', product_ids: ['p1', 'old'], at: edge },
      USER,
      items,
      null,
      NOW,
      CONFIG,
    );
    expect(out.rows.map((r) => r.stale)).toEqual([false, true]);
    const later = onlineFeatureRows(
      { user_id: 'u1', product_ids: ['p1'], at: edge + 1 },
      USER,
      items,
      null,
      NOW,
      CONFIG,
    );
    expect(later.rows[0]?.stale).toBe(true); // the user's (and item's) features are now stale
  });
});

describe('onlineSessionPosition', () => {
  const counters = (events: number, lastAt: string): RealtimeCounters => ({
    user: null,
    session: { events, first_at: '2024-01-07T13:00:00Z', last_at: lastAt },
  });
  const gap = CONFIG.sessionGapMs;

  it("prefers the caller's position", () => {
    expect(
      onlineSessionPosition(
        { session_id: 's', session_position: 7 },
        counters(3, '2024-01-07T13:40:00Z'),
        AT,
        gap,
      ),
    ).toBe(7);
    expect(onlineSessionPosition({ session_position: 2 }, null, AT, gap)).toBe(2);
  });

  it('derives events so far + 1 from the session counter when a session_id is given', () => {
    expect(onlineSessionPosition({ session_id: 's' }, counters(3, '2024-01-07T13:40:00Z'), AT, gap)).toBe(4);
    // Exactly one gap after the last event still continues the session.
    expect(onlineSessionPosition({ session_id: 's' }, counters(3, '2024-01-07T13:15:00Z'), AT, gap)).toBe(4);
  });

  it('starts at 1 with no counter, or when the last event is more than a gap before at', () => {
    expect(onlineSessionPosition({ session_id: 's' }, { user: null, session: null }, AT, gap)).toBe(1);
    expect(onlineSessionPosition({ session_id: 's' }, null, AT, gap)).toBe(1);
    expect(onlineSessionPosition({ session_id: 's' }, counters(3, '2024-01-07T13:14:59Z'), AT, gap)).toBe(1);
  });

  it('is null without a session_id or a position', () => {
    expect(onlineSessionPosition({}, counters(3, '2024-01-07T13:40:00Z'), AT, gap)).toBeNull();
  });

  it('flows into every row', () => {
    const out = onlineFeatureRows(
      { user_id: 'u1', product_ids: ['p1', 'p2'], at: AT, session_id: 's' },
      USER,
      ITEMS,
      counters(5, '2024-01-07T13:30:00Z'),
      NOW,
      CONFIG,
    );
    expect(out.rows.map((r) => r.session_position)).toEqual([6, 6]);
  });
});
