import { defaultConfig } from '../../../../domain/config';
import { itemFeaturesTable, userFeaturesTable } from '../../../../domain/features/feature-tables';
import { type CleanDayData, foldDay } from '../../../../domain/features/fold';
import { affinity, dayOfWeek, interactionFeatures } from '../../../../domain/features/interaction-features';
import { pricePercentiles } from '../../../../domain/features/item-features';
import { type FeatureState, emptyState } from '../../../../domain/features/state';
import type { CleanInteraction, CleanProduct, CleanUser } from '../../../../domain/schemas/clean';
import type { InteractionType } from '../../../../domain/schemas/records';
import { splitCounts } from '../../../../domain/split';
import type { Table } from '../../../../domain/table';
import { datesBetween } from '../../../../domain/time';

const config = defaultConfig();
const ms = (iso: string): number => Date.parse(iso);

function product(
  product_id: string,
  category: string,
  subcategory: string,
  brand: string,
  price: number | null,
  created: string,
  is_active = true,
): CleanProduct {
  return {
    product_id,
    name: product_id,
    category,
    subcategory,
    brand,
    price,
    description: null,
    attributes: null,
    avg_rating: product_id === 'pA' ? 4.1 : null,
    num_reviews: product_id === 'pA' ? 7 : null,
    created_at: ms(created),
    is_active,
  };
}

function user(
  user_id: string,
  age_group: string,
  gender: string | null,
  location: string,
  joined: string,
  segment: string,
): CleanUser {
  return {
    user_id,
    age_group,
    gender,
    location,
    join_date: ms(joined),
    customer_segment: segment,
    preferences: null,
  };
}

function ix(
  interaction_id: string,
  user_id: string,
  product_id: string,
  interaction_type: InteractionType,
  timestamp: string,
  session_id: string,
  rating: number | null = null,
): CleanInteraction {
  return {
    interaction_id,
    user_id,
    product_id,
    interaction_type,
    session_id,
    timestamp: ms(timestamp),
    rating,
    device_type: 'mobile',
    page_context: 'home',
  };
}

/** A table as row objects keyed by column name. */
function rowsOf(table: Table): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < table.rowCount; r++) {
    const row: Record<string, unknown> = {};
    for (const c of table.columns) row[c.name] = c.values[r];
    rows.push(row);
  }
  return rows;
}

/** Compares the listed columns of a row: numbers to 1e-12, everything else exactly. */
function expectColumns(row: Record<string, unknown> | undefined, expected: Record<string, unknown>): void {
  expect(row).toBeDefined();
  for (const [name, value] of Object.entries(expected)) {
    const actual = (row as Record<string, unknown>)[name];
    if (typeof value === 'number' && typeof actual === 'number') {
      if (Math.abs(actual - value) > 1e-12) expect({ [name]: actual }).toEqual({ [name]: value });
    } else expect({ [name]: actual }).toEqual({ [name]: value });
  }
}

// ---------------------------------------------------------------------------------------------
// A three-day history, S = 2024-01-15 (a Monday) .. 2024-01-17, features as of T = 2024-01-18.
// ---------------------------------------------------------------------------------------------

const S = '2024-01-15';
const catalog: CleanProduct[] = [
  product('pA', 'electronics', 'phones', 'acme', 100, '2023-01-01T00:00:00Z'),
  product('pB', 'electronics', 'laptops', 'unknown', 200, '2024-01-17T12:00:00Z'),
  product('pC', 'books', 'unknown', 'penguin', null, '2023-01-01T00:00:00Z'),
  product('pD', 'books', 'novels', 'penguin', 30, '2023-01-01T00:00:00Z', false),
  product('pE', 'books', 'novels', 'other', 20, '2023-01-01T00:00:00Z'),
  product('pF', 'electronics', 'phones', 'zeta', 100, '2023-01-01T00:00:00Z'),
];
const u1 = user('u1', '25-34', 'F', 'Berlin', '2023-01-18T00:00:00Z', 'regular');
const u2 = user('u2', 'unknown', null, 'unknown', '2024-01-01T12:00:00Z', 'unknown');
const u3 = user('u3', '35-44', 'M', 'Paris', '2022-01-01T00:00:00Z', 'vip');

