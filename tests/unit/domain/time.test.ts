import { addDays, datesBetween, parseDate, parseTimestamp, partitionDateOf } from '../../../domain/time';

// Hand-computed epoch values: 2024-01-15 is day 19737 since 1970-01-01 (54 years incl. 13 leap days).
const JAN_15_2024 = 19737 * 86_400_000;
const HOUR = 3_600_000;

describe('parseTimestamp', () => {
  test('the epoch with Z is 0 and not naive', () => {
    expect(parseTimestamp('1970-01-01T00:00:00Z')).toEqual({ ms: 0, naive: false });
  });

  test('Z timestamps are UTC', () => {
    expect(parseTimestamp('2024-01-15T10:20:30Z')).toEqual({
      ms: JAN_15_2024 + 10 * HOUR + 20 * 60_000 + 30_000,
      naive: false,
    });
  });

  test('a positive offset is subtracted to reach UTC', () => {
    // 10:20:30+02:00 is 08:20:30Z.
    expect(parseTimestamp('2024-01-15T10:20:30+02:00')?.ms).toBe(
      JAN_15_2024 + 8 * HOUR + 20 * 60_000 + 30_000,
    );
  });

  test('a negative offset with minutes is added to reach UTC', () => {
    // 10:20:30-05:30 is 15:50:30Z.
    expect(parseTimestamp('2024-01-15T10:20:30-05:30')?.ms).toBe(
      JAN_15_2024 + 15 * HOUR + 50 * 60_000 + 30_000,
    );
  });

  test('an offset can move the instant to the previous UTC day', () => {
    // 1970-01-02T00:00+01:00 is 1970-01-01T23:00Z.
    expect(parseTimestamp('1970-01-02T00:00:00.000+01:00')?.ms).toBe(23 * HOUR);
  });

  test('+00:00 is the same instant as Z', () => {
    expect(parseTimestamp('2024-01-15T00:00:00+00:00')).toEqual({ ms: JAN_15_2024, naive: false });
  });

  test.each([
    ['.1239', 123],
    ['.5', 500],
    ['.05', 50],
    ['.999999', 999],
    ['.123456789', 123],
    ['.0009', 0],
  ])('fraction %s is truncated to %i ms', (fraction, ms) => {
    expect(parseTimestamp(`1970-01-01T00:00:00${fraction}Z`)?.ms).toBe(ms);
  });

  test('a timestamp without zone is read as UTC and flagged naive', () => {
    expect(parseTimestamp('2024-01-15T10:00:00')).toEqual({ ms: JAN_15_2024 + 10 * HOUR, naive: true });
    expect(parseTimestamp('2024-01-15T10:00:00.250')).toEqual({
      ms: JAN_15_2024 + 10 * HOUR + 250,
      naive: true,
    });
  });

  test('leap days: 2024-02-29 and 2000-02-29 are real dates', () => {
    // 2024-02-29 is 45 days after 2024-01-15.
    expect(parseTimestamp('2024-02-29T00:00:00Z')?.ms).toBe(JAN_15_2024 + 45 * 86_400_000);
    // 2000-03-01 is day 11017; 2000-02-29 the day before.
    expect(parseTimestamp('2000-02-29T00:00:00Z')?.ms).toBe(11016 * 86_400_000);
  });

  test.each([
    ['2024-02-30T00:00:00Z', 'Feb 30 (Date.parse accepts it)'],
    ['2023-02-29T00:00:00Z', 'Feb 29 of a common year'],
    ['1900-02-29T00:00:00Z', 'Feb 29 of a century that is not a leap year'],
    ['2024-04-31T00:00:00Z', 'April 31'],
    ['2024-13-01T00:00:00Z', 'month 13'],
    ['2024-00-10T00:00:00Z', 'month 0'],
    ['2024-01-00T00:00:00Z', 'day 0'],
    ['2024-01-15T24:00:00Z', 'hour 24'],
    ['2024-01-15T23:60:00Z', 'minute 60'],
    ['2024-01-15T23:59:60Z', 'second 60'],
    ['2024-01-15t10:00:00Z', 'lowercase t'],
    ['2024-01-15T10:00:00z', 'lowercase z'],
    ['2024-01-15T10:00Z', 'missing seconds'],
    ['2024-01-15T10:00', 'missing seconds, naive'],
    ['2024-01-15 10:00:00Z', 'space instead of T'],
    ['2024-01-15', 'date only'],
    ['2024-1-15T10:00:00Z', 'one-digit month'],
    ['2024-01-15T10:00:00+0200', 'offset without colon'],
    ['2024-01-15T10:00:00+02', 'offset without minutes'],
    ['2024-01-15T10:00:00.Z', 'empty fraction'],
    ['2024-01-15T10:00:00,5Z', 'comma fraction'],
    [' 2024-01-15T10:00:00Z', 'leading space'],
    ['2024-01-15T10:00:00Z ', 'trailing space'],
    ['', 'empty string'],
    ['not a date', 'prose'],
  ])('%j is rejected (%s)', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe('parseDate', () => {
  test('a real date gives its UTC midnight', () => {
    expect(parseDate('1970-01-01')).toBe(0);
    expect(parseDate('2024-01-15')).toBe(JAN_15_2024);
    expect(parseDate('2024-02-29')).toBe(JAN_15_2024 + 45 * 86_400_000);
  });

  test.each(['2023-02-29', '2024-02-30', '2024-1-15', '2024-01-15T00:00:00Z', '20240115', ''])(
    '%j is not a date',
    (text) => {
      expect(parseDate(text)).toBeNull();
    },
  );
});

describe('addDays', () => {
  test('crosses month, leap-day and year boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addDays('2024-01-15', 0)).toBe('2024-01-15');
  });

  test('goes backwards with a negative count', () => {
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-01-01', -1)).toBe('2023-12-31');
    expect(addDays('2024-01-15', -35)).toBe('2023-12-11');
  });
});

describe('datesBetween', () => {
  test('lists every date, both ends included', () => {
    expect(datesBetween('2024-02-27', '2024-03-01')).toEqual([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
  });

  test('a one-day range has one date', () => {
    expect(datesBetween('2024-01-15', '2024-01-15')).toEqual(['2024-01-15']);
  });

  test('an inverted range is empty', () => {
    expect(datesBetween('2024-01-16', '2024-01-15')).toEqual([]);
  });
});

describe('partitionDateOf', () => {
  test('reads the date of a partition key', () => {
    expect(partitionDateOf('raw/interactions/year=2024/month=01/day=15/part-0.jsonl')).toBe('2024-01-15');
    expect(partitionDateOf('raw/products/year=2024/month=02/day=29/dump.jsonl.gz')).toBe('2024-02-29');
  });

  test('rejects keys with no partition or a date that does not exist', () => {
    expect(partitionDateOf('raw/interactions/part-0.jsonl')).toBeNull();
    expect(partitionDateOf('raw/interactions/year=2024/month=1/day=15/part-0.jsonl')).toBeNull();
    expect(partitionDateOf('raw/interactions/year=2023/month=02/day=29/part-0.jsonl')).toBeNull();
    expect(partitionDateOf('raw/interactions/year=2024/month=02/day=30/part-0.jsonl')).toBeNull();
  });
});
