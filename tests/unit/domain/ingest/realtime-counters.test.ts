import {
  absorbedLines,
  applySessionActivity,
  applyUserActivity,
  type CountedEvent,
  MAX_REMEMBERED_OBJECTS,
  summarizeObject,
} from '../../../../domain/ingest/realtime-counters';

const line = (over: Record<string, unknown>) =>
  JSON.stringify({
    interaction_id: 'i',
    user_id: 'u1',
    product_id: 'p1',
    interaction_type: 'view',
    timestamp: '2024-01-15T10:00:00Z',
    session_id: 's1',
    ...over,
  });

/** The object was created at noon of its day. */
const ARRIVAL = Date.parse('2024-01-15T12:00:00Z');

describe('summarizeObject', () => {
  test('counts valid records of the day per user and session, with their lines; skips everything else', () => {
    const activity = summarizeObject(
      [
        line({ timestamp: '2024-01-15T10:00:00Z' }),
        line({ timestamp: '2024-01-15T10:05:00Z', interaction_type: ' Add_To_Cart ' }),
        line({ timestamp: '2024-01-15T09:00:00Z', session_id: 's2', interaction_type: 'purchase' }),
        line({ user_id: ' u2 ', timestamp: '2024-01-15T11:00:00+01:00' }),
        line({ timestamp: '2024-01-16T00:00:00Z' }), // wrong partition
        line({ interaction_type: 'click' }),
        line({ timestamp: '2024-02-30T10:00:00Z' }),
        'not json',
        '',
      ],
      '2024-01-15',
      ARRIVAL,
    );
    expect(activity.lines).toBe(9);
    expect(activity.records).toBe(4);
    expect(activity.skipped).toBe(4);
    const ms = (ts: string) => Date.parse(ts);
    expect(activity.users).toEqual([
      {
        userId: 'u1',
        events: [
          { line: 0, ms: ms('2024-01-15T10:00:00Z'), type: 'view' },
          { line: 1, ms: ms('2024-01-15T10:05:00Z'), type: 'add_to_cart' },
          { line: 2, ms: ms('2024-01-15T09:00:00Z'), type: 'purchase' },
        ],
      },
      { userId: 'u2', events: [{ line: 3, ms: ms('2024-01-15T10:00:00Z'), type: 'view' }] },
    ]);
    expect(activity.sessions.map((s) => [s.userId, s.sessionId, s.events.map((e) => e.line)])).toEqual([
      ['u1', 's1', [0, 1]],
      ['u1', 's2', [2]],
      ['u2', 's1', [3]],
    ]);
  });

  test('events whose user or session id is too long for a DynamoDB key are skipped, not counted', () => {
    const activity = summarizeObject(
      [
        line({ user_id: 'u'.repeat(2100) }),
        line({ session_id: 's'.repeat(2040) }), // fits alone, not with the user id in the session key
        line({}),
      ],
      '2024-01-15',
      ARRIVAL,
    );
    expect([activity.records, activity.skipped]).toEqual([1, 2]);
    expect(activity.users.map((u) => u.userId)).toEqual(['u1']);
  });

  test('events stamped outside [creation − 7 days, creation + 5 minutes] are skipped', () => {
    const activity = summarizeObject(
      [
        line({ timestamp: '2024-01-15T12:05:00Z' }), // the upper bound: counted
        line({ timestamp: '2024-01-15T12:05:00.001Z' }),
        line({ timestamp: '2024-01-15T23:00:00Z' }),
      ],
      '2024-01-15',
      ARRIVAL,
    );
    expect([activity.records, activity.skipped]).toEqual([1, 2]);
    const late = summarizeObject(
      [line({ timestamp: '2024-01-15T12:00:00Z' }), line({ timestamp: '2024-01-15T11:59:59.999Z' })],
      '2024-01-15',
      Date.parse('2024-01-22T12:00:00Z'),
    );
    expect([late.records, late.skipped]).toEqual([1, 1]);
  });
});

const views = (day: string, n: number, firstLine = 0): CountedEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    line: firstLine + i,
    ms: Date.parse(`${day}T10:00:00Z`),
    type: 'view',
  }));

