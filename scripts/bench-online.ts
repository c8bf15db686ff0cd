/**
 * `npm run bench:online -- [--users 5000] [--items 2000] [--requests 1000] [--connections 20] [--duration 30]`
 * Starts dynalite in-process, publishes a generated feature set, then measures
 * `POST /features/online` with 100 distinct candidates, where the time goes and end to end:
 * (1) in-process, one request at a time: the bare store reads (one BatchGetItem of 100 items and
 * the user's read), the handler with its item cache cold (disabled) and warm;
 * (2) over real HTTP, the API served by serverless-offline as `npm start` serves it, one client:
 * `GET /health` (serverless-offline's own cost per request), then the route cold (the API started
 * with the item cache off, so every request reads its 100 items) and warm (cache on, after a
 * warm-up pass over the request set), each uncompressed (as API Gateway answers) and gzipped (what
 * serverless-offline does when the client accepts it);
 * (3) a load test with autocannon, `--connections` for `--duration` seconds on loopback, against
 * the warm API: throughput, p50, p99 and the share of 2xx answers (exit 1 unless every one is 2xx).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { LOCAL_TABLE, startApi, stopChild } from './lib/local-stack';
import { mulberry32 } from './lib/generate/random';
import { createDynamoDbClient } from '../adapters/dynamodb-client';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

import { DynamoDbFeatureStore } from '../adapters/dynamodb-feature-store';
import { startDynalite } from '../adapters/dynamodb-local-server';
import { ensureFeatureTable } from '../adapters/dynamodb-table';
import { loadSettings } from '../config';
import type { ItemRecordInput, UserRecordInput } from '../domain/online/records';
import { handler } from '../handlers/features-online';
import { resetWiring, useWiring } from '../wiring';
import {
  type CliSpec,
  EXIT,
  type FlagSpec,
  formatTable,
  parseCli,
  positiveInt,
  runCli,
  UsageError,
} from './lib/cli';

const CANDIDATES = 100;
const AS_OF = '2024-01-31';
const AT = '2024-01-31T12:00:00Z';

const CATEGORIES = ['electronics', 'books', 'home', 'fashion', 'sports', 'toys', 'beauty', 'garden'];

function featureSet(users: number, items: number): { users: UserRecordInput[]; items: ItemRecordInput[] } {
  const rnd = mulberry32(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const userRecords: UserRecordInput[] = [];
  for (let i = 0; i < users; i++) {
    const affinity: Record<string, number> = {};
    for (let k = 0; k < 6; k++) affinity[`c:${pick(CATEGORIES)}`] = 1 + Math.floor(rnd() * 20);
    for (let k = 0; k < 8; k++) affinity[`b:brand-${Math.floor(rnd() * 50)}`] = 1 + Math.floor(rnd() * 10);
    userRecords.push({
      user_id: `u_${String(i).padStart(6, '0')}`,
      total_interactions: 1 + Math.floor(rnd() * 200),
      total_purchases: Math.floor(rnd() * 10),
      avg_session_duration: rnd() * 900,
      favorite_category: pick(CATEGORIES),
      avg_price_point: rnd() < 0.3 ? null : rnd() * 300,
      recency_days: rnd() * 30,
      frequency_score: rnd() * 50,
      monetary_value: rnd() * 2000,
      diversity_score: rnd() < 0.3 ? null : rnd(),
      age_group: pick(['18-24', '25-34', '35-44', '45-54']),
      gender: pick(['f', 'm', null]),
      location: pick(['berlin', 'paris', 'london', null]),
      customer_segment: pick(['new', 'regular', 'vip']),
      tenure_days: rnd() * 1000,
      affinity,
    });
  }
  const itemRecords: ItemRecordInput[] = [];
  for (let i = 0; i < items; i++)
    itemRecords.push({
      product_id: `p_${String(i).padStart(6, '0')}`,
      category: pick(CATEGORIES),
      subcategory: `sub-${Math.floor(rnd() * 40)}`,
      brand: `brand-${Math.floor(rnd() * 50)}`,
      price: rnd() < 0.05 ? null : Math.round(rnd() * 50000) / 100,
      catalog_avg_rating: rnd() < 0.2 ? null : 1 + rnd() * 4,
      num_reviews: Math.floor(rnd() * 500),
      popularity_score: rnd() * 40,
      conversion_rate: rnd() < 0.2 ? null : rnd() * 0.2,
      avg_rating: rnd() < 0.4 ? null : 1 + rnd() * 4,
      price_percentile: rnd(),
      recency_score: rnd(),
      category_popularity: rnd() * 0.3,
      trending_score: rnd() * 3,
    });
  return { users: userRecords, items: itemRecords };
}

interface Stats {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly perSecond: number;
}

/** Runs `requests` calls of `call`, one at a time; latency percentiles in ms. */
async function measure(requests: number, call: (i: number) => Promise<void>): Promise<Stats> {
  const latencies = new Float64Array(requests);
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    await call(i);
    latencies[i] = performance.now() - t0;
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  const at = (q: number): number => latencies[Math.min(requests - 1, Math.floor(q * requests))] as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), perSecond: requests / seconds };
}

