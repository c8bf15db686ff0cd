import { hasBurst, isBotTraffic } from '../../../../domain/cleaning/bot-traffic';
import { cleanDay, cleanInteraction } from '../../../../domain/cleaning/interactions';
import { cleanProducts, cleanUsers } from '../../../../domain/cleaning/snapshots';
import { defaultConfig } from '../../../../domain/config';
import { validateAndCleanDay } from '../../../../domain/validate-and-clean-day';
import { RawInteraction, RawProduct, RawUser } from '../../../../domain/schemas/records';
import { parseTimestamp } from '../../../../domain/time';
import type { Candidate } from '../../../../domain/validation/interactions';

const config = defaultConfig();
const T0 = Date.parse('2024-01-15T08:00:00.000Z');

/** A validated candidate built from a raw record (fields not given take plain defaults). */
function candidate(fields: Record<string, unknown>, line = 1): Candidate {
  const record = RawInteraction.parse({
    interaction_id: `i${line}`,
    user_id: 'u1',
    product_id: 'p1',
    interaction_type: 'view',
    timestamp: '2024-01-15T08:00:00.000Z',
    session_id: 's1',
    rating: null,
    device_type: 'mobile',
    page_context: 'home',
    ...fields,
  });
  const ts = parseTimestamp(record.timestamp);
  if (ts === null) throw new Error(`bad fixture timestamp ${record.timestamp}`);
  return {
    record,
    timestampMs: ts.ms,
    naive: ts.naive,
    sourceKey: 'k',
    lineNumber: line,
    line: JSON.stringify(record),
    user: { joinedMs: 0 },
    product: { createdMs: 0, isActive: true },
  };
}

/** `n` candidates of one user, `stepMs` apart from `T0`, of the given type. */
function series(user: string, n: number, stepMs: number, type: string, firstLine = 1): Candidate[] {
  const out: Candidate[] = [];
  for (let k = 0; k < n; k++) {
    out.push(
      candidate(
        {
          interaction_id: `${user}-${k}`,
          user_id: user,
          interaction_type: type,
          timestamp: new Date(T0 + k * stepMs).toISOString(),
        },
        firstLine + k,
      ),
    );
  }
  return out;
}

const allActive = (): boolean => true;

describe('cleanInteraction: text, keys and missing values', () => {
  test('text rule on ids, lowercased keys, UTC epoch timestamp', () => {
    const c = cleanInteraction(
      candidate({
        interaction_id: ' \uFF49\uFF11 ', // ' ｉ１ '
        user_id: 'U1\t\tX',
        product_id: ' P1 ',
        interaction_type: ' PURCHASE ',
        timestamp: '2024-01-15T10:00:00.1239+02:00',
        session_id: 'S  1',
        device_type: ' Desktop ',
        page_context: 'Product\nPage',
      }),
    );
    expect(c).toEqual({
      interaction_id: 'i1',
      user_id: 'U1 X',
      product_id: 'P1',
      interaction_type: 'purchase',
      session_id: 'S 1',
      timestamp: Date.parse('2024-01-15T08:00:00.123Z'),
      rating: null,
      device_type: 'desktop',
      page_context: 'product page',
    });
  });

  test.each([
    [null, 'unknown'],
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['   ', 'unknown'],
    ['Smart-TV', 'other'],
    [' MOBILE ', 'mobile'],
    ['\uFF2Dobile', 'mobile'],
    ['Tablet', 'tablet'],
    ['desktop', 'desktop'],
    ['Unknown', 'unknown'],
    ['phone', 'other'],
  ])('device_type %j becomes %j', (device, expected) => {
    const fields: Record<string, unknown> = device === undefined ? {} : { device_type: device };
    const c = candidate(fields);
    if (device === undefined) delete (c.record as Record<string, unknown>).device_type;
    expect(cleanInteraction(c).device_type).toBe(expected);
  });

  test.each([
    [null, 'unknown'],
    ['  ', 'unknown'],
    [' Search Results ', 'search results'],
  ])('page_context %j becomes %j', (page, expected) => {
    expect(cleanInteraction(candidate({ page_context: page })).page_context).toBe(expected);
  });

  test.each([
    [null, null],
    [0, null],
    [0.99, null],
    [1, 1],
    [3.5, 3.5],
    [5, 5],
    [5.01, null],
    [-2, null],
  ])('rating %j becomes %j', (rating, expected) => {
    expect(cleanInteraction(candidate({ rating })).rating).toBe(expected);
  });
});

