import { outputKeys } from '../../domain/lake-layout';
/**
 * The Monitor stage end to end: the orchestrator on an output root holding hand-made reports and
 * real Parquet feature snapshots (the exact alerts written), then the whole pipeline through the
 * state machine with the Monitor task given checks (manifest, summary, reports untouched).
 */
import { MonitoringConfig } from '../../domain/monitoring/config';
import { MemoryLake } from '../../adapters/memory-lake';
import { decodeParquet, encodeParquet } from '../../adapters/parquet';
import { sha256 } from '../../adapters/pipeline-deps';
import type { MonitoringAlert } from '../../domain/monitoring/alerts';
import type { EmfDocument } from '../../domain/monitoring/emf';
import { createRunMonitor, monitorRun } from '../../domain/monitoring/monitor-run';
import type { MonitoringSummary } from '../../domain/monitoring/summary';
import { deriveRunId } from '../../domain/pipeline/run-id';
import { formatTimestamp } from '../../domain/time';
import { runPipeline } from '../support/run-pipeline';
import { generateLake } from '../../scripts/lib/generate/generate-lake';
import { REFERENCE_TIME_MS, memoryDeps, relaxedConfig } from '../support/memory-pipeline';
import { itemRows, reportJson, reportKey, tableOf, userRows } from '../unit/domain/monitoring/fixtures';

const UTF8 = new TextDecoder();
const json = (bytes: Uint8Array): unknown => JSON.parse(UTF8.decode(bytes));
const RAISED_AT = '2024-02-01T02:00:00.000Z';
const EPS = 1e-4;

/** Every stored object under `prefix`, parsed. */
async function objectsUnder(lake: MemoryLake, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const o of await lake.list(prefix)) out[o.key] = json(await lake.read(o.key));
  return out;
}

function onlyReports(lake: MemoryLake): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, bytes] of lake.snapshot())
    if (key.startsWith('validation_reports/')) out.set(key, sha256(bytes));
  return out;
}