const statsRow = (name: string, s: Stats, extra: string | number = ''): (string | number)[] => [
  name,
  s.p50.toFixed(2),
  s.p95.toFixed(2),
  s.p99.toFixed(2),
  Math.round(s.perSecond),
  extra,
];

const SPEC = {
  command: 'npm run bench:online --',
  summary:
    'Starts dynalite in-process, publishes a generated feature set and measures POST /features/online ' +
    `with ${CANDIDATES} distinct candidates: in-process (store reads, handler cold and warm), over HTTP ` +
    'through serverless-offline with one client (cold and warm), and a load test with autocannon.',
  flags: {
    users: { type: 'string', description: 'Users in the feature set', default: '5000', placeholder: 'n' },
    items: {
      type: 'string',
      description: `Items in the feature set, at least ${CANDIDATES}`,
      default: '2000',
      placeholder: 'n',
    },
    requests: {
      type: 'string',
      description: 'Requests per one-client measurement',
      default: '1000',
      placeholder: 'n',
    },
    connections: {
      type: 'string',
      description: 'Connections of the load test',
      default: '20',
      placeholder: 'n',
    },
    duration: {
      type: 'string',
      description: 'Seconds of the load test (0: no load test)',
      default: '30',
      placeholder: 's',
    },
  },
  examples: [
    'npm run bench:online',
    'npm run bench:online -- --requests 300 --duration 10',
    'npm run bench:online -- --connections 50 --duration 60',
  ],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

/** A non-negative integer flag (0 allowed, unlike `positiveInt`). */
function nonNegativeInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a whole number >= 0, got ${text}`);
  return n;
}

/** The request bodies: each a user and 100 distinct candidates, spread deterministically over the set. */
function requestBodies(users: number, items: number): string[] {
  const rnd = mulberry32(11);
  return Array.from({ length: 64 }, () => {
    const start = Math.floor(rnd() * items);
    return JSON.stringify({
      user_id: `u_${String(Math.floor(rnd() * users)).padStart(6, '0')}`,
      product_ids: Array.from(
        { length: CANDIDATES },
        (_, k) => `p_${String((start + k * 7) % items).padStart(6, '0')}`,
      ),
      at: AT,
    });
  });
}

/** An HTTP API v2 event of the route with `body`. */
function routeEvent(body: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /features/online',
    rawPath: '/features/online',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
    body,
  };
}

runCli(async () => {
  const flags = parseCli(SPEC, process.argv.slice(2));
  const users = positiveInt('users', flags.users, 5_000);
  const items = positiveInt('items', flags.items, 2_000);
  const requests = positiveInt('requests', flags.requests, 1_000);
  const connections = positiveInt('connections', flags.connections, 20);
  const duration = nonNegativeInt('duration', flags.duration, 30);
  if (items < CANDIDATES) throw new UsageError(`--items must be at least ${CANDIDATES}`);

  const settings = loadSettings({});
  const dynamo = await startDynalite();
  // The table the `local` stage of serverless.yml names, so the served API reads the same items.
  const table = LOCAL_TABLE;
  const client = createDynamoDbClient({ endpoint: dynamo.endpoint });
  let allTwoHundred = true;
  try {
    await ensureFeatureTable(client, table);
    const store = new DynamoDbFeatureStore(client, table, settings.online.ttlDays);
    const records = featureSet(users, items);
    const t0 = performance.now();
    const published = await store.publish(records, AS_OF);
    const publishSeconds = (performance.now() - t0) / 1000;
    console.log(
      `published ${published.written} records (${users} users, ${items} items) into dynalite in ${publishSeconds.toFixed(1)} s` +
        ` (${Math.round(published.written / publishSeconds)} puts/s, 25 in flight)`,
    );

    const bodies = requestBodies(users, items);
    const parsed = bodies.map((b) => JSON.parse(b) as { user_id: string; product_ids: string[] });
    const events = bodies.map(routeEvent);
    const context = {} as Context;
    const bareReads = async (i: number): Promise<void> => {
      const b = parsed[i % parsed.length] as (typeof parsed)[number];
      await Promise.all([store.getRequestContext(b.user_id, null), store.getItems(b.product_ids)]);
    };
    const viaHandler = async (i: number): Promise<void> => {
      const reply = await handler(events[i % events.length] as APIGatewayProxyEventV2, context);
      if (reply.statusCode !== 200)
        throw new Error(`handler replied ${reply.statusCode}: ${String(reply.body)}`);
    };
    const inProcess = async (name: string, cacheEntries: number, call: (i: number) => Promise<void>) => {
      useWiring({
        featureStore: store,
        settings: loadSettings({ ONLINE_ITEM_CACHE_ENTRIES: String(cacheEntries) }),
      });
      // Warm up connections, the JIT and (when on) the cache over the whole request set.
      for (let i = 0; i < 2 * bodies.length; i++) await call(i);
      return statsRow(name, await measure(requests, call));
    };
    const header = ['path (one request at a time)', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', ''];
    const rows: (string | number)[][] = [header];
    rows.push(await inProcess('bare store reads (2 BatchGetItems, parallel)', 0, bareReads));
    rows.push(await inProcess('handler in-process, item cache off (cold)', 0, viaHandler));
    rows.push(
      await inProcess(
        'handler in-process, item cache warm',
        settings.online.itemCache.maxEntries,
        viaHandler,
      ),
    );
    resetWiring();
    console.log('');
    console.log(
      `POST /features/online, ${CANDIDATES} candidates, ${requests} requests per line, dynalite in-process`,
    );
    console.log(formatTable(rows));

    // End to end: the route served by serverless-offline (the local stack), over real HTTP.
    const lakeDir = mkdtempSync(join(tmpdir(), 'bench-online-'));
    const port = 3000 + (process.pid % 1000) + 100;
    const url = `http://127.0.0.1:${port}`;
    const httpRows: (string | number)[][] = [
      ['over HTTP, one client', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'non-200'],
    ];
    let failures = 0;
    // fetch asks for gzip by default and serverless-offline (hapi) then compresses the ~90 kB reply;
    // API Gateway's HTTP APIs never compress, so `identity` is the figure comparable with AWS.
    const overHttp = (encoding: 'identity' | 'gzip') => async (i: number) => {
      const reply = await fetch(`${url}/features/online`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': encoding },
        body: bodies[i % bodies.length] ?? '',
      });
      await reply.arrayBuffer();
      if (reply.status !== 200) failures++;
    };
    const health = async (): Promise<void> => {
      const reply = await fetch(`${url}/health`);
      await reply.arrayBuffer();
      if (reply.status !== 200) failures++;
    };
    const serve = async <T>(cacheEntries: number, work: () => Promise<T>): Promise<T> => {
      console.log(
        `starting the API with serverless-offline on port ${port}, ONLINE_ITEM_CACHE_ENTRIES=${cacheEntries}…`,
      );
      const api = await startApi(
        {
          lakeUri: lakeDir,
          outputUri: join(lakeDir, 'processed'),
          dynamoEndpoint: dynamo.endpoint,
          port,
          env: { ONLINE_ITEM_CACHE_ENTRIES: String(cacheEntries) },
        },
        () => undefined,
      );
      try {
        return await work();
      } finally {
        await stopChild(api);
      }
    };
    const oneClient = async (name: string, call: (i: number) => Promise<void>) => {
      for (let i = 0; i < 2 * bodies.length; i++) await call(i);
      failures = 0;
      const s = await measure(requests, call);
      httpRows.push(statsRow(name, s, failures));
    };
    let load: autocannon.Result | null = null;
    try {
      await serve(0, async () => {
        const first = performance.now();
        await overHttp('identity')(0);
        httpRows.push([
          `first request after start (lazy init)`,
          (performance.now() - first).toFixed(2),
          '',
          '',
          '',
          '',
        ]);
        await oneClient('GET /health (serverless-offline per request)', health);
        await oneClient('POST /features/online, item cache off (cold)', overHttp('identity'));
        await oneClient('  the same, replies gzipped', overHttp('gzip'));
      });
      await serve(settings.online.itemCache.maxEntries, async () => {
        await oneClient('POST /features/online, item cache warm', overHttp('identity'));
        await oneClient('  the same, replies gzipped', overHttp('gzip'));
        if (duration === 0) return;
        console.log(`load test: autocannon, ${connections} connections, ${duration} s, loopback…`);
        load = await autocannon({
          url,
          connections,
          duration,
          requests: bodies.map((body) => ({
            method: 'POST',
            path: '/features/online',
            headers: { 'content-type': 'application/json' },
            body,
          })),
        });
      });
    } finally {
      rmSync(lakeDir, { recursive: true, force: true });
    }
    console.log('');
    console.log(formatTable(httpRows));
    if (load !== null) {
      const r: autocannon.Result = load;
      const total = r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'];
      allTwoHundred = r.non2xx === 0 && r.errors === 0 && r.timeouts === 0 && total > 0;
      console.log('');
      console.log(
        formatTable([
          [
            'load test (autocannon, warm)',
            'connections',
            's',
            'requests',
            '2xx',
            'non-2xx',
            'errors',
            'req/s',
            'p50 ms',
            'p99 ms',
          ],
          [
            'POST /features/online',
            r.connections,
            r.duration.toFixed(1),
            total,
            r['2xx'],
            r.non2xx,
            r.errors + r.timeouts,
            Math.round(r.requests.average),
            r.latency.p50,
            r.latency.p99,
          ],
        ]),
      );
      console.log(allTwoHundred ? 'every request answered 2xx' : 'NOT every request answered 2xx');
    }
  } finally {
    resetWiring();
    client.destroy();
    await dynamo.close();
  }
  return allTwoHundred ? EXIT.ok : EXIT.failed;
});