describe('applyUserActivity', () => {
  const add = (day: string, view = 1, firstLine = 0) => ({
    userId: 'u1',
    events: views(day, view, firstLine),
  });

  test('same day adds, an object is counted once, a later day resets, an earlier day changes nothing', () => {
    const a = applyUserActivity(null, add('2024-01-15', 2), '2024-01-15', 'o1', 2);
    expect(a).toMatchObject({
      day: '2024-01-15',
      counts: { view: 2 },
      version: 1,
      last_interaction_at: '2024-01-15T10:00:00.000Z',
      objects: ['o1:2'],
    });
    expect(a?.ttl).toBe(Date.parse('2024-01-17T10:00:00Z') / 1000);
    const b = applyUserActivity(a, add('2024-01-15', 3), '2024-01-15', 'o2', 3);
    expect(b).toMatchObject({ counts: { view: 5 }, objects: ['o1:2', 'o2:3'], version: 2 });
    expect(applyUserActivity(b, add('2024-01-15', 3), '2024-01-15', 'o2', 3)).toBeNull();
    const c = applyUserActivity(b, add('2024-01-16', 1), '2024-01-16', 'o3', 1);
    expect(c).toMatchObject({
      day: '2024-01-16',
      counts: { view: 1, add_to_cart: 0, purchase: 0 },
      objects: ['o3:1'],
    });
    expect(applyUserActivity(c, add('2024-01-15', 9), '2024-01-15', 'o4', 9)).toBeNull();
  });

  test('a longer version of a key adds only its new lines; a shorter one adds nothing', () => {
    const a = applyUserActivity(null, add('2024-01-15', 2), '2024-01-15', 'k', 2);
    const b = applyUserActivity(a, add('2024-01-15', 5), '2024-01-15', 'k', 5);
    expect(b).toMatchObject({ counts: { view: 5 }, objects: ['k:5'] });
    expect(applyUserActivity(b, add('2024-01-15', 1), '2024-01-15', 'k', 1)).toBeNull();
    expect(absorbedLines(['x:3', 'k:5'], 'k')).toBe(5);
    expect(absorbedLines(['kk:5', 'legacy-id'], 'k')).toBe(0);
  });

  test('remembered object keys are bounded', () => {
    let u = applyUserActivity(null, add('2024-01-15'), '2024-01-15', 'o0', 1);
    for (let i = 1; i <= MAX_REMEMBERED_OBJECTS + 5; i++)
      u = applyUserActivity(u, add('2024-01-15'), '2024-01-15', `o${i}`, 1);
    expect(u?.objects.length).toBe(MAX_REMEMBERED_OBJECTS);
    expect(u?.counts.view).toBe(MAX_REMEMBERED_OBJECTS + 6);
  });
});

describe('applySessionActivity', () => {
  test('sums events, widens first/last, once per line of a key', () => {
    const s = (first: string, last: string, firstLine = 0) => ({
      userId: 'u1',
      sessionId: 's1',
      events: [
        { line: firstLine, ms: Date.parse(first), type: 'view' as const },
        { line: firstLine + 1, ms: Date.parse(last), type: 'view' as const },
      ],
    });
    const a = applySessionActivity(null, s('2024-01-15T23:50:00Z', '2024-01-15T23:59:00Z'), 'o1', 2);
    const b = applySessionActivity(a, s('2024-01-16T00:01:00Z', '2024-01-16T00:02:00Z'), 'o2', 2);
    expect(b).toMatchObject({
      events: 4,
      first_at: '2024-01-15T23:50:00.000Z',
      last_at: '2024-01-16T00:02:00.000Z',
    });
    expect(applySessionActivity(b, s('2024-01-16T00:01:00Z', '2024-01-16T00:02:00Z'), 'o2', 2)).toBeNull();
    const longer = applySessionActivity(b, s('2024-01-16T00:03:00Z', '2024-01-16T00:04:00Z', 1), 'o2', 3);
    expect(longer).toMatchObject({ events: 5, last_at: '2024-01-16T00:04:00.000Z' });
  });
});
