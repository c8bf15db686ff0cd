/**
 * `onRawInteractions` with a recorded S3 event (tests/events/s3/) against a local lake and
 * dynalite in-process (the real DynamoDB wire protocol): counters, idempotency per object,
 * a second object adding, a new day resetting, and a crash before the marker not double counting.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { S3Event } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DynamoDbRealtimeCounters } from '../../../adapters/dynamodb-realtime-counters';
import { gzip } from '../../../adapters/jsonl';
import { LocalLake } from '../../../adapters/local-lake';
import { createHandler, lakeKeyOf } from '../../../handlers/on-raw-interactions';

// dynalite is CommonJS without types; a typed require keeps the rest of the file checked.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;

const TABLE = 'recsys-features-test';
const EVENT = JSON.parse(
  readFileSync(join(__dirname, '../../events/s3/object-created.json'), 'utf8'),
) as S3Event;
const KEY_1 = 'raw/interactions/year=2024/month=01/day=15/kinesis-shardId-000000000000-100-105.jsonl.gz';

let server: Server;
let client: DynamoDBClient;
let dir: string;
let lake: LocalLake;

/**
 * The recorded event, pointed at another object (key as S3 encodes it) and ETag, created at
 * `eventTime` (the arrival the counters measure event times against).
 */
function eventFor(key: string, eTag: string, eventTime = '2024-01-16T12:00:00.000Z'): S3Event {
  const record = EVENT.Records[0] as S3Event['Records'][number];
  return {
    Records: [
      {
        ...record,
        eventTime,
        s3: { ...record.s3, object: { ...record.s3.object, key: key.replace(/=/g, '%3D'), eTag } },
      },
    ],
  };
}

const line = (id: string, user: string, session: string, type: string, ts: string) =>
  JSON.stringify({
    interaction_id: id,
    user_id: user,
    product_id: 'p1',
    interaction_type: type,
    timestamp: ts,
    session_id: session,
  });

async function item(pk: string): Promise<Record<string, AttributeValue> | undefined> {
  return (
    await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true }))
  ).Item;
}

async function user(id: string) {
  const it = await item(`RT#USER#${id}`);
  if (it === undefined) return undefined;
  const m = it.counts?.M ?? {};
  return {
    day: it.day?.S,
    last_interaction_at: it.last_interaction_at?.S,
    counts: {
      view: Number(m.view?.N),
      add_to_cart: Number(m.add_to_cart?.N),
      purchase: Number(m.purchase?.N),
    },
    ttl: Number(it.ttl?.N),
  };
}

async function session(u: string, s: string) {
  const it = await item(`RT#SESSION#${u}#${s}`);
  return it === undefined
    ? undefined
    : {
        events: Number(it.events?.N),
        first_at: it.first_at?.S,
        last_at: it.last_at?.S,
        ttl: Number(it.ttl?.N),
      };
}

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  dir = await mkdtemp(join(tmpdir(), 'rt-counters-'));
  lake = new LocalLake(dir);
  await lake.write(
    KEY_1,
    gzip(
      [
        line('e1', 'u1', 's1', 'view', '2024-01-15T10:00:00Z'),
        line('e2', 'u1', 's1', 'add_to_cart', '2024-01-15T10:01:00Z'),
        line('e3', 'u1', 's1', 'purchase', '2024-01-15T10:02:00.250Z'),
        line('e4', 'u2', 's9', 'view', '2024-01-15T09:00:00Z'),
        line('e5', 'u1', 's2', 'VIEW ', '2024-01-15T11:00:00+01:00'),
        '{"truncated": ',
        line('e6', 'u3', 's1', 'view', '2024-01-14T23:59:59Z'), // another day's partition: validation's
        line('e7', 'u3', 's1', 'click', '2024-01-15T10:00:00Z'),
        '',
      ].join('\n'),
    ),
  );
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const handlerWith = (
  counters = new DynamoDbRealtimeCounters(client, TABLE, () => Date.UTC(2024, 0, 15, 10, 15)),
) => createHandler(() => ({ lake, lakeS3: null, counters, log: () => undefined }));