describe('cleanDay: inactive products and bots', () => {
  test('interactions on inactive products are removed (by raw product id)', () => {
    const a = candidate({ interaction_id: 'a', product_id: 'p1' }, 1);
    const b = candidate({ interaction_id: 'b', product_id: 'p3', timestamp: '2024-01-15T09:00:00Z' }, 2);
    const day = cleanDay([a, b], (id) => id !== 'p3', config);
    expect(day.inactive).toEqual([b]);
    expect(day.bots).toEqual([]);
    expect(day.interactions.map((x) => x.interaction_id)).toEqual(['a']);
  });

  test('kept records are sorted by (timestamp, interaction_id)', () => {
    const day = cleanDay(
      [
        candidate({ interaction_id: 'z', timestamp: '2024-01-15T09:00:00Z' }, 1),
        candidate({ interaction_id: 'b', timestamp: '2024-01-15T08:00:00Z' }, 2),
        candidate({ interaction_id: 'a', timestamp: '2024-01-15T09:00:00Z' }, 3),
      ],
      allActive,
      config,
    );
    expect(day.interactions.map((x) => x.interaction_id)).toEqual(['b', 'a', 'z']);
  });

  test('1000 interactions in the day is not a bot, 1001 is (2 s apart, no views)', () => {
    expect(cleanDay(series('u1', 1000, 2000, 'add_to_cart'), allActive, config).bots).toHaveLength(0);
    const day = cleanDay(
      [...series('u1', 1001, 2000, 'add_to_cart'), ...series('u2', 3, 2000, 'view', 5000)],
      allActive,
      config,
    );
    expect(day.bots).toHaveLength(1001);
    expect(day.interactions).toHaveLength(3);
    expect(new Set(day.interactions.map((x) => x.user_id))).toEqual(new Set(['u2']));
  });

  test('60 interactions inside a 60 s window is not a bot, 61 is', () => {
    // 60 events 1 s apart span [T0, T0 + 59 s].
    expect(cleanDay(series('u1', 60, 1000, 'view'), allActive, config).bots).toHaveLength(0);
    // 61 events 983 ms apart span 58.98 s < 60 s.
    expect(cleanDay(series('u1', 61, 983, 'view'), allActive, config).bots).toHaveLength(61);
  });

  test('an event exactly at t + 60 s is outside the window [t, t + 60 s)', () => {
    // 61 events 1 s apart: T0 .. T0 + 60 s. Any window [t, t + 60 s) holds at most 60 of them.
    expect(cleanDay(series('u1', 61, 1000, 'view'), allActive, config).bots).toHaveLength(0);
    expect(hasBurst([0, 60_000], 60_000, 1)).toBe(false);
    expect(hasBurst([0, 59_999], 60_000, 1)).toBe(true);
  });

  test('300 views without intent is not a bot, 301 is; one add_to_cart clears 301 views', () => {
    expect(cleanDay(series('u1', 300, 2000, 'view'), allActive, config).bots).toHaveLength(0);
    expect(cleanDay(series('u1', 301, 2000, 'view'), allActive, config).bots).toHaveLength(301);
    const withCart = [
      ...series('u1', 301, 2000, 'view'),
      ...series('u1', 1, 2000, 'add_to_cart', 900).map(rename('cart')),
    ];
    expect(cleanDay(withCart, allActive, config).bots).toHaveLength(0);
    const withPurchase = [
      ...series('u1', 301, 2000, 'view'),
      ...series('u1', 1, 2000, 'purchase', 900).map(rename('buy')),
    ];
    expect(cleanDay(withPurchase, allActive, config).bots).toHaveLength(0);
  });

  test('bot rules see only the records left after the inactive-product step', () => {
    const views = series('u1', 301, 2000, 'view');
    const cart = candidate(
      {
        interaction_id: 'cart',
        interaction_type: 'add_to_cart',
        product_id: 'p3',
        timestamp: '2024-01-15T20:00:00Z',
      },
      999,
    );
    const day = cleanDay([...views, cart], (id) => id !== 'p3', config);
    expect(day.inactive).toEqual([cart]);
    expect(day.bots).toHaveLength(301);
    expect(day.interactions).toHaveLength(0);
  });

  test('isBotTraffic applies the configured thresholds', () => {
    const rules = { ...config.bot, maxViewsWithoutIntent: 2 };
    const signals = [0, 10_000, 20_000].map((timestamp) => ({ timestamp, interaction_type: 'view' }));
    expect(isBotTraffic(signals, rules)).toBe(true);
    expect(isBotTraffic(signals.slice(0, 2), rules)).toBe(false);
  });
});

