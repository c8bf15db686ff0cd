import {
  applySessionActivity,
  applyUserActivity,
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

describe('summarizeObject', () => {
  test('counts valid records of the day per user and session; skips everything else', () => {
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
    );
    expect(activity.records).toBe(4);
    expect(activity.skipped).toBe(4);
    expect(activity.users).toEqual([
      {
        userId: 'u1',
        lastMs: Date.parse('2024-01-15T10:05:00Z'),
        counts: { view: 1, add_to_cart: 1, purchase: 1 },
      },
      {
        userId: 'u2',
        lastMs: Date.parse('2024-01-15T10:00:00Z'),
        counts: { view: 1, add_to_cart: 0, purchase: 0 },
      },
    ]);
    expect(activity.sessions.map((s) => [s.userId, s.sessionId, s.events])).toEqual([
      ['u1', 's1', 2],
      ['u1', 's2', 1],
      ['u2', 's1', 1],
    ]);
  });
});

describe('applyUserActivity', () => {
  const add = (day: string, view = 1) => ({
    userId: 'u1',
    lastMs: Date.parse(`${day}T10:00:00Z`),
    counts: { view, add_to_cart: 0, purchase: 0 },
  });

  test('same day adds, an object is counted once, a later day resets, an earlier day changes nothing', () => {
    const a = applyUserActivity(null, add('2024-01-15', 2), '2024-01-15', 'o1');
    expect(a).toMatchObject({
      day: '2024-01-15',
      counts: { view: 2 },
      version: 1,
      last_interaction_at: '2024-01-15T10:00:00.000Z',
    });
    expect(a?.ttl).toBe(Date.parse('2024-01-17T10:00:00Z') / 1000);
    const b = applyUserActivity(a, add('2024-01-15', 3), '2024-01-15', 'o2');
    expect(b).toMatchObject({ counts: { view: 5 }, objects: ['o1', 'o2'], version: 2 });
    expect(applyUserActivity(b, add('2024-01-15', 3), '2024-01-15', 'o2')).toBeNull();
    const c = applyUserActivity(b, add('2024-01-16', 1), '2024-01-16', 'o3');
    expect(c).toMatchObject({
      day: '2024-01-16',
      counts: { view: 1, add_to_cart: 0, purchase: 0 },
      objects: ['o3'],
    });
    expect(applyUserActivity(c, add('2024-01-15', 9), '2024-01-15', 'o4')).toBeNull();
  });

  test('remembered object ids are bounded', () => {
    let u = applyUserActivity(null, add('2024-01-15'), '2024-01-15', 'o0');
    for (let i = 1; i <= MAX_REMEMBERED_OBJECTS + 5; i++)
      u = applyUserActivity(u, add('2024-01-15'), '2024-01-15', `o${i}`);
    expect(u?.objects.length).toBe(MAX_REMEMBERED_OBJECTS);
    expect(u?.counts.view).toBe(MAX_REMEMBERED_OBJECTS + 6);
  });
});

describe('applySessionActivity', () => {
  test('sums events, widens first/last, once per object', () => {
    const s = (first: string, last: string, events: number) => ({
      userId: 'u1',
      sessionId: 's1',
      events,
      firstMs: Date.parse(first),
      lastMs: Date.parse(last),
    });
    const a = applySessionActivity(null, s('2024-01-15T23:50:00Z', '2024-01-15T23:59:00Z', 3), 'o1');
    const b = applySessionActivity(a, s('2024-01-16T00:01:00Z', '2024-01-16T00:02:00Z', 2), 'o2');
    expect(b).toMatchObject({
      events: 5,
      first_at: '2024-01-15T23:50:00.000Z',
      last_at: '2024-01-16T00:02:00.000Z',
    });
    expect(applySessionActivity(b, s('2024-01-16T00:01:00Z', '2024-01-16T00:02:00Z', 2), 'o2')).toBeNull();
  });
});
