/**
 * `ingestStream` (api.md, Events; data-contract.md §1): every record lands in exactly one object,
 * in its event day's partition when its timestamp lies inside [arrival − 7 days, arrival + 5 min],
 * else in its arrival day's; and any sequence of deliveries Lambda can make of one shard (whole
 * retries after a function error, bisected halves, partial-batch retries from the lowest failed
 * record, regrouped batches), with injected write failures on a real local lake, leaves every record
 * in the lake exactly once.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { LocalLake } from '../../adapters/local-lake';
import { StorageError } from '../../domain/errors';
import { type StreamRecord, planStreamBatch } from '../../domain/ingest/stream-batch';
import type { Lake } from '../../domain/ports';
import { createHandler } from '../../handlers/ingest-stream';

const DAY = 86_400_000;
const MINUTE = 60_000;
const SHARD = 'shardId-000000000000';
/** Kinesis sequence numbers are long decimals; a fixed-length prefix keeps them realistic. */
const seqOf = (i: number): string =>
  `4959033827149025660855969253836157109592157598913${String(i).padStart(7, '0')}`;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** What the timestamp of a generated record is, relative to its arrival. */
type Stamp =
  { readonly kind: 'offset'; readonly ms: number } | { readonly kind: 'none' } | { readonly kind: 'garbage' };

const stamp: fc.Arbitrary<Stamp> = fc.oneof(
  // Inside the window, most of the mass: the usual case, crossing midnight both ways.
  {
    weight: 4,
    arbitrary: fc.integer({ min: -7 * DAY, max: 5 * MINUTE }).map((ms) => ({ kind: 'offset', ms }) as const),
  },
  // The exact bounds and one millisecond past them.
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(-7 * DAY, -7 * DAY - 1, 5 * MINUTE, 5 * MINUTE + 1)
      .map((ms) => ({ kind: 'offset', ms }) as const),
  },
  // Outside: a late replay, a clock ahead, 1970, 2099.
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.integer({ min: -400 * DAY, max: -7 * DAY - 1 }),
        fc.integer({ min: 5 * MINUTE + 1, max: 400 * DAY }),
        fc.constant(-Date.UTC(2024, 0, 1)), // the epoch, relative to an arrival in 2024
        fc.constant(Date.UTC(2099, 0, 1) - Date.UTC(2024, 0, 1)),
      )
      .map((ms) => ({ kind: 'offset', ms }) as const),
  },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'none' } as const, { kind: 'garbage' } as const) },
);

/** One generated stream record: its arrival and its timestamp relative to it. */
const recordSpec = fc.record({
  arrivalMs: fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2024, 11, 31) }),
  stamp,
});
type RecordSpec = typeof recordSpec extends fc.Arbitrary<infer T> ? T : never;

function payloadOf(id: string, spec: RecordSpec): string {
  const { stamp } = spec;
  if (stamp.kind === 'none') return JSON.stringify({ interaction_id: id });
  if (stamp.kind === 'garbage') return JSON.stringify({ interaction_id: id, timestamp: 'yesterday' });
  return JSON.stringify({ interaction_id: id, timestamp: new Date(spec.arrivalMs + stamp.ms).toISOString() });
}

/** The partition a record belongs in, computed independently of the code under test. */
function expectedDay(spec: RecordSpec): string {
  if (spec.stamp.kind !== 'offset') return isoDay(spec.arrivalMs);
  const inside = spec.stamp.ms >= -7 * DAY && spec.stamp.ms <= 5 * MINUTE;
  return isoDay(inside ? spec.arrivalMs + spec.stamp.ms : spec.arrivalMs);
}

const streamRecords = (specs: readonly RecordSpec[], shardId = SHARD): StreamRecord[] =>
  specs.map((spec, i) => ({
    shardId,
    sequenceNumber: seqOf(i),
    text: payloadOf(`e${i}`, spec),
    arrivalMs: spec.arrivalMs,
  }));

/** The day of a `raw/interactions/year=/month=/day=/` key. */
const dayOfKey = (key: string): string => {
  const m = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//.exec(key);
  if (m === null) throw new Error(`not a partition key: ${key}`);
  return `${m[1]}-${m[2]}-${m[3]}`;
};