function rename(prefix: string): (c: Candidate, k: number) => Candidate {
  return (c, k) => ({ ...c, record: { ...c.record, interaction_id: `${prefix}-${k}` } });
}

function product(fields: Record<string, unknown>): RawProduct {
  return RawProduct.parse({
    name: 'n',
    category: 'Books',
    subcategory: 'Novels',
    brand: 'Brand',
    price: null,
    description: null,
    attributes: null,
    avg_rating: null,
    num_reviews: null,
    created_at: '2023-01-01T00:00:00Z',
    is_active: true,
    ...fields,
  });
}

describe('cleanProducts', () => {
  const cleaned = cleanProducts([
    product({ product_id: 'b1', price: 10 }),
    product({ product_id: 'b2', price: 40, category: ' BOOKS ' }), // same key 'books'
    product({ product_id: 'b3', price: '20' }),
    product({ product_id: 'b4', price: ' 30.00 ' }),
    product({ product_id: 'b5', price: 1000, is_active: false }), // inactive: not in the median
    product({ product_id: 'b6', price: null }), // active, imputed
    product({ product_id: 'b7', price: null, is_active: false }), // inactive, imputed too
    product({ product_id: 'g1', category: 'Garden', price: 5, is_active: false }),
    product({ product_id: 'g2', category: 'Garden', price: null }), // no priced active product: null
    product({ product_id: 't1', category: 'Toys', price: 7 }),
    product({ product_id: 't2', category: 'Toys', price: 3 }),
    product({ product_id: 't3', category: 'Toys', price: 100 }),
    product({ product_id: 't4', category: 'Toys' }), // odd count: middle value 7
  ]);
  const byId = new Map(cleaned.map((p) => [p.product_id, p]));

  test('is sorted by product id', () => {
    expect(cleaned.map((p) => p.product_id)).toEqual([
      'b1',
      'b2',
      'b3',
      'b4',
      'b5',
      'b6',
      'b7',
      'g1',
      'g2',
      't1',
      't2',
      't3',
      't4',
    ]);
  });

  test('numeric-string prices become numbers', () => {
    expect(byId.get('b3')?.price).toBe(20);
    expect(byId.get('b4')?.price).toBe(30);
  });

  test('null prices get the median of active original prices of the category key (even count: mean of middle two)', () => {
    // books active prices 10, 40, 20, 30 -> sorted 10 20 30 40 -> (20 + 30) / 2.
    expect(byId.get('b6')?.price).toBe(25);
    expect(byId.get('b7')?.price).toBe(25);
    // toys 3 7 100 -> 7.
    expect(byId.get('t4')?.price).toBe(7);
  });

  test('no priced active product in the category leaves the price null', () => {
    expect(byId.get('g2')?.price).toBeNull();
    expect(byId.get('g1')?.price).toBe(5);
  });

  test('category keys are lowercased after the text rule', () => {
    expect(byId.get('b2')?.category).toBe('books');
  });

  test('text rule and missing keys', () => {
    const [p] = cleanProducts([
      product({
        product_id: ' x1 ',
        name: ' Big\t\tLamp ',
        category: '\uFF28ome', // 'Ｈome'
        subcategory: null,
        brand: '  ',
        description: '  ',
        attributes: '{"color":"red","size":2}',
        avg_rating: 4.2,
        num_reviews: 12,
        created_at: '2023-06-01T02:00:00+02:00',
        price: 19.99,
      }),
    ]);
    expect(p).toEqual({
      product_id: 'x1',
      name: 'Big Lamp',
      category: 'home',
      subcategory: 'unknown',
      brand: 'unknown',
      price: 19.99,
      description: null,
      attributes: { color: 'red', size: 2 },
      avg_rating: 4.2,
      num_reviews: 12,
      created_at: Date.parse('2023-06-01T00:00:00Z'),
      is_active: true,
    });
  });

  test('subcategory and brand keys are lowercased; attributes objects pass through', () => {
    const [p] = cleanProducts([
      product({ product_id: 'y', subcategory: ' Sci-Fi ', brand: 'ACME  Co', attributes: { a: 1 } }),
    ]);
    expect(p?.subcategory).toBe('sci-fi');
    expect(p?.brand).toBe('acme co');
    expect(p?.attributes).toEqual({ a: 1 });
  });
});

