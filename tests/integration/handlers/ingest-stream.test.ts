/**
 * `ingestStream` with a recorded Kinesis event (tests/events/kinesis/) against a real local lake
 * and against S3 (s3rver): exact keys and gzip contents, retries overwrite, write failures are
 * reported per record, and the validation stage reads what was written.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { LocalLake } from '../../../adapters/local-lake';
import { MemoryLake } from '../../../adapters/memory-lake';
import { S3Lake, createS3Client } from '../../../adapters/s3-lake';
import { StorageError } from '../../../domain/errors';
import type { Lake } from '../../../domain/ports';
import { createHandler } from '../../../handlers/ingest-stream';
import { S3rver, type S3rverServer } from '../../support/s3rver';

const EVENT = JSON.parse(
  readFileSync(join(__dirname, '../../events/kinesis/two-days-mixed.json'), 'utf8'),
) as KinesisStreamEvent;
const seqOf = (i: number): string =>
  (EVENT.Records[i] as KinesisStreamEvent['Records'][number]).kinesis.sequenceNumber;
/** Temp directories to remove after the suite. */
const tempDirs: string[] = [];

/** One object per run of consecutive records of one day, keyed by the run's first sequence number. */
const keyOf = (day: string, i: number): string =>
  `raw/interactions/year=2024/month=01/day=${day}/kinesis-shardId-000000000000-${seqOf(i)}.jsonl.gz`;
const KEYS = [keyOf('15', 0), keyOf('15', 2), keyOf('16', 1), keyOf('16', 3)];
const decoded = (i: number): string =>
  Buffer.from((EVENT.Records[i] as KinesisStreamEvent['Records'][number]).kinesis.data, 'base64').toString(
    'utf8',
  );

const linesOf = async (lake: Lake, key: string): Promise<string[]> =>
  gunzipSync(await lake.read(key))
    .toString('utf8')
    .split('\n');

function describeAgainst(name: string, open: () => Promise<Lake>) {
  describe(`ingestStream on ${name}`, () => {
    let lake: Lake;
    beforeAll(async () => {
      lake = await open();
    });

    test('one gzip JSONL object per run of one event day at the shard/sequence key; nothing dropped', async () => {
      const handler = createHandler(() => ({ lake, log: () => undefined }));
      const reply = await handler(EVENT);
      expect(reply).toEqual({ batchItemFailures: [] });
      expect((await lake.list('raw/')).map((o) => o.key)).toEqual(KEYS);
      expect(await linesOf(lake, keyOf('15', 0))).toEqual([decoded(0), '']);
      expect(await linesOf(lake, keyOf('15', 2))).toEqual([decoded(2), '']);
      expect(await linesOf(lake, keyOf('16', 1))).toEqual([decoded(1), '']);
      expect(await linesOf(lake, keyOf('16', 3))).toEqual([
        decoded(3), // no timestamp: the arrival day
        'not json {', // not JSON: kept as its raw text
        JSON.stringify(JSON.parse(decoded(5))), // pretty-printed over several lines: one compact line
        '',
      ]);
    });

    test('a retried batch overwrites the same keys with the same bytes', async () => {
      const handler = createHandler(() => ({ lake, log: () => undefined }));
      const before = await Promise.all(KEYS.map((k) => lake.read(k)));
      await handler(EVENT);
      expect((await lake.list('raw/')).map((o) => o.key)).toEqual(KEYS);
      const after = await Promise.all(KEYS.map((k) => lake.read(k)));
      expect(after.map((b) => Buffer.from(b).toString('hex'))).toEqual(
        before.map((b) => Buffer.from(b).toString('hex')),
      );
    });
  });
}

describeAgainst('a local lake', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-local-'));
  tempDirs.push(dir);
  return new LocalLake(dir);
});

let server: S3rverServer | undefined;
let client: S3Client | undefined;

afterAll(async () => {
  client?.destroy();
  await server?.close();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describeAgainst('S3 (s3rver)', async () => {
  const s3Dir = await mkdtemp(join(tmpdir(), 'ingest-s3rver-'));
  tempDirs.push(s3Dir);
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
  const { port } = await server.run();
  client = createS3Client({
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'lake' }));
  return new S3Lake('s3://lake/prefix', client);
});

describe('write failures', () => {
  test("a failed write reports exactly that day's records; the other day is written", async () => {
    const memory = new MemoryLake('lake');
    const failing: Lake = {
      uri: memory.uri,
      list: (p) => memory.list(p),
      read: (k) => memory.read(k),
      deletePrefix: (p) => memory.deletePrefix(p),
      writeIfAbsent: (k, b) => memory.writeIfAbsent(k, b),
      writeStream: (k, b) => memory.writeStream(k, b),
      uriOf: (k) => memory.uriOf(k),
      write: async (key, body) => {
        if (key.includes('day=16/')) throw new StorageError(`cannot write ${key}: throttled`);
        await memory.write(key, body);
      },
    };
    const logged: string[] = [];
    const handler = createHandler(() => ({ lake: failing, log: (l) => logged.push(l) }));
    const reply = await handler(EVENT);
    expect(reply.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      seqOf(1),
      seqOf(3),
      seqOf(4),
      seqOf(5),
    ]);
    expect((await memory.list('raw/')).map((o) => o.key)).toEqual([keyOf('15', 0), keyOf('15', 2)]);
    expect(logged.join('\n')).toContain('throttled');
  });

  test('the retry from the lowest failed record rewrites the written run, never a second copy', async () => {
    const memory = new MemoryLake('lake');
    let fail = true;
    const flaky: Lake = {
      uri: memory.uri,
      list: (p) => memory.list(p),
      read: (k) => memory.read(k),
      deletePrefix: (p) => memory.deletePrefix(p),
      uriOf: (k) => memory.uriOf(k),
      writeIfAbsent: (k, body) => memory.writeIfAbsent(k, body),
      writeStream: (k, body) => memory.writeStream(k, body),
      write: async (key, body) => {
        if (fail && key === keyOf('16', 1)) throw new StorageError(`cannot write ${key}: throttled`);
        await memory.write(key, body);
      },
    };
    const handler = createHandler(() => ({ lake: flaky, log: () => undefined }));
    const reply = await handler(EVENT);
    expect(reply.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([seqOf(1)]);
    // Lambda resumes at record 1: records 2..5 were written already and come again.
    fail = false;
    expect(await handler({ Records: EVENT.Records.slice(1) })).toEqual({ batchItemFailures: [] });
    expect((await memory.list('raw/')).map((o) => o.key)).toEqual(KEYS);
    const lines = (await Promise.all(KEYS.map((k) => linesOf(memory, k)))).flat().filter((l) => l !== '');
    expect(lines).toHaveLength(EVENT.Records.length);
  });

  test('an empty batch writes nothing and fails nothing', async () => {
    const memory = new MemoryLake('x');
    expect(await createHandler(() => ({ lake: memory }))({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(await memory.list('')).toEqual([]);
  });
});