const days: CleanDayData[] = [
  {
    date: '2024-01-15',
    interactions: [
      ix('x01', 'u1', 'pA', 'view', '2024-01-15T10:00:00Z', 's1'),
      ix('x02', 'u1', 'pA', 'add_to_cart', '2024-01-15T10:10:00Z', 's1'),
      ix('x03', 'u1', 'pA', 'purchase', '2024-01-15T10:40:00Z', 's1'), // gap exactly 30 min: same session
      ix('x04', 'u1', 'pB', 'view', '2024-01-15T11:10:01Z', 's1'), // gap 30 min 1 s: new session
      ix('x06', 'u2', 'pA', 'view', '2024-01-15T12:00:00Z', 's9'),
      ix('x07', 'u3', 'pC', 'purchase', '2024-01-15T13:00:00Z', 's7', 4),
      ix('x05', 'u1', 'pC', 'view', '2024-01-15T23:50:00Z', 's2'), // session crossing midnight
    ],
    products: catalog,
    users: [u1, u2, u3],
  },
  {
    date: '2024-01-16',
    interactions: [
      ix('x08', 'u1', 'pC', 'add_to_cart', '2024-01-16T00:05:00Z', 's2'),
      ix('x09', 'u1', 'pC', 'purchase', '2024-01-16T00:20:00Z', 's2', 5),
      ix('x10', 'u2', 'pA', 'view', '2024-01-16T12:00:00Z', 's9', 2),
      ix('x11', 'u3', 'pA', 'view', '2024-01-16T13:00:00Z', 's7'),
    ],
    products: catalog,
    users: [u1, u2, u3],
  },
  {
    date: '2024-01-17',
    interactions: [
      ix('x12', 'u2', 'pB', 'purchase', '2024-01-17T08:00:00Z', 's10'),
      ix('x13', 'u2', 'pA', 'view', '2024-01-17T08:10:00Z', 's10'),
      ix('x15', 'u2', 'pA', 'purchase', '2024-01-17T08:20:00Z', 's10'),
      ix('x14', 'u1', 'pA', 'view', '2024-01-17T20:00:00Z', 's3'),
    ],
    products: catalog,
    users: [u1, u2], // u3 is absent from the snapshot for T - 1
  },
];

function runHistory(withSnapshotBeforeStart: boolean): {
  state: FeatureState;
  rows: Record<string, unknown>[];
} {
  const state = emptyState(
    S,
    withSnapshotBeforeStart ? catalog : null,
    withSnapshotBeforeStart ? [u1, u2, u3] : null,
  );
  const tables = days.map((day) => foldDay(state, day, config, true) as Table);
  return { state, rows: tables.flatMap(rowsOf) };
}