describe('monitorRun on an output root with reports and two feature snapshots', () => {
  const features = (kind: 'users' | 'items', asOf: string, rows: Record<string, unknown>[]) =>
    [`features/${kind}/as_of=${asOf}/part-00000.parquet`, encodeParquet(tableOf(kind, rows))] as const;
  const lake = new MemoryLake('out', [
    ...['01', '02', '03', '04', '05', '06'].map(
      (d) => [reportKey(`2024-01-${d}`), reportJson(`2024-01-${d}`, 100)] as const,
    ),
    // Day 7: 15% below the mean (no volume alert), 25 of 85 rejected (a validation alert).
    [reportKey('2024-01-07'), reportJson('2024-01-07', 85, { rejected: 25 })],
    // Day 8: 70 against a mean of 685 / 7 (a volume alert), device_type null in 80% (completeness).
    [reportKey('2024-01-08'), reportJson('2024-01-08', 70, { deviceTypeNulls: 0.8 })],
    features('users', '2024-01-02', userRows()),
    features('items', '2024-01-02', itemRows({ priceFactor: 3 })),
    features('users', '2024-01-05', userRows()),
    features('items', '2024-01-05', itemRows()),
    // This run's T: prices × 1.5 (drift) and avg_rating null for 3 items in 4 (completeness).
    features('users', '2024-01-09', userRows()),
    features('items', '2024-01-09', itemRows({ priceFactor: 1.5, ratingSpike: true })),
    // A later snapshot is never the reference.
    features('users', '2024-01-12', userRows()),
    features('items', '2024-01-12', itemRows({ priceFactor: 3 })),
    ['alerts/date=2024-01-08/volume.json', '{"stale": true}'],
  ]);
  const metrics: EmfDocument[] = [];
  const notified: MonitoringAlert[] = [];
  let summary: MonitoringSummary;
  let reportsBefore: Map<string, string>;

  beforeAll(async () => {
    reportsBefore = onlyReports(lake);
    summary = await monitorRun(
      {
        output: lake,
        decodeTable: decodeParquet,
        emitMetrics: (d) => metrics.push(d),
        notify: (a) => void notified.push(a),
        // avg_rating is sparse by default (never alerted on); here it stands for any dense feature.
        config: MonitoringConfig.parse({ sparseFeatures: [] }),
      },
      {
        run_id: 'r1',
        dates: ['2024-01-07', '2024-01-08'],
        as_of: '2024-01-09',
        raised_at_ms: Date.parse(RAISED_AT),
      },
    );
  });

  it('writes exactly the expected alerts, one per day and check, replacing an older one', async () => {
    // Reference prices 10..29: 2 per decile bin; × 1.5 the bins hold 0, 0, 1, 1, 1, 2, 1, 1, 2, 11 of 20.
    const shares = [0, 0, 0.05, 0.05, 0.05, 0.1, 0.05, 0.05, 0.1, 0.55];
    const pricePsi = shares.reduce((s, c) => s + ((c || EPS) - 0.1) * Math.log((c || EPS) / 0.1), 0);
    expect(pricePsi).toBeCloseTo(2.320593, 5);
    const drop = 1 - 70 / (685 / 7);
    const base = { raised_at: RAISED_AT, run_id: 'r1' };
    const expected = {
      'alerts/date=2024-01-07/validation.json': {
        check: 'validation',
        date: '2024-01-07',
        ...base,
        severity: 'critical',
        message: 'rejected share on 2024-01-07: 0.2941 > 0.2',
        observed: 25 / 85,
        threshold: 0.2,
        findings: [{ dataset: 'interactions', field: null, observed: 25 / 85, threshold: 0.2 }],
      },
      'alerts/date=2024-01-08/completeness.json': {
        check: 'completeness',
        date: '2024-01-08',
        ...base,
        severity: 'warning',
        message:
          'null share over the limit on 2024-01-08: interactions.device_type 0.8000 > 0.5, items.avg_rating 0.7500 > 0.5',
        observed: 0.8,
        threshold: 0.5,
        findings: [
          { dataset: 'interactions', field: 'device_type', observed: 0.8, threshold: 0.5 },
          { dataset: 'items', field: 'avg_rating', observed: 0.75, threshold: 0.5 },
        ],
      },
      'alerts/date=2024-01-08/drift.json': {
        check: 'drift',
        date: '2024-01-08',
        ...base,
        severity: 'warning',
        message: 'feature drift (PSI > 0.2) against the previous run: items.price 2.3206',
        observed: expect.closeTo(pricePsi, 12),
        threshold: 0.2,
        findings: [
          { dataset: 'items', field: 'price', observed: expect.closeTo(pricePsi, 12), threshold: 0.2 },
        ],
      },
      'alerts/date=2024-01-08/volume.json': {
        check: 'volume',
        date: '2024-01-08',
        ...base,
        severity: 'warning',
        message:
          'raw interactions on 2024-01-08: 70, 28.5% below the mean 97.9 of 7 previous day(s) (limit 20.0%)',
        observed: expect.closeTo(drop, 12),
        threshold: 0.2,
        findings: [
          { dataset: 'interactions', field: null, observed: expect.closeTo(drop, 12), threshold: 0.2 },
        ],
      },
    };
    expect(await objectsUnder(lake, 'alerts/')).toEqual(expected);
    expect(summary.alerts).toEqual(Object.keys(expected));
    expect(notified.map((a) => `alerts/date=${a.date}/${a.check}.json`)).toEqual(Object.keys(expected));
  });

  it('compares with the latest earlier snapshot and stores the summary', async () => {
    expect(summary.previous_as_of).toEqual({ users: '2024-01-05', items: '2024-01-05' });
    expect(
      summary.features.filter((f) => f.band !== 'stable').map((f) => `${f.dataset}.${f.feature}`),
    ).toEqual(['items.price']);
    expect(summary.days.map((d) => [d.date, d.previous_days, d.volume_drop])).toEqual([
      ['2024-01-07', 6, expect.closeTo(0.15, 12)],
      ['2024-01-08', 7, expect.closeTo(1 - 70 / (685 / 7), 12)],
    ]);
    expect(json(await lake.read(outputKeys.monitoring('r1')))).toEqual(summary);
  });

  it('emits every figure as EMF and leaves the reports byte-identical', () => {
    // Per day: RawRecords, RejectedShare, 3 raw NullShare; per feature: PSI, NullShare when nullable.
    const nullable = summary.features.filter((f) => f.null_share !== null).length;
    expect(metrics).toHaveLength(2 * 5 + summary.features.length + nullable);
    expect(metrics.filter((d) => d.RawRecords !== undefined).map((d) => [d.Date, d.RawRecords])).toEqual([
      ['2024-01-07', 85],
      ['2024-01-08', 70],
    ]);
    expect(onlyReports(lake)).toEqual(reportsBefore);
  });
});

