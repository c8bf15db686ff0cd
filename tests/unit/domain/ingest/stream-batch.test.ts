import {
  compareSequenceNumbers,
  jsonlBody,
  lineOf,
  partitionDayOf,
  planStreamBatch,
  streamObjectKey,
  type StreamRecord,
} from '../../../../domain/ingest/stream-batch';

const ARRIVAL_16 = Date.parse('2024-01-16T00:00:03Z');
const rec = (
  sequenceNumber: string,
  text: string,
  arrivalMs = ARRIVAL_16,
  shardId = 'shardId-000000000000',
): StreamRecord => ({
  shardId,
  sequenceNumber,
  text,
  arrivalMs,
});
const event = (id: string, timestamp?: unknown) => JSON.stringify({ interaction_id: id, timestamp });

describe('partitionDayOf: the timestamp grammar', () => {
  test.each([
    [event('a', '2024-01-15T23:59:59.999Z'), '2024-01-15'],
    [event('a', '2024-01-16T00:30:00+01:00'), '2024-01-15'],
    [event('a', '2024-01-15T21:00:00-03:00'), '2024-01-16'],
    [event('a', '2024-01-15T12:00:00'), '2024-01-15'],
  ])('%s → %s', (text, date) => expect(partitionDayOf(text, ARRIVAL_16)).toEqual({ date, byArrival: false }));

  test.each([
    ['no timestamp', event('a')],
    ['a bad date', event('a', '2024-02-30T10:00:00Z')],
    ['no seconds', event('a', '2024-01-15T10:00Z')],
    ['a number', event('a', 1705363200)],
    ['not JSON', 'not json {'],
    ['an array', '[1,2]'],
    ['null', 'null'],
  ])('%s → the arrival day', (_name, text) =>
    expect(partitionDayOf(text, ARRIVAL_16)).toEqual({ date: '2024-01-16', byArrival: true }),
  );
});

describe('lineOf', () => {
  test('a one-line payload is written byte for byte', () => {
    expect(lineOf('{"a":5.0, "b" : 1}')).toBe('{"a":5.0, "b" : 1}');
    expect(lineOf('not json {')).toBe('not json {');
  });
  test('multi-line JSON is compacted; multi-line or blank text becomes a JSON string (one line, lossless)', () => {
    expect(lineOf('{\n  "a": 1\n}\n')).toBe('{"a":1}');
    expect(lineOf('bad\npayload')).toBe('"bad\\npayload"');
    expect(lineOf('')).toBe('""');
    expect(lineOf('   ')).toBe('"   "');
  });
});

describe('compareSequenceNumbers', () => {
  test('numeric order of long decimal strings', () => {
    expect(compareSequenceNumbers('9', '10')).toBeLessThan(0);
    expect(
      compareSequenceNumbers(
        '49590338271490256608559692538361571095921575989136588881',
        '49590338271490256608559692538361571095921575989136588880',
      ),
    ).toBeGreaterThan(0);
    expect(compareSequenceNumbers('123', '123')).toBe(0);
  });
});

describe('partitionDayOf', () => {
  const ARRIVAL = Date.parse('2024-01-16T10:00:00Z');
  test.each([
    ['7 days before arrival: its own day', '2024-01-09T10:00:00.000Z', '2024-01-09', false],
    ['7 days and 1 ms before: the arrival day', '2024-01-09T09:59:59.999Z', '2024-01-16', true],
    ['5 minutes ahead: its own day', '2024-01-16T10:05:00.000Z', '2024-01-16', false],
    ['5 minutes and 1 ms ahead: the arrival day', '2024-01-16T10:05:00.001Z', '2024-01-16', true],
    ['dated 2099', '2099-01-01T00:00:00Z', '2024-01-16', true],
    ['dated 1970', '1970-01-01T00:00:00Z', '2024-01-16', true],
  ])('%s', (_name, ts, date, byArrival) =>
    expect(partitionDayOf(event('a', ts), ARRIVAL)).toEqual({ date, byArrival }),
  );
  test('a 5-minute lead across midnight keeps the event day', () => {
    expect(partitionDayOf(event('a', '2024-01-17T00:02:00Z'), Date.parse('2024-01-16T23:59:00Z'))).toEqual({
      date: '2024-01-17',
      byArrival: false,
    });
  });
});

