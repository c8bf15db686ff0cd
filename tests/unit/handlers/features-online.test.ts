/** The feature routes through their middy wrappers: problem+json 400s naming the field, 404s, 200s. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

import type { FeatureStore } from '../../../domain/online/ports';
import type { ItemRecord, UserRecord } from '../../../domain/online/records';
import { handler as itemHandler } from '../../../handlers/features-item-get';
import { handler as onlineHandler } from '../../../handlers/features-online';
import { handler as userHandler } from '../../../handlers/features-user-get';
import { resetWiring, useWiring } from '../../../wiring';
import { httpEvent, lambdaContext } from '../../support/http-events';

const USER: UserRecord = {
  user_id: 'u1',
  total_interactions: 3,
  total_purchases: 1,
  avg_session_duration: 10,
  favorite_category: 'books',
  avg_price_point: 20,
  recency_days: 1,
  frequency_score: 3,
  monetary_value: 20,
  diversity_score: 1,
  age_group: null,
  gender: null,
  location: null,
  customer_segment: null,
  tenure_days: null,
  affinity: { 'c:books': 5 },
  as_of: '2024-01-07',
};

const ITEM: ItemRecord = {
  product_id: 'p1',
  category: 'books',
  subcategory: 'novels',
  brand: 'acme',
  price: 21,
  catalog_avg_rating: null,
  num_reviews: null,
  popularity_score: 0,
  conversion_rate: null,
  avg_rating: null,
  price_percentile: 1,
  recency_score: 0,
  category_popularity: null,
  trending_score: 1,
  as_of: '2024-01-07',
};

const calls: string[] = [];
const PUBLICATION = { as_of: '2024-01-07', publication_id: 'pub-1', published_at: '2024-01-07T03:00:00Z' };
const fakeStore: FeatureStore = {
  publish: () => Promise.reject(new Error('read-only')),
  getUser: (id) => {
    calls.push(`user ${id}`);
    return Promise.resolve(id === 'u1' ? USER : null);
  },
  getItems: (ids) => {
    calls.push(`items ${ids.join(',')}`);
    return Promise.resolve(new Map(ids.includes('p1') ? [['p1', ITEM]] : []));
  },
  getCounters: (id, session) => {
    calls.push(`counters ${id} ${session ?? '-'}`);
    return Promise.resolve({
      user: {
        last_interaction_at: '2024-01-07T10:00:00Z',
        day: '2024-01-07',
        counts: { view: 1, add_to_cart: 0, purchase: 0 },
      },
      session:
        session === undefined
          ? null
          : { events: 2, first_at: '2024-01-07T09:59:00Z', last_at: '2024-01-07T10:00:00Z' },
    });
  },
  // One read of the user, the marker and the counters, logged as the separate reads it stands for.
  getRequestContext: async (id, counters) => ({
    user: await fakeStore.getUser(id),
    publication: PUBLICATION,
    counters: counters === null ? null : await fakeStore.getCounters(id, counters.sessionId),
  }),
};

beforeAll(() => useWiring({ featureStore: fakeStore }));
afterAll(() => resetWiring());
beforeEach(() => (calls.length = 0));

function event(body: string | undefined, pathParameters?: Record<string, string>): APIGatewayProxyEventV2 {
  const routeKey = pathParameters === undefined ? 'POST /features/online' : 'GET /features/{kind}/{id}';
  return httpEvent(routeKey, {
    ...(body === undefined ? {} : { body }),
    ...(pathParameters === undefined ? {} : { pathParameters }),
  });
}

type Invoke = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const online = (body: unknown): Promise<APIGatewayProxyStructuredResultV2> =>
  (onlineHandler as unknown as Invoke)(
    event(typeof body === 'string' ? body : JSON.stringify(body)),
    lambdaContext,
  );

async function problem(body: unknown): Promise<{ status: number; detail: string; paths: string[] }> {
  const reply = await online(body);
  expect(reply.headers?.['content-type']).toBe('application/problem+json');
  const parsed = JSON.parse(reply.body as string) as {
    status: number;
    detail: string;
    errors?: { path: string }[];
  };
  expect(parsed.status).toBe(reply.statusCode);
  return {
    status: reply.statusCode as number,
    detail: parsed.detail,
    paths: (parsed.errors ?? []).map((e) => e.path),
  };
}

describe('POST /features/online: bad input is a 400 naming the field, and reads nothing', () => {
  afterEach(() => expect(calls).toEqual([]));

  it('malformed JSON', async () => {
    await expect(problem('{"user_id": "u1",')).resolves.toMatchObject({ status: 400, paths: ['body'] });
  });

  it('a missing body', async () => {
    const reply = await (onlineHandler as unknown as Invoke)(event(undefined), lambdaContext);
    expect(reply.statusCode).toBe(400);
  });

  it('an unknown field', async () => {
    const p = await problem({ user_id: 'u1', product_ids: ['p1'], candidate_limit: 5 });
    expect(p.status).toBe(400);
    expect(p.detail).toContain('candidate_limit');
  });

  it('101 candidates', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `p${i}`);
    await expect(problem({ user_id: 'u1', product_ids: ids })).resolves.toMatchObject({
      status: 400,
      paths: ['body.product_ids'],
    });
  });

  it('no candidates', async () => {
    await expect(problem({ user_id: 'u1', product_ids: [] })).resolves.toMatchObject({
      paths: ['body.product_ids'],
    });
  });

  it('a bad `at`', async () => {
    for (const at of ['yesterday', '2024-02-30T00:00:00Z', '2024-01-07T10:00:00', 17]) {
      await expect(problem({ user_id: 'u1', product_ids: ['p1'], at })).resolves.toMatchObject({
        status: 400,
        paths: ['body.at'],
      });
    }
  });

  it('an empty product id', async () => {
    await expect(problem({ user_id: 'u1', product_ids: ['p1', ' '] })).resolves.toMatchObject({
      status: 400,
      paths: ['body.product_ids.1'],
    });
  });

  it('a missing or empty user_id, a bad session_position', async () => {
    await expect(problem({ product_ids: ['p1'] })).resolves.toMatchObject({ paths: ['body.user_id'] });
    await expect(problem({ user_id: '', product_ids: ['p1'] })).resolves.toMatchObject({
      paths: ['body.user_id'],
    });
    for (const session_position of [0, 1.5, '2'])
      await expect(problem({ user_id: 'u1', product_ids: ['p1'], session_position })).resolves.toMatchObject({
        paths: ['body.session_position'],
      });
  });
});

describe('POST /features/online: rows', () => {
  it('one row per candidate in request order; unknown ids flagged; counters read only for a session_id', async () => {
    const reply = await online({
      user_id: 'u1',
      product_ids: ['nope', 'p1'],
      at: '2024-01-07T10:10:00+01:00',
    });
    expect(reply.statusCode).toBe(200);
    const body = JSON.parse(reply.body as string) as { at: string; rows: Record<string, unknown>[] };
    expect(body.at).toBe('2024-01-07T09:10:00.000Z');
    expect(body.rows.map((r) => [r.product_id, r.item_found, r.user_found])).toEqual([
      ['nope', false, true],
      ['p1', true, true],
    ]);
    expect(body.rows[1]).toMatchObject({
      category_match: true,
      price_match: true,
      user_item_affinity: 1 / Math.sqrt(3),
    });
    expect(calls.some((c) => c.startsWith('counters'))).toBe(false);

    const withSession = await online({
      user_id: ' u1 ',
      product_ids: ['p1'],
      session_id: 's1',
      at: '2024-01-07T10:05:00Z',
    });
    const rows = (JSON.parse(withSession.body as string) as { rows: Record<string, unknown>[] }).rows;
    expect(rows[0]?.session_position).toBe(3);
    expect(calls).toContain('counters u1 s1');
  });
});

describe('POST /features/online: repeated candidates', () => {
  // A fresh wiring per test: the item cache must not answer for ids an earlier test read.
  beforeEach(() => useWiring({ featureStore: fakeStore }));

  it('a row at each position, in request order; each distinct id read once', async () => {
    const ids = ['p1', 'nope', 'p1', ' p1 ', 'nope', 'p1'];
    const reply = await online({ user_id: 'u1', product_ids: ids, at: '2024-01-07T10:00:00Z' });
    expect(reply.statusCode).toBe(200);
    const rows = (JSON.parse(reply.body as string) as { rows: Record<string, unknown>[] }).rows;
    // ' p1 ' is p1 once normalised, as stored ids are.
    expect(rows.map((r) => [r.product_id, r.item_found])).toEqual([
      ['p1', true],
      ['nope', false],
      ['p1', true],
      ['p1', true],
      ['nope', false],
      ['p1', true],
    ]);
    // Every p1 row is the same features, computed by the same code.
    expect(rows[2]).toEqual(rows[0]);
    expect(rows[5]).toEqual(rows[0]);
    expect(calls).toEqual(['user u1', 'items p1,nope']);
  });

  it('100 positions of one id are one row each and one read', async () => {
    const reply = await online({ user_id: 'u1', product_ids: Array.from({ length: 100 }, () => 'p1') });
    const rows = (JSON.parse(reply.body as string) as { rows: { product_id: string }[] }).rows;
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.product_id))).toEqual(new Set(['p1']));
    expect(calls).toEqual(['user u1', 'items p1']);
  });
});

describe('POST /features/online: the item cache', () => {
  beforeEach(() => useWiring({ featureStore: fakeStore }));
  const body = { user_id: 'u1', product_ids: ['p1', 'nope'], at: '2024-01-07T10:00:00Z' };

  it('a warm function reads the user every time and items only until it knows the publication', async () => {
    const first = await online(body);
    const second = await online(body);
    const third = await online(body);
    // 1st: no publication known yet, so what it read is served but not kept; 2nd: kept; 3rd: cache.
    expect(calls).toEqual(['user u1', 'items p1,nope', 'user u1', 'items p1,nope', 'user u1']);
    expect(third.body).toBe(first.body);
    expect(second.body).toBe(first.body);
  });
});

describe('GET /features/users/{user_id} and /features/items/{product_id}', () => {
  const get = (h: unknown, params: Record<string, string>) =>
    (h as Invoke)(event(undefined, params), lambdaContext);

  it('200 with features, as_of and the real-time counters', async () => {
    const reply = await get(userHandler, { user_id: 'u1' });
    expect(reply.statusCode).toBe(200);
    const body = JSON.parse(reply.body as string) as Record<string, unknown>;
    expect(body).toMatchObject({ user_id: 'u1', as_of: '2024-01-07', realtime: { counts: { view: 1 } } });
    expect(body.features).toMatchObject({ total_interactions: 3, favorite_category: 'books' });
    const item = await get(itemHandler, { product_id: 'p1' });
    expect(JSON.parse(item.body as string)).toMatchObject({
      product_id: 'p1',
      as_of: '2024-01-07',
      features: { price: 21 },
    });
  });

  it('404 problem+json for unknown ids', async () => {
    for (const [h, params] of [
      [userHandler, { user_id: 'ghost' }],
      [itemHandler, { product_id: 'ghost' }],
    ] as const) {
      const reply = await get(h, params);
      expect(reply.statusCode).toBe(404);
      expect(reply.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(reply.body as string).detail).toContain('ghost');
    }
  });
});

describe('ids longer than DynamoDB holds (2,048 bytes of UTF-8 per partition key) are a 400 naming the field', () => {
  afterEach(() => expect(calls).toEqual([]));
  // 1,025 characters but 2,050 bytes: the limit is in bytes, not characters.
  const twoByteId = 'é'.repeat(1025);
  // 150 characters that NFKC (the stored ids' normalisation) expands to 18 characters each, 2,700 bytes.
  const expandingId = '\ufdfa'.repeat(150);

  it('POST /features/online: user_id, each product id and session_id', async () => {
    for (const id of [twoByteId, expandingId, 'u'.repeat(5000)]) {
      await expect(problem({ user_id: id, product_ids: ['p1'] })).resolves.toMatchObject({
        status: 400,
        paths: ['body.user_id'],
      });
      await expect(problem({ user_id: 'u1', product_ids: ['p1', id] })).resolves.toMatchObject({
        status: 400,
        paths: ['body.product_ids.1'],
      });
      await expect(problem({ user_id: 'u1', product_ids: ['p1'], session_id: id })).resolves.toMatchObject({
        status: 400,
        paths: ['body.session_id'],
      });
    }
  });

  it('GET /features/users/{user_id} and /features/items/{product_id}', async () => {
    const get = (h: unknown, params: Record<string, string>) =>
      (h as Invoke)(event(undefined, params), lambdaContext);
    for (const id of [twoByteId, expandingId]) {
      const user = await get(userHandler, { user_id: id });
      expect(user.statusCode).toBe(400);
      expect(JSON.parse(user.body as string).errors).toEqual([
        expect.objectContaining({ path: 'path.user_id' }),
      ]);
      const item = await get(itemHandler, { product_id: id });
      expect(item.statusCode).toBe(400);
      expect(JSON.parse(item.body as string).errors).toEqual([
        expect.objectContaining({ path: 'path.product_id' }),
      ]);
    }
  });

  it('an id just inside the limit is looked up', async () => {
    const reply = await online({ user_id: 'u'.repeat(2000), product_ids: ['p1'] });
    expect(reply.statusCode).toBe(200);
    calls.length = 0;
  });
});

describe('a body is JSON only when it says so: any other Content-Type is a 415', () => {
  afterEach(() => expect(calls).toEqual([]));
  const body = JSON.stringify({ user_id: 'u1', product_ids: ['p1'] });
  const withType = (headers: Record<string, string>) =>
    (onlineHandler as unknown as Invoke)(
      { ...httpEvent('POST /features/online', { body }), headers: { host: 'api.example.test', ...headers } },
      lambdaContext,
    );

  it.each([
    [
      'text/plain (a cross-site form or fetch without preflight)',
      { 'content-type': 'text/plain;charset=UTF-8' },
    ],
    ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart/form-data', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['no Content-Type at all', {}],
    ['a lookalike', { 'content-type': 'application/jsonx' }],
  ])('%s', async (_name, headers) => {
    const reply = await withType(headers);
    expect(reply.statusCode).toBe(415);
    expect(reply.headers?.['content-type']).toBe('application/problem+json');
    const parsed = JSON.parse(reply.body as string) as { status: number; errors: { path: string }[] };
    expect(parsed.status).toBe(415);
    expect(parsed.errors.map((e) => e.path)).toEqual(['headers.content-type']);
  });

  it('application/json with parameters, in any case, is accepted', async () => {
    for (const type of [
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/json;charset="UTF-8"',
    ]) {
      const reply = await withType({ 'content-type': type });
      expect(reply.statusCode).toBe(200);
      calls.length = 0;
    }
  });
});

describe('user_id and session_id that fit alone but not together in the session counters key', () => {
  afterEach(() => expect(calls).toEqual([]));
  it('are a 400 naming session_id', async () => {
    await expect(
      problem({ user_id: 'u'.repeat(1500), product_ids: ['p1'], session_id: 's'.repeat(1000) }),
    ).resolves.toMatchObject({ status: 400, paths: ['body.session_id'] });
  });
});