describe('planStreamBatch', () => {
  test('every record lands in exactly one object, at its event day inside the window, else its arrival day', () => {
    fc.assert(
      fc.property(
        fc.array(recordSpec, { maxLength: 60 }),
        fc.array(fc.constantFrom('shardId-000000000000', 'shardId-000000000001'), { maxLength: 60 }),
        (specs, shards) => {
          const records = streamRecords(specs).map((r, i) => ({ ...r, shardId: shards[i] ?? SHARD }));
          const plan = planStreamBatch(records);
          const placed = new Map<string, string[]>();
          for (const o of plan) {
            expect(o.key.startsWith(`raw/interactions/`)).toBe(true);
            expect(dayOfKey(o.key)).toBe(o.date);
            expect(o.lines).toHaveLength(o.sequenceNumbers.length);
            for (const seq of o.sequenceNumbers) placed.set(seq, [...(placed.get(seq) ?? []), o.date]);
          }
          expect(new Set(plan.map((o) => o.key)).size).toBe(plan.length);
          expect(placed.size).toBe(records.length);
          specs.forEach((spec, i) => expect(placed.get(seqOf(i))).toEqual([expectedDay(spec)]));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** One invocation as the test drives it: how many records Lambda hands over, and what goes wrong. */
const delivery = fc.record({
  size: fc.integer({ min: 1, max: 12 }),
  /** Per write call of the invocation, in call order (cycled): does S3 refuse it? */
  failWrites: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
  /** The invocation dies after its writes (timeout, out of memory): Lambda sees a function error. */
  crash: fc.boolean(),
});

/** A lake whose writes fail where the current delivery says so (the bytes never land). */
class FlakyLake implements Lake {
  failWrites: readonly boolean[] = [false];
  private calls = 0;
  constructor(private readonly inner: Lake) {}
  get uri(): string {
    return this.inner.uri;
  }
  startInvocation(failWrites: readonly boolean[]): void {
    this.failWrites = failWrites;
    this.calls = 0;
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  read(key: string) {
    return this.inner.read(key);
  }
  async write(key: string, body: Uint8Array | string): Promise<void> {
    const fail = this.failWrites[this.calls++ % this.failWrites.length] ?? false;
    if (fail) throw new StorageError(`cannot write ${key}: SlowDown (injected)`);
    await this.inner.write(key, body);
  }
  deletePrefix(prefix: string) {
    return this.inner.deletePrefix(prefix);
  }
  writeIfAbsent(key: string, body: Uint8Array | string) {
    return this.inner.writeIfAbsent(key, body);
  }
  writeStream(key: string, body: AsyncIterable<Uint8Array>) {
    return this.inner.writeStream(key, body);
  }
  uriOf(key: string) {
    return this.inner.uriOf(key);
  }
}

const kinesisEvent = (records: readonly StreamRecord[]): KinesisStreamEvent =>
  ({
    Records: records.map((r) => ({
      eventID: `${r.shardId}:${r.sequenceNumber}`,
      kinesis: {
        data: Buffer.from(r.text, 'utf8').toString('base64'),
        sequenceNumber: r.sequenceNumber,
        approximateArrivalTimestamp: r.arrivalMs / 1000,
      },
    })),
  }) as unknown as KinesisStreamEvent;

describe('ingestStream under Lambda retries', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ingest-retries-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('any sequence of deliveries with write failures leaves each record in the lake exactly once', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordSpec, { minLength: 1, maxLength: 30 }),
        fc.array(delivery, { maxLength: 12 }),
        async (specs, deliveries) => {
          const lake = new FlakyLake(new LocalLake(join(root, `run-${run++}`)));
          const handler = createHandler(() => ({ lake, log: () => undefined }));
          const shard = streamRecords(specs);
          // Lambda's checkpoint: every delivery starts at the first record not yet acknowledged and
          // holds any number of the records after it (a whole retry, a bisected half, a regrouped
          // batch). A clean delivery moves it past the batch; a partial failure moves it to the
          // lowest failed record; a function error leaves it where it was.
          let checkpoint = 0;
          const invoke = async (size: number, failWrites: readonly boolean[], crash: boolean) => {
            const batch = shard.slice(checkpoint, checkpoint + size);
            lake.startInvocation(failWrites);
            const reply = await handler(kinesisEvent(batch));
            if (crash) return;
            const failed = reply.batchItemFailures.map((f) => f.itemIdentifier);
            if (failed.length === 0) {
              checkpoint += batch.length;
              return;
            }
            const lowest = batch.findIndex((r) => failed.includes(r.sequenceNumber));
            expect(lowest).toBeGreaterThanOrEqual(0);
            checkpoint += lowest;
          };
          for (const d of deliveries) {
            if (checkpoint >= shard.length) break;
            await invoke(d.size, d.failWrites, d.crash);
          }
          // The failures stop: Lambda goes on until the shard is read.
          while (checkpoint < shard.length) await invoke(7, [false], false);

          const seen = new Map<string, string[]>();
          for (const o of await lake.list('raw/interactions/')) {
            const text = gunzipSync(await lake.read(o.key)).toString('utf8');
            for (const line of text.split('\n').filter((l) => l !== '')) {
              const id = (JSON.parse(line) as { interaction_id: string }).interaction_id;
              seen.set(id, [...(seen.get(id) ?? []), dayOfKey(o.key)]);
            }
          }
          expect(seen.size).toBe(specs.length);
          specs.forEach((spec, i) => expect(seen.get(`e${i}`)).toEqual([expectedDay(spec)]));
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