describe('cleanUsers', () => {
  test('null profile keys become unknown, gender stays null', () => {
    const users = cleanUsers([
      RawUser.parse({
        user_id: 'u2',
        age_group: null,
        gender: null,
        location: '  ',
        join_date: '2024-01-01T00:00:00Z',
        customer_segment: null,
        preferences: '{"a":true}',
      }),
      RawUser.parse({
        user_id: 'u1',
        age_group: ' 25-34 ',
        gender: 'F',
        location: 'New\tYork',
        join_date: '2023-01-01T00:00:00-01:00',
        customer_segment: 'vip',
        preferences: null,
      }),
    ]);
    expect(users).toEqual([
      {
        user_id: 'u1',
        age_group: '25-34',
        gender: 'F',
        location: 'New York',
        join_date: Date.parse('2023-01-01T01:00:00Z'),
        customer_segment: 'vip',
        preferences: null,
      },
      {
        user_id: 'u2',
        age_group: 'unknown',
        gender: null,
        location: 'unknown',
        join_date: Date.parse('2024-01-01T00:00:00Z'),
        customer_segment: 'unknown',
        preferences: { a: true },
      },
    ]);
  });
});

describe('snapshot duplicate keys', () => {
  const line = (id: string, price: number): string =>
    JSON.stringify({
      product_id: id,
      name: 'n',
      category: 'c',
      price,
      created_at: '2023-01-01T00:00:00Z',
      is_active: true,
    });
  const user = JSON.stringify({ user_id: 'u1', join_date: '2023-01-01T00:00:00Z' });

  test('the last line wins, objects read in key order whatever order they are listed in', () => {
    const prefix = 'raw/products/year=2024/month=01/day=15/';
    const result = validateAndCleanDay({
      runId: 'r',
      date: '2024-01-15',
      referenceTimeMs: Date.parse('2024-01-16T00:00:00Z'),
      interactions: [],
      products: {
        date: '2024-01-15',
        objects: [
          { key: `${prefix}b.jsonl`, size: 1, etag: 'b', lines: [line('p1', 2), line('p2', 20)] },
          {
            key: `${prefix}a.jsonl`,
            size: 1,
            etag: 'a',
            lines: [line('p1', 1), line('p2', 10), line('p1', 3)],
          },
        ],
      },
      users: {
        date: '2024-01-15',
        objects: [{ key: 'raw/users/year=2024/month=01/day=15/u.jsonl', size: 1, etag: 'u', lines: [user] }],
      },
      config,
    });
    // a.jsonl then b.jsonl: p1 = 1, 3, 2 -> 2; p2 = 10, 20 -> 20.
    expect(result.products?.map((p) => [p.product_id, p.price])).toEqual([
      ['p1', 2],
      ['p2', 20],
    ]);
    expect(result.report.snapshots.products.rejected).toEqual({
      malformed_json: 0,
      schema_violation: 0,
      duplicate: 3,
    });
    expect(result.report.snapshots.products.raw).toBe(5);
    expect(result.report.snapshots.products.valid).toBe(2);
  });
});

describe('blank nullable values in snapshots (data-contract.md §5)', () => {
  const user = (gender: unknown) => ({ user_id: 'u1', join_date: '2024-01-01T00:00:00Z', gender });
  const product = (attributes: unknown) => ({
    product_id: 'p1',
    name: 'n',
    category: 'c',
    created_at: '2024-01-01T00:00:00Z',
    is_active: true,
    attributes,
  });

  it('a blank gender counts as null; any other value must match M, F or Other exactly', () => {
    const blank = RawUser.parse(user('  '));
    expect(cleanUsers([blank])[0]?.gender).toBeNull();
    for (const bad of [' M ', 'male', 'm']) {
      const result = RawUser.safeParse(user(bad));
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['gender']);
    }
  });

  it('a blank attributes string counts as null; a non-object JSON string is a violation', () => {
    expect(cleanProducts([RawProduct.parse(product(''))])[0]?.attributes).toBeNull();
    expect(cleanProducts([RawProduct.parse(product('{"size":"L"}'))])[0]?.attributes).toEqual({ size: 'L' });
    expect(RawProduct.safeParse(product('[1]')).success).toBe(false);
  });
});
