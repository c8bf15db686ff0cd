/**
 * `onRawInteractions` is idempotent per object key (api.md, Events) against dynalite: whatever
 * versions of one key `ingestStream` writes (each a prefix of one run of records, as retried,
 * extended and bisected batches leave them), delivered in any order, several at once, redelivered,
 * or crashing before the marker and then redelivered, the counters hold each line of the longest
 * version exactly once.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { S3Event } from 'aws-lambda';
import fc from 'fast-check';
import type { AddressInfo, Server } from 'node:net';

import { DynamoDbRealtimeCounters } from '../../adapters/dynamodb-realtime-counters';
import { MemoryLake } from '../../adapters/memory-lake';
import { createHandler } from '../../handlers/on-raw-interactions';

// dynalite is CommonJS without types; a typed require keeps the rest of the file checked.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;

const TABLE = 'recsys-counters-property';
const TYPES = ['view', 'add_to_cart', 'purchase'] as const;

let server: Server;
let client: DynamoDBClient;

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
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

/** A client whose marker writes fail: the invocation dies after updating the counters. */
const crashingBeforeMarker = {
  send: (command: unknown) =>
    command instanceof PutItemCommand && command.input.Item?.pk?.S?.startsWith('RT#OBJECT#')
      ? Promise.reject(new Error('connection reset (injected)'))
      : client.send(command as PutItemCommand),
} as unknown as DynamoDBClient;

const eventFor = (key: string, eTag: string): S3Event =>
  ({
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        eventTime: '2024-01-16T12:00:00.000Z',
        s3: { bucket: { name: 'lake' }, object: { key: key.replace(/=/g, '%3D'), eTag } },
      },
    ],
  }) as unknown as S3Event;

async function item(pk: string): Promise<Record<string, AttributeValue> | undefined> {
  return (
    await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true }))
  ).Item;
}

/** One line of the run: who, which session, what. */
const runLine = fc.record({
  user: fc.constantFrom('a', 'b'),
  session: fc.constantFrom('s1', 's2'),
  type: fc.constantFrom(...TYPES),
});

/** One delivery: which version (a prefix length), whether it dies before its marker. */
const deliveryOf = (n: number) => fc.record({ lines: fc.integer({ min: 1, max: n }), crash: fc.boolean() });

test('every version, order, concurrency and crash of one key counts each line of the longest version once', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(runLine, { minLength: 1, maxLength: 8 }).chain((lines) =>
        fc.record({
          lines: fc.constant(lines),
          // Waves of deliveries; the deliveries of one wave run concurrently.
          waves: fc.array(fc.array(deliveryOf(lines.length), { minLength: 1, maxLength: 3 }), {
            minLength: 1,
            maxLength: 4,
          }),
        }),
      ),
      async ({ lines, waves }) => {
        const id = `r${run++}`;
        const key = `raw/interactions/year=2024/month=01/day=16/kinesis-shardId-${id}-1.jsonl`;
        const text = lines.map((l, i) =>
          JSON.stringify({
            interaction_id: `${id}-${i}`,
            user_id: `${id}${l.user}`,
            product_id: 'p1',
            interaction_type: l.type,
            timestamp: `2024-01-16T10:${String(i).padStart(2, '0')}:00Z`,
            session_id: l.session,
          }),
        );
        const deliver = (n: number, crash: boolean) =>
          createHandler(() => ({
            lake: new MemoryLake(`v${n}`, [[key, `${text.slice(0, n).join('\n')}\n`]]),
            lakeS3: null,
            counters: new DynamoDbRealtimeCounters(crash ? crashingBeforeMarker : client, TABLE),
            log: () => undefined,
          }))(eventFor(key, `etag-${n}`));
        let longest = 0;
        for (const wave of waves) {
          const crashed: number[] = [];
          await Promise.all(
            wave.map(async (d) => {
              try {
                await deliver(d.lines, d.crash);
                longest = Math.max(longest, d.lines);
              } catch {
                crashed.push(d.lines);
              }
            }),
          );
          // S3 redelivers what failed.
          for (const n of crashed) {
            await deliver(n, false);
            longest = Math.max(longest, n);
          }
        }
        const applied = lines.slice(0, longest);
        for (const user of ['a', 'b']) {
          const mine = applied.filter((l) => l.user === user);
          const stored = await item(`RT#USER#${id}${user}`);
          const counts = Object.fromEntries(TYPES.map((t) => [t, Number(stored?.counts?.M?.[t]?.N ?? 0)]));
          expect([user, counts]).toEqual([
            user,
            Object.fromEntries(TYPES.map((t) => [t, mine.filter((l) => l.type === t).length])),
          ]);
          for (const session of ['s1', 's2']) {
            const events = Number((await item(`RT#SESSION#${id}${user}#${session}`))?.events?.N ?? 0);
            expect([user, session, events]).toEqual([
              user,
              session,
              mine.filter((l) => l.session === session).length,
            ]);
          }
        }
        expect((await item(`RT#OBJECT#${key}`))?.lines?.N).toBe(String(longest));
      },
    ),
    { numRuns: 60 },
  );
}, 120_000);
