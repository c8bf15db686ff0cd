/**
 * `npm run bench:online -- [--users 5000] [--items 2000] [--requests 1000] [--concurrency 16]`
 * Starts dynalite in-process, publishes a generated feature set, then measures
 * `POST /features/online` with 100 candidates: (1) the bare store reads the handler makes (GetItem
 * of the user and one BatchGetItem of 100 items, in parallel), (2) the handler invoked in-process
 * with an HTTP API v2 event. Each is run one request at a time (latency) and with `--concurrency`
 * requests in flight (throughput).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Runs `requests` calls of `call` with `concurrency` in flight; latency percentiles in ms. */
async function measure(
  requests: number,
  concurrency: number,
  call: (i: number) => Promise<void>,
): Promise<Stats> {
  const latencies = new Float64Array(requests);
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const i = next++;
      const t0 = performance.now();
      await call(i);
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  const at = (q: number): number => latencies[Math.min(requests - 1, Math.floor(q * requests))] as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), perSecond: requests / seconds };
}

const SPEC = {
  command: 'npm run bench:online --',
  summary:
    'Starts dynalite in-process, publishes a generated feature set and measures POST /features/online ' +
    `with ${CANDIDATES} candidates: the bare store reads, then the handler, one at a time and concurrently.`,
  flags: {
    users: { type: 'string', description: 'Users in the feature set', default: '5000', placeholder: 'n' },
    items: {
      type: 'string',
      description: `Items in the feature set, at least ${CANDIDATES}`,
      default: '2000',
      placeholder: 'n',
    },
    requests: { type: 'string', description: 'Requests per measurement', default: '1000', placeholder: 'n' },
    concurrency: {
      type: 'string',
      description: 'Requests in flight for the throughput runs',
      default: '16',
      placeholder: 'n',
    },
  },
  examples: ['npm run bench:online', 'npm run bench:online -- --requests 200 --concurrency 8'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

runCli(async () => {
  const flags = parseCli(SPEC, process.argv.slice(2));
  const users = positiveInt('users', flags.users, 5_000);
  const items = positiveInt('items', flags.items, 2_000);
  const requests = positiveInt('requests', flags.requests, 1_000);
  const concurrency = positiveInt('concurrency', flags.concurrency, 16);
  if (items < CANDIDATES) throw new UsageError(`--items must be at least ${CANDIDATES}`);

  const settings = loadSettings({});
  const dynamo = await startDynalite();
  // The table the `local` stage of serverless.yml names, so the served API reads the same items.
  const table = LOCAL_TABLE;
  const client = createDynamoDbClient({ endpoint: dynamo.endpoint });
  try {
    await ensureFeatureTable(client, table);
    const store = new DynamoDbFeatureStore(client, table, settings.online.ttlDays);
    useWiring({ featureStore: store });
    const records = featureSet(users, items);
    const t0 = performance.now();
    const published = await store.publish(records, AS_OF);
    const publishSeconds = (performance.now() - t0) / 1000;
    console.log(
      `published ${published.written} records (${users} users, ${items} items) into dynalite in ${publishSeconds.toFixed(1)} s` +
        ` (${Math.round(published.written / publishSeconds)} puts/s, 25 in flight)`,
    );

    // Request i: a user and 100 distinct candidates, both spread deterministically over the set.
    const rnd = mulberry32(11);
    const bodies = Array.from({ length: 64 }, () => {
      const start = Math.floor(rnd() * items);
      return {
        user_id: `u_${String(Math.floor(rnd() * users)).padStart(6, '0')}`,
        product_ids: Array.from(
          { length: CANDIDATES },
          (_, k) => `p_${String((start + k * 7) % items).padStart(6, '0')}`,
        ),
        at: AT,
      };
    });
    const events = bodies.map((b): APIGatewayProxyEventV2 => ({
      version: '2.0',
      routeKey: 'POST /features/online',
      rawPath: '/features/online',
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      requestContext: {} as APIGatewayProxyEventV2['requestContext'],
      isBase64Encoded: false,
      body: JSON.stringify(b),
    }));
    const context = {} as Context;
    const bareReads = async (i: number): Promise<void> => {
      const b = bodies[i % bodies.length] as (typeof bodies)[number];
      await Promise.all([store.getUser(b.user_id), store.getItems(b.product_ids)]);
    };
    const viaHandler = async (i: number): Promise<void> => {
      const reply = await handler(events[i % events.length] as APIGatewayProxyEventV2, context);
      if (reply.statusCode !== 200)
        throw new Error(`handler replied ${reply.statusCode}: ${String(reply.body)}`);
    };
    // Warm up connections and the JIT.
    await measure(100, 4, bareReads);
    await measure(100, 4, viaHandler);

    const rows: (string | number)[][] = [['path', 'in flight', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s']];
    for (const [name, call] of [
      ['bare store reads (GetItem + BatchGetItem x100)', bareReads],
      ['handler in-process (HTTP API v2 event)', viaHandler],
    ] as const) {
      for (const inFlight of [1, concurrency]) {
        const s = await measure(requests, inFlight, call);
        rows.push([
          name,
          inFlight,
          s.p50.toFixed(2),
          s.p95.toFixed(2),
          s.p99.toFixed(2),
          Math.round(s.perSecond),
        ]);
      }
    }
    console.log('');
    console.log(
      `POST /features/online, ${CANDIDATES} candidates, ${requests} requests per line, dynalite in-process`,
    );
    console.log(formatTable(rows));

    // End to end: the same route served by serverless-offline (the local stack), over real HTTP.
    const lakeDir = mkdtempSync(join(tmpdir(), 'bench-online-'));
    const port = 3000 + (process.pid % 1000) + 100;
    console.log(`starting the API with serverless-offline on port ${port} (bundles the handlers)…`);
    const api = await startApi(
      { lakeUri: lakeDir, outputUri: join(lakeDir, 'processed'), dynamoEndpoint: dynamo.endpoint, port },
      () => undefined,
    );
    try {
      let failures = 0;
      const overHttp = async (i: number): Promise<void> => {
        const reply = await fetch(`http://127.0.0.1:${port}/features/online`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: events[i % events.length]?.body ?? '',
        });
        await reply.arrayBuffer();
        if (reply.status !== 200) failures++;
      };
      await measure(100, 4, overHttp);
      const httpRows: (string | number)[][] = [
        ['path', 'in flight', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'non-200'],
      ];
      for (const inFlight of [1, concurrency]) {
        failures = 0;
        const s = await measure(requests, inFlight, overHttp);
        httpRows.push([
          'HTTP via serverless-offline',
          inFlight,
          s.p50.toFixed(2),
          s.p95.toFixed(2),
          s.p99.toFixed(2),
          Math.round(s.perSecond),
          failures,
        ]);
      }
      console.log('');
      console.log(formatTable(httpRows));
    } finally {
      await stopChild(api);
      rmSync(lakeDir, { recursive: true, force: true });
    }
  } finally {
    resetWiring();
    client.destroy();
    await dynamo.close();
  }
});
