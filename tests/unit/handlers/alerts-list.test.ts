import { MemoryLake } from '../../../adapters/memory-lake';
import { outputKeys } from '../../../domain/lake-layout';
import { createHandler } from '../../../handlers/alerts-list';
import { httpEvent, invoker, problemPaths } from '../../support/http-events';

const alert = (id: string, raisedAt: string) => ({
  alert_id: id,
  kind: 'volume',
  severity: 'warning',
  raised_at: raisedAt,
});

/** A lake that counts the objects read, to show which partitions a query skips. */
class CountingLake extends MemoryLake {
  readonly reads: string[] = [];
  override async read(key: string): Promise<Uint8Array> {
    this.reads.push(key);
    return super.read(key);
  }
}

// Alerts are stored where the Monitor task and the freshness check write them: one per day and check.
const lake = new CountingLake('out', [
  [outputKeys.alert('2024-01-14', 'volume'), JSON.stringify(alert('a1', '2024-01-14T23:00:00Z'))],
  [outputKeys.alert('2024-01-15', 'volume'), JSON.stringify(alert('a2', '2024-01-15T08:00:00Z'))],
  [outputKeys.alert('2024-01-15', 'drift'), JSON.stringify(alert('a3', '2024-01-15T10:30:00+02:00'))],
  [outputKeys.alert('2024-01-15', 'freshness'), JSON.stringify(alert('a4', '2024-01-16T00:00:00.000Z'))],
  [outputKeys.alert('2024-01-15', 'not-an-alert'), '{"hello": 1}'],
  [outputKeys.alert('2024-01-15', 'broken'), '{'],
  ['alerts/date=2024-01-15/readme.txt', 'not json'],
]);
const call = invoker(createHandler(() => ({ output: lake })));
const list = (query: Record<string, string> = {}) => call(httpEvent('GET /alerts', { query }));
const ids = (body: unknown): string[] =>
  (body as { alerts: { alert_id: string }[] }).alerts.map((a) => a.alert_id);

describe('GET /alerts', () => {
  test('empty when monitoring has written nothing yet', async () => {
    const reply = await invoker(createHandler(() => ({ output: new MemoryLake('empty') })))(
      httpEvent('GET /alerts'),
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ alerts: [], count: 0 });
  });

  test('every alert, newest first; objects that are not alerts are skipped', async () => {
    const reply = await list();
    expect(reply.status).toBe(200);
    expect(ids(reply.body)).toEqual(['a4', 'a3', 'a2', 'a1']);
  });

  test('since a date: from its midnight UTC, never reading the days before it', async () => {
    lake.reads.length = 0;
    expect(ids((await list({ since: '2024-01-15' })).body)).toEqual(['a4', 'a3', 'a2']);
    expect(lake.reads.length).toBeGreaterThan(0);
    expect(lake.reads.filter((k) => k.startsWith('alerts/date=2024-01-14/'))).toEqual([]);
  });

  test('since a timestamp (inclusive; offsets are converted to UTC)', async () => {
    expect(ids((await list({ since: '2024-01-15T08:30:00Z' })).body)).toEqual(['a4', 'a3']);
    expect(ids((await list({ since: '2024-01-15T08:30:00Z', limit: '1' })).body)).toEqual(['a4']);
    expect(ids((await list({ since: '2024-01-15T10:30:00+02:00' })).body)).toEqual(['a4', 'a3']);
  });

  test.each([
    ['since', { since: '2024-02-30' }],
    ['since', { since: 'yesterday' }],
    ['since', { since: '2024-01-15T08:30:00' }],
    ['since', { since: '2024-01-15 08:30:00Z' }],
    ['limit', { limit: '0' }],
    ['limit', { limit: 'ten' }],
  ])('a bad %s is a 400 naming it', async (field, query) => {
    const reply = await list(query);
    expect(reply.status).toBe(400);
    expect(reply.contentType).toBe('application/problem+json');
    expect(problemPaths(reply.body)).toEqual([`query.${field}`]);
  });

  test('an unknown query parameter is a 400', async () => {
    const reply = await list({ sinse: '2024-01-15' });
    expect(reply.status).toBe(400);
    expect((reply.body as { detail: string }).detail).toContain('sinse');
  });
});