describe('the Monitor task with checks, in the whole pipeline (two runs, the second day 5 cut short)', () => {
  const files = new Map<string, string>();
  generateLake(
    {
      days: 5,
      users: 40,
      products: 30,
      eventsPerDay: 200,
      seed: 3,
      startDate: '2024-01-01',
      clean: true,
      gzip: false,
    },
    (key, body) => files.set(key, typeof body === 'string' ? body : UTF8.decode(body)),
  );
  const config = relaxedConfig();

  async function runWithMonitor(output: MemoryLake, input: MemoryLake, endDate: string) {
    const deps = memoryDeps(input, output);
    const metrics: EmfDocument[] = [];
    const monitor = createRunMonitor({ decodeTable: decodeParquet, emitMetrics: (d) => metrics.push(d) });
    const base = {
      mode: 'full' as const,
      startDate: '2024-01-01',
      endDate,
      referenceTimeMs: REFERENCE_TIME_MS,
      config,
    };
    const outcome = await runPipeline(
      deps,
      { ...base, runId: deriveRunId(base, sha256), codeVersion: '0.0.0-test' },
      { runChecks: monitor },
    );
    return { outcome, metrics };
  }

  it('stores the summary in the manifest and beside it, and alerts on the short day', async () => {
    // Day 5 keeps its first 40% of interaction lines.
    const cut = new Map(files);
    for (const [key, text] of cut)
      if (key.startsWith('raw/interactions/year=2024/month=01/day=05/')) {
        const lines = text.split('\n').filter((l) => l !== '');
        cut.set(key, lines.slice(0, Math.floor(lines.length * 0.4)).join('\n') + '\n');
      }
    const input = new MemoryLake('input', cut);
    const output = new MemoryLake('output');
    await runWithMonitor(output, input, '2024-01-04');
    const { outcome, metrics } = await runWithMonitor(output, input, '2024-01-05');

    const manifest = outcome.manifest as typeof outcome.manifest & { monitoring: MonitoringSummary };
    expect(manifest.monitoring.as_of).toBe('2024-01-06');
    expect(manifest.monitoring.previous_as_of).toEqual({ users: '2024-01-05', items: '2024-01-05' });
    expect(json(await output.read(outputKeys.monitoring(manifest.run_id)))).toEqual(manifest.monitoring);
    expect(manifest.monitoring.features.every((f) => f.psi !== null)).toBe(true);
    const volume = json(await output.read('alerts/date=2024-01-05/volume.json')) as MonitoringAlert;
    expect(volume).toMatchObject({
      check: 'volume',
      run_id: manifest.run_id,
      raised_at: formatTimestamp(REFERENCE_TIME_MS),
    });
    expect(volume.observed).toBeGreaterThan(0.5);
    expect(Object.keys(await objectsUnder(output, 'alerts/'))).toEqual(
      expect.arrayContaining([...manifest.monitoring.alerts]),
    );
    expect(metrics.length).toBeGreaterThan(0);

    // The same run without a monitor writes the same reports: monitoring only reads them.
    const plain = new MemoryLake('output');
    const runId = manifest.run_id;
    await runPipeline(memoryDeps(new MemoryLake('input', cut), plain), {
      mode: 'full',
      startDate: '2024-01-01',
      endDate: '2024-01-05',
      referenceTimeMs: REFERENCE_TIME_MS,
      config,
      runId,
      codeVersion: '0.0.0-test',
    });
    expect(onlyReports(output)).toEqual(onlyReports(plain));
  });
});