describe('features of a three-day history', () => {
  const { state, rows } = runHistory(true);
  const row = (id: string): Record<string, unknown> | undefined => rows.find((r) => r.interaction_id === id);

  test('the state is as of T = 2024-01-18', () => {
    expect(state.users.asOf).toBe('2024-01-18');
    expect(state.items.asOf).toBe('2024-01-18');
  });

  describe('user features as of T', () => {
    const users = rowsOf(userFeaturesTable(state.users));

    test('one row per user with history, sorted by id', () => {
      expect(users.map((u) => u.user_id)).toEqual(['u1', 'u2', 'u3']);
    });

    test('u1: sessions incl. one crossing midnight and one-event sessions, unpriced purchase', () => {
      expect(Object.keys(users[0] as object)).toHaveLength(15);
      expectColumns(users[0], {
        total_interactions: 8,
        total_purchases: 2,
        // Sessions: 10:00-10:40 (2400 s), 11:10:01 alone (0), 23:50-00:20 (1800 s), 01-17 20:00 alone (0).
        avg_session_duration: 4200 / 4,
        favorite_category: 'electronics', // 5 vs books 3
        avg_price_point: 100, // pC's null price is left out
        recency_days: 4 / 24, // last event 01-17 20:00
        frequency_score: 8, // 2.58 days < one week: denominator 1
        monetary_value: 100, // 100 + 0 for the null price
        diversity_score: 1, // {electronics, books} / 2
        age_group: '25-34',
        gender: 'F',
        location: 'Berlin',
        customer_segment: 'regular',
        tenure_days: 365, // 2023-01-18 .. 2024-01-18
      });
    });

    test('u2: cleaned "unknown" profile, null gender, diversity 1/2', () => {
      expectColumns(users[1], {
        total_interactions: 5,
        total_purchases: 2,
        avg_session_duration: 1200 / 3, // s9 (0), s9 a day later (0), s10 08:00-08:20 (1200 s)
        favorite_category: 'electronics',
        avg_price_point: 150, // (200 + 100) / 2
        recency_days: 940 / 1440, // 15 h 40 min
        frequency_score: 5,
        monetary_value: 300,
        diversity_score: 0.5,
        age_group: 'unknown',
        gender: null,
        location: 'unknown',
        customer_segment: 'unknown',
        tenure_days: 16.5, // 2024-01-01 12:00 .. 2024-01-18
      });
    });

    test('u3: category tie goes to the smallest key, no priced purchase, absent from the snapshot', () => {
      expectColumns(users[2], {
        total_interactions: 2,
        total_purchases: 1,
        avg_session_duration: 0,
        favorite_category: 'books', // books 1 = electronics 1
        avg_price_point: null,
        recency_days: 35 / 24, // last event 01-16 13:00
        frequency_score: 2,
        monetary_value: 0,
        diversity_score: 1,
        age_group: null,
        gender: null,
        location: null,
        customer_segment: null,
        tenure_days: null,
      });
    });
  });

  describe('item features as of T', () => {
    const items = rowsOf(itemFeaturesTable(state.items));
    const item = (id: string): Record<string, unknown> | undefined => items.find((r) => r.product_id === id);

    test('every active product of the snapshot for T-1, cold ones included, inactive ones absent', () => {
      expect(items.map((i) => i.product_id)).toEqual(['pA', 'pB', 'pC', 'pE', 'pF']);
    });

    test('pA: popularity over its age, conversion, ratings, tied price percentile, recency, trending', () => {
      expectColumns(item('pA'), {
        category: 'electronics',
        subcategory: 'phones',
        brand: 'acme',
        price: 100,
        catalog_avg_rating: 4.1,
        num_reviews: 7,
        popularity_score: 6 / 382, // 6 views; created 2023-01-01, 382 days before T
        conversion_rate: 2 / 6,
        avg_rating: 2,
        price_percentile: 1.5 / 3, // pA 100 and pF 100 share ranks 1 and 2; pB 200
        recency_score: 1 / (940 / 1440 + 1), // last purchase 01-17 08:20
        category_popularity: 7 / 8, // electronics views 7 of 8
        trending_score: 7, // (6 + 1) / (0 + 1)
      });
    });

    test('pB: created less than a day before T gives denominator 1', () => {
      expectColumns(item('pB'), {
        popularity_score: 1,
        conversion_rate: 1,
        avg_rating: null,
        price_percentile: 1,
        recency_score: 1 / (16 / 24 + 1), // 0.6
        category_popularity: 7 / 8,
        trending_score: 2,
      });
    });

    test('pC: conversion above 1, mean rating, null price gives null percentile', () => {
      expectColumns(item('pC'), {
        subcategory: 'unknown',
        price: null,
        popularity_score: 1 / 382,
        conversion_rate: 2,
        avg_rating: 4.5,
        price_percentile: null,
        recency_score: 1 / (2860 / 1440 + 1), // last purchase 01-16 00:20
        category_popularity: 1 / 8,
        trending_score: 2,
      });
    });

    test('cold items: 0 views give popularity 0, null conversion, recency 0, trending 1', () => {
      expectColumns(item('pE'), {
        popularity_score: 0,
        conversion_rate: null,
        avg_rating: null,
        price_percentile: 1, // the inactive pD (30) is not ranked
        recency_score: 0,
        category_popularity: 1 / 8,
        trending_score: 1,
      });
      expectColumns(item('pF'), { price_percentile: 0.5, category_popularity: 7 / 8, recency_score: 0 });
    });
  });

  describe('training rows', () => {
    test('one row per interaction, sorted by (timestamp, interaction_id)', () => {
      expect(rows.map((r) => r.interaction_id)).toEqual([
        'x01',
        'x02',
        'x03',
        'x04',
        'x06',
        'x07',
        'x05',
        'x08',
        'x09',
        'x10',
        'x11',
        'x12',
        'x13',
        'x15',
        'x14',
      ]);
    });

    test('day S: user columns null, item aggregates follow their formulas on an empty history', () => {
      const userNulls = Object.fromEntries(
        Object.keys(row('x01') as object)
          .filter((k) => k.startsWith('user_') && k !== 'user_id' && k !== 'user_item_affinity')
          .map((k) => [k, null]),
      );
      expect(Object.keys(userNulls)).toHaveLength(14);
      for (const id of ['x01', 'x02', 'x03', 'x04', 'x05', 'x06', 'x07']) {
        expectColumns(row(id), {
          ...userNulls,
          user_item_affinity: null,
          category_match: false,
          price_match: false,
          item_popularity_score: 0,
          item_conversion_rate: null,
          item_avg_rating: null,
          item_recency_score: 0,
          item_category_popularity: null,
          item_trending_score: 1,
        });
      }
      expectColumns(row('x01'), {
        item_price_percentile: 0.5,
        item_category: 'electronics',
        item_price: 100,
      });
      expectColumns(row('x07'), {
        item_price_percentile: null,
        item_subcategory: 'unknown',
        item_brand: 'penguin',
        item_price: null,
      });
    });

    test('time_of_day and day_of_week (Monday = 0)', () => {
      expectColumns(row('x01'), { time_of_day: 10, day_of_week: 0 });
      expectColumns(row('x05'), { time_of_day: 23, day_of_week: 0 });
      expectColumns(row('x08'), { time_of_day: 0, day_of_week: 1 });
      expectColumns(row('x14'), { time_of_day: 20, day_of_week: 2 });
    });

    test('session_position: a 30 min gap continues, 30 min 1 s restarts, midnight is crossed', () => {
      const positions = Object.fromEntries(rows.map((r) => [r.interaction_id, r.session_position]));
      expect(positions).toEqual({
        x01: 1,
        x02: 2,
        x03: 3,
        x04: 1,
        x05: 1,
        x06: 1,
        x07: 1,
        x08: 2,
        x09: 3,
        x10: 1,
        x11: 1,
        x12: 1,
        x13: 2,
        x15: 3,
        x14: 1,
      });
    });

    test('day 2, u1: user features as of D and a hand-computed affinity', () => {
      // u_vec after day 1: c:electronics 1+3+5+1 = 10, s:phones 9, b:acme 9, s:laptops 1, c:books 1,
      // b:penguin 1 (|u|^2 = 265). pC's dims are c:books, b:penguin (subcategory unknown left out).
      const expected = {
        user_total_interactions: 5,
        user_total_purchases: 1,
        user_avg_session_duration: 2400 / 3, // the open 23:50 session counts up to its last event before D
        user_favorite_category: 'electronics',
        user_avg_price_point: 100,
        user_recency_days: 10 / 1440,
        user_frequency_score: 5,
        user_monetary_value: 100,
        user_diversity_score: 1,
        user_age_group: '25-34',
        user_tenure_days: 363,
        user_item_affinity: 2 / (Math.sqrt(265) * Math.sqrt(2)),
        category_match: false,
        price_match: false, // pC has no price
        item_popularity_score: 1 / 380,
        item_conversion_rate: 1,
        item_avg_rating: 4,
        item_recency_score: 1 / (11 / 24 + 1),
        item_category_popularity: 1 / 4,
        item_trending_score: 2,
      };
      expectColumns(row('x08'), expected);
      // The second event of the day sees the same features: day D never leaks into its rows.
      expectColumns(row('x09'), expected);
    });

    test('day 2: affinity 1 for identical dimensions, 0 for disjoint ones; category_match', () => {
      expectColumns(row('x10'), {
        user_item_affinity: 1,
        category_match: true,
        price_match: false,
        user_total_interactions: 1,
      });
      expectColumns(row('x11'), {
        user_item_affinity: 0,
        category_match: false,
        user_favorite_category: 'books',
      });
    });

    test('day 3: later events of a user on D still see the features as of D', () => {
      for (const id of ['x12', 'x13', 'x15'])
        expectColumns(row(id), {
          user_total_interactions: 2,
          user_total_purchases: 0,
          user_avg_price_point: null,
          price_match: false,
        });
      // pA as of 2024-01-17: views x01 x06 x10 x11, purchase x03, 381 days old.
      expectColumns(row('x13'), {
        item_popularity_score: 4 / 381,
        item_conversion_rate: 1 / 4,
        item_avg_rating: 2,
        item_trending_score: 5,
      });
    });

    test('day 3, u1: price_match and category_match', () => {
      expectColumns(row('x14'), {
        user_total_interactions: 7,
        user_avg_price_point: 100,
        price_match: true,
        category_match: true,
      });
    });
  });
});

