import {
  compareSequenceNumbers,
  eventDayOf,
  jsonlBody,
  lineOf,
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

describe('eventDayOf', () => {
  test.each([
    [event('a', '2024-01-15T23:59:59.999Z'), '2024-01-15'],
    [event('a', '2024-01-16T00:30:00+01:00'), '2024-01-15'],
    [event('a', '2024-01-15T22:00:00-03:00'), '2024-01-16'],
    [event('a', '2024-01-15T12:00:00'), '2024-01-15'],
  ])('%s → %s', (text, day) => expect(eventDayOf(text)).toBe(day));

  test.each([
    ['no timestamp', event('a')],
    ['a bad date', event('a', '2024-02-30T10:00:00Z')],
    ['no seconds', event('a', '2024-01-15T10:00Z')],
    ['a number', event('a', 1705363200)],
    ['not JSON', 'not json {'],
    ['an array', '[1,2]'],
    ['null', 'null'],
  ])('%s → null', (_name, text) => expect(eventDayOf(text)).toBeNull());
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

describe('planStreamBatch', () => {
  test('groups by event day, falls back to the arrival day, keys by shard and first/last sequence number', () => {
    const plan = planStreamBatch([
      rec('100', event('e1', '2024-01-15T23:59:58Z')),
      rec('101', event('e2', '2024-01-16T00:00:01Z')),
      rec('102', event('e3', '2024-01-16T00:30:00+01:00')),
      rec('103', event('e4')),
      rec('104', 'not json {'),
    ]);
    expect(plan.map((o) => o.key)).toEqual([
      'raw/interactions/year=2024/month=01/day=15/kinesis-shardId-000000000000-100-102.jsonl.gz',
      'raw/interactions/year=2024/month=01/day=16/kinesis-shardId-000000000000-101-104.jsonl.gz',
    ]);
    expect(plan[0]?.sequenceNumbers).toEqual(['100', '102']);
    expect(plan[1]?.sequenceNumbers).toEqual(['101', '103', '104']);
    expect(plan[1]?.lines).toEqual([event('e2', '2024-01-16T00:00:01Z'), event('e4'), 'not json {']);
    expect(plan[1]?.byArrival).toBe(2);
    expect(plan.reduce((n, o) => n + o.lines.length, 0)).toBe(5);
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
      streamObjectKey('2024-01-15', 'shardId-1', '1', '1'),
      streamObjectKey('2024-01-15', 'shardId-2', '2', '2'),
    ]);
  });

  test('an empty batch writes nothing', () => {
    expect(planStreamBatch([])).toEqual([]);
    expect(jsonlBody([])).toBe('');
    expect(jsonlBody(['a', 'b'])).toBe('a\nb\n');
  });
});
