import { MemoryLake } from '../../../adapters/memory-lake';
import { createHandler } from '../../../handlers/alerts-list';
import { httpEvent, invoker, problemPaths } from '../../support/http-events';

const alert = (id: string, raisedAt: string) => ({
  alert_id: id,
  kind: 'volume',
  severity: 'warning',
  raised_at: raisedAt,
});

const lake = new MemoryLake('out', [
  ['alerts/year=2024/month=01/day=14/a1.json', JSON.stringify(alert('a1', '2024-01-14T23:00:00Z'))],
  ['alerts/year=2024/month=01/day=15/a2.json', JSON.stringify(alert('a2', '2024-01-15T08:00:00Z'))],
  ['alerts/year=2024/month=01/day=15/a3.json', JSON.stringify(alert('a3', '2024-01-15T10:30:00+02:00'))],
  ['alerts/a4.json', JSON.stringify(alert('a4', '2024-01-16T00:00:00.000Z'))],
  ['alerts/not-an-alert.json', '{"hello": 1}'],
  ['alerts/broken.json', '{'],
  ['alerts/readme.txt', 'not json'],
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

  test('since a date: from its midnight UTC', async () => {
    expect(ids((await list({ since: '2024-01-15' })).body)).toEqual(['a4', 'a3', 'a2']);
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