test('without a snapshot before S, day-S item aggregates are all null', () => {
  const { rows } = runHistory(false);
  const first = rows.find((r) => r.interaction_id === 'x01');
  expectColumns(first, {
    item_popularity_score: null,
    item_conversion_rate: null,
    item_avg_rating: null,
    item_price_percentile: null,
    item_recency_score: null,
    item_category_popularity: null,
    item_trending_score: null,
    item_category: 'electronics', // event-day attributes still come from the day's snapshot
  });
  // Day 2 has the snapshot of day 1.
  expectColumns(
    rows.find((r) => r.interaction_id === 'x10'),
    { item_conversion_rate: 1 / 2, item_price_percentile: 0.5 },
  );
});

test('trending windows and frequency over a 45-day history', () => {
  const pA = product('pA', 'electronics', 'phones', 'acme', 100, '2023-01-01T00:00:00Z');
  const events = [
    ix('y1', 'u1', 'pA', 'view', '2023-12-05T00:00:00Z', 's'), // before T-35d: in no trending window
    ix('y2', 'u1', 'pA', 'view', '2023-12-20T06:00:00Z', 's'), // baseline
    ix('y3', 'u1', 'pA', 'view', '2023-12-25T06:00:00Z', 's'), // baseline
    ix('y4', 'u1', 'pA', 'purchase', '2024-01-01T00:00:00Z', 's'),
    ix('y5', 'u1', 'pA', 'view', '2024-01-07T23:59:59Z', 's'), // baseline (T-7d - 1 s)
    ix('y6', 'u1', 'pA', 'view', '2024-01-08T00:00:00Z', 's'), // recent (exactly T-7d)
    ix('y7', 'u1', 'pA', 'view', '2024-01-14T12:00:00Z', 's'), // recent
  ];
  const state = emptyState('2023-12-01', [pA], [u1]);
  for (const date of datesBetween('2023-12-01', '2024-01-14'))
    foldDay(
      state,
      {
        date,
        interactions: events.filter((e) => new Date(e.timestamp).toISOString().startsWith(date)),
        products: [pA],
        users: [u1],
      },
      config,
      false,
    );
  expect(state.items.asOf).toBe('2024-01-15');
  expectColumns(rowsOf(itemFeaturesTable(state.items))[0], {
    popularity_score: 6 / 379,
    conversion_rate: 1 / 6,
    recency_score: 1 / 15,
    trending_score: 3 / 1.75, // (2 + 1) / (3 / 4 + 1)
  });
  expectColumns(rowsOf(userFeaturesTable(state.users))[0], {
    total_interactions: 7,
    frequency_score: 7 / (41 / 7), // first event 41 days before T
    recency_days: 0.5,
    avg_session_duration: 1 / 6, // six sessions; only y5-y6 (1 s apart, across midnight) lasts 1 s
    monetary_value: 100,
    tenure_days: 362, // 2023-01-18 .. 2024-01-15
  });
});