describe('planStreamBatch', () => {
  test('one object per run of one day in sequence order, falling back to the arrival day, keyed by shard and first sequence number', () => {
    const plan = planStreamBatch([
      rec('100', event('e1', '2024-01-15T23:59:58Z')),
      rec('101', event('e2', '2024-01-16T00:00:01Z')),
      rec('102', event('e3', '2024-01-16T00:30:00+01:00')),
      rec('103', event('e4')),
      rec('104', 'not json {'),
      rec('105', event('e6', '2099-01-01T00:00:00Z')),
      rec('106', event('e7', '2024-01-15T12:00:00Z')),
      rec('107', event('e8', '2024-01-15T13:00:00Z')),
    ]);
    expect(plan.map((o) => [o.key, o.sequenceNumbers])).toEqual([
      ['raw/interactions/year=2024/month=01/day=15/kinesis-shardId-000000000000-100.jsonl.gz', ['100']],
      ['raw/interactions/year=2024/month=01/day=15/kinesis-shardId-000000000000-102.jsonl.gz', ['102']],
      [
        'raw/interactions/year=2024/month=01/day=15/kinesis-shardId-000000000000-106.jsonl.gz',
        ['106', '107'],
      ],
      ['raw/interactions/year=2024/month=01/day=16/kinesis-shardId-000000000000-101.jsonl.gz', ['101']],
      [
        'raw/interactions/year=2024/month=01/day=16/kinesis-shardId-000000000000-103.jsonl.gz',
        ['103', '104', '105'],
      ],
    ]);
    expect(plan[4]?.lines).toEqual([event('e4'), 'not json {', event('e6', '2099-01-01T00:00:00Z')]);
    expect(plan[4]?.byArrival).toBe(3);
    expect(plan.reduce((n, o) => n + o.lines.length, 0)).toBe(8);
  });

  test('records handed over out of order are put in sequence order first', () => {
    const a = rec('10', event('a', '2024-01-15T01:00:00Z'));
    const b = rec('9', event('b', '2024-01-15T02:00:00Z'));
    expect(planStreamBatch([a, b]).map((o) => [o.key, o.sequenceNumbers])).toEqual([
      [streamObjectKey('2024-01-15', 'shardId-000000000000', '9'), ['9', '10']],
    ]);
  });

  test('a retry from a later record, or a longer or shorter batch, keeps the run keys', () => {
    const batch = [
      rec('1', event('a', '2024-01-15T01:00:00Z')),
      rec('2', event('b', '2024-01-16T00:00:01Z')),
      rec('3', event('c', '2024-01-16T00:00:02Z')),
      rec('4', event('d', '2024-01-15T01:00:00Z')),
    ];
    const keys = (rs: StreamRecord[]) => planStreamBatch(rs).map((o) => o.key.split('/').pop());
    expect(keys(batch)).toEqual([
      'kinesis-shardId-000000000000-1.jsonl.gz',
      'kinesis-shardId-000000000000-4.jsonl.gz',
      'kinesis-shardId-000000000000-2.jsonl.gz',
    ]);
    // Resumed at the failed run 2: runs 2 and 4 keep their keys, and the prefix [2] of run 2-3 has key 2 too.
    expect(keys(batch.slice(1))).toEqual([
      'kinesis-shardId-000000000000-4.jsonl.gz',
      'kinesis-shardId-000000000000-2.jsonl.gz',
    ]);
    expect(keys(batch.slice(1, 2))).toEqual(['kinesis-shardId-000000000000-2.jsonl.gz']);
  });

  test('the same batch gives the same plan (a retry overwrites its own objects)', () => {
    const batch = [rec('7', event('a', '2024-01-15T01:00:00Z')), rec('8', event('b'))];
    expect(planStreamBatch(batch)).toEqual(planStreamBatch([...batch]));
  });

  test('shards never share an object', () => {
    const plan = planStreamBatch([
      rec('1', event('a', '2024-01-15T01:00:00Z'), ARRIVAL_16, 'shardId-1'),
      rec('2', event('b', '2024-01-15T01:00:00Z'), ARRIVAL_16, 'shardId-2'),
    ]);
    expect(plan.map((o) => o.key)).toEqual([
      streamObjectKey('2024-01-15', 'shardId-1', '1'),
      streamObjectKey('2024-01-15', 'shardId-2', '2'),
    ]);
  });

  test('an empty batch writes nothing', () => {
    expect(planStreamBatch([])).toEqual([]);
    expect(jsonlBody([])).toBe('');
    expect(jsonlBody(['a', 'b'])).toBe('a\nb\n');
  });
});
