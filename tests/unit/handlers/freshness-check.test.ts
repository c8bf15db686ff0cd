import { loadSettings } from '../../../config';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLake } from '../../../adapters/local-lake';
import type { Alert } from '../../../domain/monitoring/alerts';
import { freshnessAlert } from '../../../domain/monitoring/alerts';
import { createHandler } from '../../../handlers/freshness-check';

const NOW = Date.UTC(2024, 1, 1, 12);
const HOUR = 3_600_000;

describe('freshnessAlert', () => {
  it('is null within the limit and an alert past it (strictly), or with no object at all', () => {
    expect(freshnessAlert(NOW - 6 * HOUR, NOW, 6)).toBeNull();
    expect(freshnessAlert(NOW - 6 * HOUR - 1000, NOW, 6)).toMatchObject({
      check: 'freshness',
      date: '2024-02-01',
      threshold: 6,
    });
    expect(freshnessAlert(null, NOW, 6)).toMatchObject({
      observed: null,
      message: 'no raw interactions object found',
    });
  });
});

describe('freshness-check handler', () => {
  let root: string;
  const notified: Alert[] = [];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fresh-'));
    notified.length = 0;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const handler = () =>
    createHandler(() => ({
      input: new LocalLake(root),
      output: new LocalLake(join(root, 'processed')),
      now: () => NOW,
      notify: async (a) => {
        notified.push(a);
      },
      maxAgeHours: loadSettings({}).monitoring.freshnessMaxAgeHours,
    }));

  function rawObject(day: string, ageHours: number): void {
    const dir = join(root, 'raw/interactions/year=2024/month=02', `day=${day}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'part-0.jsonl');
    writeFileSync(file, '{}\n');
    const t = (NOW - ageHours * HOUR) / 1000;
    utimesSync(file, t, t);
  }

  it('stays quiet when today has a recent object', async () => {
    rawObject('01', 2);
    await expect(handler()()).resolves.toEqual({ fresh: true, alert: null });
    expect(notified).toEqual([]);
  });

  it('writes one alert per day (rewritten, not duplicated) and notifies when the newest object is stale', async () => {
    rawObject('01', 7);
    const first = await handler()();
    const second = await handler()();
    expect(first.fresh).toBe(false);
    expect(second.alert).toEqual(first.alert);
    const stored = await new LocalLake(join(root, 'processed')).list('alerts/');
    expect(stored.map((o) => o.key)).toEqual(['alerts/date=2024-02-01/freshness.json']);
    expect(notified).toHaveLength(2);
    expect(notified[0]?.message).toMatch(/7\.0 h old/);
  });
});