describe('interaction features', () => {
  const books = { category: 'books', subcategory: 'unknown', brand: 'penguin', price: 20 };
  const user = {
    favorite_category: 'books',
    avg_price_point: 100,
    affinity: new Map([
      ['c:books', 3],
      ['s:novels', 4],
    ]),
  };
  const t = ms('2024-01-21T23:59:59.999Z'); // a Sunday

  test('affinity is the cosine with a 0/1 product vector', () => {
    expect(
      affinity(
        new Map([
          ['c:a', 3],
          ['s:b', 4],
        ]),
        ['c:a'],
      ),
    ).toBeCloseTo(3 / 5, 12);
    expect(
      affinity(
        new Map([
          ['c:a', 3],
          ['s:b', 4],
        ]),
        ['c:a', 's:b'],
      ),
    ).toBeCloseTo(7 / (5 * Math.SQRT2), 12);
    expect(affinity(new Map([['c:a', 3]]), ['c:z'])).toBe(0);
    expect(affinity(new Map(), ['c:a'])).toBeNull();
    expect(affinity(new Map([['c:a', 3]]), [])).toBeNull();
  });

  test('unknown keys are left out of the product vector', () => {
    // dims c:books, b:penguin; dot 3; |u| 5; |p| sqrt 2.
    expect(interactionFeatures(user, books, t, 1, config).user_item_affinity).toBeCloseTo(
      3 / (5 * Math.SQRT2),
      12,
    );
    const allUnknown = { category: 'unknown', subcategory: 'unknown', brand: 'unknown', price: 1 };
    expect(interactionFeatures(user, allUnknown, t, 1, config).user_item_affinity).toBeNull();
  });

  test('a user without history: null affinity, no matches', () => {
    expect(interactionFeatures(null, books, t, 4, config)).toEqual({
      user_item_affinity: null,
      category_match: false,
      price_match: false,
      time_of_day: 23,
      day_of_week: 6,
      session_position: 4,
    });
  });

  test.each([
    [124.99, true],
    [125, false],
    [75, false],
    [75.01, true],
    [100, true],
    [null, false],
  ])('price_match with avg price point 100 and price %p is %p (strict < 25%)', (price, expected) => {
    expect(interactionFeatures(user, { ...books, price }, t, 1, config).price_match).toBe(expected);
  });

  test('price_match is false without an average price point', () => {
    expect(interactionFeatures({ ...user, avg_price_point: null }, books, t, 1, config).price_match).toBe(
      false,
    );
  });

  test('category_match compares the favorite category with the event-day category', () => {
    expect(interactionFeatures(user, books, t, 1, config).category_match).toBe(true);
    expect(interactionFeatures(user, { ...books, category: 'toys' }, t, 1, config).category_match).toBe(
      false,
    );
  });

  test('dayOfWeek: Monday 0 ... Sunday 6', () => {
    expect(dayOfWeek(ms('2024-01-15T00:00:00Z'))).toBe(0);
    expect(dayOfWeek(ms('2024-01-17T12:00:00Z'))).toBe(2);
    expect(dayOfWeek(ms('2024-01-20T23:59:59.999Z'))).toBe(5);
    expect(dayOfWeek(ms('2024-01-21T00:00:00Z'))).toBe(6);
    expect(dayOfWeek(0)).toBe(3); // 1970-01-01, a Thursday
    expect(dayOfWeek(-1)).toBe(2); // 1969-12-31, a Wednesday
  });
});

describe('pricePercentiles', () => {
  test('mean 1-based rank of ties over the count, per category, active priced products only', () => {
    const p = (id: string, category: string, price: number | null, active = true): CleanProduct =>
      product(id, category, 'unknown', 'unknown', price, '2023-01-01T00:00:00Z', active);
    const out = pricePercentiles([
      p('a', 'x', 30),
      p('b', 'x', 20),
      p('c', 'x', 10),
      p('d', 'x', 20),
      p('e', 'x', 5, false),
      p('f', 'x', null),
      p('g', 'y', 7),
    ]);
    expect(Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : 1)))).toEqual({
      a: 4 / 4,
      b: 2.5 / 4,
      c: 1 / 4,
      d: 2.5 / 4,
      g: 1,
    });
  });
});

describe('splitCounts', () => {
  test.each([
    [90, 63, 9, 18],
    [0, 0, 0, 0],
    [1, 0, 0, 1],
    [10, 7, 1, 2],
    [3, 2, 0, 1],
  ])('n = %i gives %i / %i / %i', (n, train, validation, test) => {
    expect(splitCounts(n, config.split)).toEqual({ train, validation, test });
  });
});
