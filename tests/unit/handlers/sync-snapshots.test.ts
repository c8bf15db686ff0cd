import { syncDate } from '../../../handlers/sync-snapshots';

describe('the day syncSnapshots dumps', () => {
  const NOW = Date.parse('2024-03-10T12:00:00Z');

  it('is the day before a scheduled event’s time (01:00 UTC: the day the 02:00 run processes)', () => {
    expect(syncDate({ time: '2024-02-01T01:00:00Z' }, NOW)).toBe('2024-01-31');
    expect(syncDate({ time: '2024-03-01T01:00:00Z' }, NOW)).toBe('2024-02-29');
  });

  it('is the day before the clock without an event time, or the date asked for', () => {
    expect(syncDate({}, NOW)).toBe('2024-03-09');
    expect(syncDate({ date: '2024-01-15', time: '2024-02-01T01:00:00Z' }, NOW)).toBe('2024-01-15');
  });

  it('refuses a date that is not a calendar day, naming it', () => {
    expect(() => syncDate({ date: '2024-02-30' }, NOW)).toThrow(
      'invalid date "2024-02-30": expected YYYY-MM-DD',
    );
  });
});