describe('onRawInteractions', () => {
  test('counters per user (the day, counts per type, last interaction) and per session', async () => {
    expect(await handlerWith()(EVENT)).toEqual({ processed: 1, skipped: 0 });
    expect(await user('u1')).toEqual({
      day: '2024-01-15',
      last_interaction_at: '2024-01-15T10:02:00.250Z',
      counts: { view: 2, add_to_cart: 1, purchase: 1 },
      ttl: Math.floor(Date.parse('2024-01-17T10:02:00.250Z') / 1000),
    });
    expect(await user('u2')).toMatchObject({ counts: { view: 1, add_to_cart: 0, purchase: 0 } });
    expect(await user('u3')).toBeUndefined();
    expect(await session('u1', 's1')).toEqual({
      events: 3,
      first_at: '2024-01-15T10:00:00.000Z',
      last_at: '2024-01-15T10:02:00.250Z',
      ttl: Math.floor(Date.parse('2024-01-17T10:02:00.250Z') / 1000),
    });
    expect(await session('u1', 's2')).toMatchObject({ events: 1, first_at: '2024-01-15T10:00:00.000Z' });
    const marker = await item(`RT#OBJECT#${KEY_1}`);
    expect(marker?.records?.N).toBe('5');
    expect(marker?.lines?.N).toBe('8');
  });

  test('the same object delivered again is not counted twice', async () => {
    expect(await handlerWith()(EVENT)).toEqual({ processed: 0, skipped: 1 });
    expect((await user('u1'))?.counts).toEqual({ view: 2, add_to_cart: 1, purchase: 1 });
    expect((await session('u1', 's1'))?.events).toBe(3);
  });

  test('a second object adds', async () => {
    const key = 'raw/interactions/year=2024/month=01/day=15/part-00001.jsonl';
    await lake.write(
      key,
      `${line('f1', 'u1', 's1', 'view', '2024-01-15T12:00:00Z')}\n${line('f2', 'u4', 's1', 'view', '2024-01-15T12:00:00Z')}\n`,
    );
    expect(await handlerWith()(eventFor(key, 'etag-2'))).toEqual({ processed: 1, skipped: 0 });
    expect(await user('u1')).toMatchObject({
      last_interaction_at: '2024-01-15T12:00:00.000Z',
      counts: { view: 3, add_to_cart: 1, purchase: 1 },
    });
    expect((await session('u1', 's1'))?.events).toBe(4);
    expect((await user('u4'))?.counts.view).toBe(1);
  });

  test('a crash before the marker: the retry applies only what is missing', async () => {
    const key = 'raw/interactions/year=2024/month=01/day=15/part-00002.jsonl';
    await lake.write(key, `${line('g1', 'u1', 's1', 'purchase', '2024-01-15T13:00:00Z')}\n`);
    let crash = true;
    const flaky = {
      send: (command: unknown) => {
        if (crash && command instanceof PutItemCommand && command.input.Item?.pk?.S?.startsWith('RT#OBJECT#'))
          return Promise.reject(new Error('connection reset'));
        return client.send(command as PutItemCommand);
      },
    } as unknown as DynamoDBClient;
    await expect(
      handlerWith(new DynamoDbRealtimeCounters(flaky, TABLE))(eventFor(key, 'etag-3')),
    ).rejects.toThrow('connection reset');
    expect((await user('u1'))?.counts.purchase).toBe(2);
    crash = false;
    expect(await handlerWith(new DynamoDbRealtimeCounters(flaky, TABLE))(eventFor(key, 'etag-3'))).toEqual({
      processed: 1,
      skipped: 0,
    });
    expect((await user('u1'))?.counts).toEqual({ view: 3, add_to_cart: 1, purchase: 2 });
    expect((await session('u1', 's1'))?.events).toBe(5);
  });

  test('concurrent deliveries of one object count it once', async () => {
    const key = 'raw/interactions/year=2024/month=01/day=15/part-00003.jsonl';
    await lake.write(key, `${line('h1', 'u5', 's1', 'view', '2024-01-15T14:00:00Z')}\n`);
    await Promise.all([1, 2, 3].map(() => handlerWith()(eventFor(key, 'etag-4'))));
    expect((await user('u5'))?.counts.view).toBe(1);
  });

  test('an object of the next day resets the day counts', async () => {
    const key = 'raw/interactions/year=2024/month=01/day=16/part-00000.jsonl';
    await lake.write(key, `${line('k1', 'u1', 's3', 'add_to_cart', '2024-01-16T00:05:00Z')}\n`);
    await handlerWith()(eventFor(key, 'etag-5'));
    expect(await user('u1')).toMatchObject({
      day: '2024-01-16',
      last_interaction_at: '2024-01-16T00:05:00.000Z',
      counts: { view: 0, add_to_cart: 1, purchase: 0 },
    });
    // A late object of the previous day leaves today's counts alone.
    const late = 'raw/interactions/year=2024/month=01/day=15/part-00009.jsonl';
    await lake.write(late, `${line('k2', 'u1', 's1', 'view', '2024-01-15T23:00:00Z')}\n`);
    await handlerWith()(eventFor(late, 'etag-6'));
    expect((await user('u1'))?.counts).toEqual({ view: 0, add_to_cart: 1, purchase: 0 });
  });

  test('one event dated 2099 cannot freeze a user, one dated 1970 cannot touch one, one hours ahead is ignored', async () => {
    const at = '2024-01-16T12:00:00.000Z';
    const future = 'raw/interactions/year=2099/month=01/day=01/part-00000.jsonl';
    await lake.write(future, `${line('x1', 'u6', 's1', 'view', '2099-01-01T00:00:00Z')}\n`);
    const past = 'raw/interactions/year=1970/month=01/day=01/part-00000.jsonl';
    await lake.write(past, `${line('x2', 'u8', 's1', 'view', '1970-01-01T00:00:00Z')}\n`);
    const ahead = 'raw/interactions/year=2024/month=01/day=16/part-00100.jsonl';
    await lake.write(ahead, `${line('x3', 'u7', 's1', 'view', '2024-01-16T23:00:00Z')}\n`);
    for (const [key, tag] of [
      [future, 'etag-f'],
      [past, 'etag-p'],
      [ahead, 'etag-a'],
    ] as const)
      await handlerWith()(eventFor(key, tag, at));
    expect(await user('u8')).toBeUndefined();
    expect(await session('u8', 's1')).toBeUndefined();
    expect(await user('u7')).toBeUndefined();
    // The next real event of u6 counts as it would have without the 2099 one.
    const today = 'raw/interactions/year=2024/month=01/day=16/part-00101.jsonl';
    await lake.write(
      today,
      `${line('x4', 'u6', 's1', 'view', '2024-01-16T11:59:00Z')}\n${line('x5', 'u7', 's1', 'view', '2024-01-16T12:04:59Z')}\n`,
    );
    await handlerWith()(eventFor(today, 'etag-t', at));
    expect(await user('u6')).toMatchObject({
      day: '2024-01-16',
      last_interaction_at: '2024-01-16T11:59:00.000Z',
      counts: { view: 1, add_to_cart: 0, purchase: 0 },
    });
    expect(await user('u7')).toMatchObject({ last_interaction_at: '2024-01-16T12:04:59.000Z' });
  });

  test('a key rewritten by a retried batch (longer, then shorter) counts each line once', async () => {
    const key = 'raw/interactions/year=2024/month=01/day=16/kinesis-shardId-000000000000-900.jsonl.gz';
    const lines = [
      line('r1', 'u9', 's1', 'view', '2024-01-16T10:00:00Z'),
      line('r2', 'u9', 's1', 'view', '2024-01-16T10:01:00Z'),
      line('r3', 'u9', 's1', 'purchase', '2024-01-16T10:02:00Z'),
    ];
    const write = (n: number) => lake.write(key, gzip(`${lines.slice(0, n).join('\n')}\n`));
    await write(2);
    expect(await handlerWith()(eventFor(key, 'v1'))).toEqual({ processed: 1, skipped: 0 });
    await write(3);
    expect(await handlerWith()(eventFor(key, 'v2'))).toEqual({ processed: 1, skipped: 0 });
    expect((await user('u9'))?.counts).toEqual({ view: 2, add_to_cart: 0, purchase: 1 });
    expect((await session('u9', 's1'))?.events).toBe(3);
    await write(1);
    expect(await handlerWith()(eventFor(key, 'v3'))).toEqual({ processed: 0, skipped: 1 });
    await write(3);
    expect(await handlerWith()(eventFor(key, 'v2'))).toEqual({ processed: 0, skipped: 1 });
    expect((await user('u9'))?.counts).toEqual({ view: 2, add_to_cart: 0, purchase: 1 });
    expect((await session('u9', 's1'))?.events).toBe(3);
  });

  test('two versions of one key applied concurrently count each line once', async () => {
    const key = 'raw/interactions/year=2024/month=01/day=16/kinesis-shardId-000000000000-950.jsonl';
    const lines = [1, 2, 3].map((i) => line(`c${i}`, 'u10', 's1', 'view', `2024-01-16T10:0${i}:00Z`));
    const short = new LocalLake(dir);
    const long = new LocalLake(`${dir}-long`);
    await short.write(key, `${lines.slice(0, 2).join('\n')}\n`);
    await long.write(key, `${lines.join('\n')}\n`);
    const counters = new DynamoDbRealtimeCounters(client, TABLE);
    const over = (l: LocalLake) =>
      createHandler(() => ({ lake: l, lakeS3: null, counters, log: () => undefined }));
    try {
      await Promise.all([over(short)(eventFor(key, 'two')), over(long)(eventFor(key, 'three'))]);
    } finally {
      await rm(`${dir}-long`, { recursive: true, force: true });
    }
    expect((await user('u10'))?.counts.view).toBe(3);
    expect((await session('u10', 's1'))?.events).toBe(3);
    expect((await item(`RT#OBJECT#${key}`))?.lines?.N).toBe('3');
  });

  test('objects outside raw/interactions, missing objects and other buckets are skipped', async () => {
    expect(await handlerWith()(eventFor('raw/products/year=2024/month=01/day=15/p.jsonl', 'x'))).toEqual({
      processed: 0,
      skipped: 1,
    });
    expect(
      await handlerWith()(eventFor('raw/interactions/year=2024/month=01/day=15/gone.jsonl', 'x')),
    ).toEqual({
      processed: 0,
      skipped: 1,
    });
    expect(lakeKeyOf({ bucket: 'recsys-lake', prefix: 'lake' }, 'other', 'lake/raw/x')).toBeNull();
    expect(lakeKeyOf({ bucket: 'recsys-lake', prefix: 'lake' }, 'recsys-lake', 'lake/raw/a+b%3D1')).toBe(
      'raw/a b=1',
    );
    expect(lakeKeyOf({ bucket: 'recsys-lake', prefix: 'lake' }, 'recsys-lake', 'lakes/raw/x')).toBeNull();
  });
});
