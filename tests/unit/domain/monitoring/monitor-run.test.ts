import { outputKeys } from '../../../../domain/lake-layout';
import { MemoryLake } from '../../../../adapters/memory-lake';
import type { MonitoringAlert } from '../../../../domain/monitoring/alerts';
import type { EmfDocument } from '../../../../domain/monitoring/emf';
import { monitorRun } from '../../../../domain/monitoring/monitor-run';
import { itemRows, reportJson, reportKey, userRows } from './fixtures';

const RAISED_AT_MS = Date.parse('2024-02-01T02:00:00Z');
/** Feature files as JSON here, so the orchestrator is tested without Parquet. */
const decodeJson = async (bytes: Uint8Array) =>
  JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>[];

function lakeWith(current: { priceFactor?: number }, previous: boolean): MemoryLake {
  const file = (kind: string, asOf: string, rows: unknown): [string, string] => [
    `features/${kind}/as_of=${asOf}/part-00000.parquet`,
    JSON.stringify(rows),
  ];
  return new MemoryLake('out', [
    [reportKey('2024-01-08'), reportJson('2024-01-08', 100)],
    file('users', '2024-01-09', userRows()),
    file('items', '2024-01-09', itemRows(current)),
    ...(previous ? [file('users', '2024-01-05', userRows()), file('items', '2024-01-05', itemRows())] : []),
  ]);
}

async function run(lake: MemoryLake, pipeline?: { readonly maxRejectedShare: number }) {
  const metrics: EmfDocument[] = [];
  const notified: MonitoringAlert[] = [];
  const summary = await monitorRun(
    {
      output: lake,
      decodeTable: decodeJson,
      emitMetrics: (d) => metrics.push(d),
      notify: (a) => void notified.push(a),
      pipeline,
    },
    { run_id: 'r1', dates: ['2024-01-08'], as_of: '2024-01-09', raised_at_ms: RAISED_AT_MS },
  );
  return { summary, metrics, notified };
}

describe('monitorRun', () => {
  it('finds the drift of prices × 1.5 (PSI > 0.2) and raises one drift alert naming price', async () => {
    const lake = lakeWith({ priceFactor: 1.5 }, true);
    const { summary, notified, metrics } = await run(lake);
    const price = summary.features.find((f) => f.dataset === 'items' && f.feature === 'price');
    expect(price?.psi).toBeGreaterThan(0.2);
    expect(price?.band).toBe('alert');
    expect(summary.features.filter((f) => f.band !== 'stable').map((f) => f.feature)).toEqual(['price']);
    expect(summary.previous_as_of).toEqual({ users: '2024-01-05', items: '2024-01-05' });
    expect(summary.alerts).toEqual(['alerts/date=2024-01-08/drift.json']);
    expect(notified.map((a) => [a.check, a.findings.map((f) => f.field)])).toEqual([['drift', ['price']]]);
    const stored = JSON.parse(new TextDecoder().decode(await lake.read('alerts/date=2024-01-08/drift.json')));
    expect(stored).toEqual(notified[0]);
    expect(stored.message).toContain('items.price');
    expect(metrics.some((d) => d.FeaturePsi === price?.psi && d.Feature === 'price')).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(await lake.read(outputKeys.monitoring('r1'))))).toEqual(
      summary,
    );
  });

  it('measures no drift without a previous run, and raises nothing on healthy data', async () => {
    const { summary, notified } = await run(lakeWith({ priceFactor: 1.5 }, false));
    expect(summary.previous_as_of).toEqual({ users: null, items: null });
    expect(summary.features.every((f) => f.psi === null && f.band === null)).toBe(true);
    expect(summary.days).toEqual([
      {
        date: '2024-01-08',
        raw: 100,
        rejected_share: 0,
        null_share: { rating: 0.9, device_type: 0.1, page_context: 0 },
        previous_days: 0,
        previous_mean: null,
        volume_drop: null,
      },
    ]);
    expect(notified).toEqual([]);
    expect(summary.alerts).toEqual([]);
  });

  it("alerts on the rejected share against the pipeline config's maxRejectedShare (default 0.2)", async () => {
    const rejecting = async () => {
      const lake = lakeWith({}, false);
      await lake.write(reportKey('2024-01-08'), reportJson('2024-01-08', 100, { rejected: 10 }));
      return lake;
    };
    const byDefault = await run(await rejecting());
    expect(byDefault.summary.config.maxRejectedShare).toBe(0.2);
    expect(byDefault.summary.alerts).toEqual([]);
    const strict = await run(await rejecting(), { maxRejectedShare: 0.05 });
    expect(strict.summary.config.maxRejectedShare).toBe(0.05);
    expect(strict.notified.map((a) => [a.check, a.observed, a.threshold])).toEqual([
      ['validation', 0.1, 0.05],
    ]);
  });
});
