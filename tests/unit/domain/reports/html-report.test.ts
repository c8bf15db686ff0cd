import { MemoryLake } from '../../../../adapters/memory-lake';
import { defaultMonitoringConfig } from '../../../../domain/monitoring/config';
import { monitorRun } from '../../../../domain/monitoring/monitor-run';
import type { MonitoringSummary } from '../../../../domain/monitoring/summary';
import {
  type FeatureHistogram,
  type RunReportHeader,
  categoryBins,
  escapeHtml,
  formatCount,
  histogramBins,
  quarantineExamples,
  renderDayReportHtml,
  renderRunReportHtml,
} from '../../../../domain/reports/html-report';
import { runReportKey, writeRunReport } from '../../../../domain/reports/run-report';
import {
  REJECTION_CODES,
  REMOVAL_CODES,
  WARNING_CODES,
  zeroCounts,
} from '../../../../domain/validation/codes';
import type { ValidationReport, ValidationStatus } from '../../../../domain/validation/report';
import type { QuarantineEntry } from '../../../../domain/validation/source';
import { itemRows, reportJson, reportKey, userRows } from '../monitoring/fixtures';

function report(status: ValidationStatus = 'warned'): ValidationReport {
  return {
    schema_version: 1,
    date: '2024-01-15',
    status,
    counts: {
      raw: 12345,
      valid: 12000,
      clean: 11900,
      rejected: { ...zeroCounts(REJECTION_CODES), malformed_json: 300, duplicate: 45 },
      removed: { ...zeroCounts(REMOVAL_CODES), bot_traffic: 100 },
    },
    warnings: { ...zeroCounts(WARNING_CODES), naive_timestamp: 7 },
    null_share: { rating: 0.8, device_type: 0.01, page_context: 0.02 },
    thresholds: [
      { name: 'rejected_share', limit: 0.2, observed: 345 / 12345, ok: true },
      { name: 'null_share.device_type', limit: 0.5, observed: 0.01, ok: true },
    ],
    run_id: 'run-<1>',
    reference_time: '2024-02-01T02:00:00.000Z',
    inputs: { interactions: [] },
    snapshots: {
      products: {
        date: '2024-01-15',
        stale: false,
        objects: [],
        raw: 10,
        valid: 10,
        rejected: { malformed_json: 0, schema_violation: 0, duplicate: 0 },
      },
      users: {
        date: null,
        stale: true,
        objects: [],
        raw: 0,
        valid: 0,
        rejected: { malformed_json: 0, schema_violation: 0, duplicate: 0 },
      },
    },
    schema_violation_fields: {},
    extra_fields: { 'x"y': 2 },
    errors: [],
  };
}

const entry = (reason: QuarantineEntry['reason'], line: number, raw: string): QuarantineEntry => ({
  dataset: 'interactions',
  reason,
  field: null,
  source_key: 'raw/interactions/year=2024/month=01/day=15/a.jsonl',
  line_number: line,
  raw_line: raw,
});

const days30 = Array.from({ length: 30 }, (_, i) => ({
  date: `2024-01-${String(i + 1).padStart(2, '0')}`,
  raw: 1000 + i,
}));

describe('escapeHtml', () => {
  it('turns & < > " and \' into entities and leaves everything else alone', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml('plain ünïcode 1.5')).toBe('plain ünïcode 1.5');
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(null)).toBe('null');
  });
});

describe('quarantineExamples', () => {
  it('keeps the first 5 entries of each reason, in order', () => {
    const entries = [
      ...Array.from({ length: 7 }, (_, i) => entry('malformed_json', i + 1, `bad ${i}`)),
      entry('duplicate', 20, '{}'),
    ];
    const picked = quarantineExamples(entries);
    expect(picked.map((e) => e.line_number)).toEqual([1, 2, 3, 4, 5, 20]);
  });
});

describe('histogramBins', () => {
  it('bins both sides on the reference deciles, as shares, an edge value in the upper bin', () => {
    const reference = Array.from({ length: 11 }, (_, i) => i); // deciles 1..9
    const bins = histogramBins(reference, [0, 0.5, 9, 10, 100, null]);
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.label)).toEqual([
      '< 1',
      '1 to 2',
      '2 to 3',
      '3 to 4',
      '4 to 5',
      '5 to 6',
      '6 to 7',
      '7 to 8',
      '8 to 9',
      '≥ 9',
    ]);
    expect(bins[0]?.reference).toBeCloseTo(1 / 11);
    expect(bins[9]?.reference).toBeCloseTo(2 / 11);
    expect(bins[0]?.current).toBeCloseTo(2 / 5);
    expect(bins[9]?.current).toBeCloseTo(3 / 5);
    expect(bins.reduce((s, b) => s + b.current, 0)).toBeCloseTo(1);
  });

  it('uses the current values alone without a reference, and gives no bins without any value', () => {
    const bins = histogramBins([], [1n, 2n, 3n]);
    expect(bins.every((b) => b.reference === 0)).toBe(true);
    expect(bins.reduce((s, b) => s + b.current, 0)).toBeCloseTo(1);
    expect(histogramBins([null], [])).toEqual([]);
  });

  it('categoryBins keeps the top categories and folds the rest into (other)', () => {
    const bins = categoryBins(['a', 'a', 'b', 'c'], ['a', 'c', 'c', 'd'], 3);
    expect(bins.map((b) => b.label)).toEqual(['a', 'c', '(other)']);
    expect(bins[2]).toEqual({ label: '(other)', reference: 0.25, current: 0.25 });
  });
});

describe('renderDayReportHtml', () => {
  const examples = [
    entry('malformed_json', 3, '<script>alert("x")</script> & more'),
    entry('duplicate', 9, '{}'),
  ];
  const html = renderDayReportHtml(report(), { quarantineExamples: examples, volume: days30 });

  it('puts the status badge first, coloured by status', () => {
    const h1 = '<h1>Validation report 2024-01-15: <span class="warned">warned</span></h1>';
    expect(html).toContain(h1);
    expect(html.indexOf(h1)).toBeLessThan(html.indexOf('<h2>'));
    expect(html).toMatch(/\.warned\{background:#[0-9a-f]{6}\}/);
    for (const status of ['passed', 'failed'] as const)
      expect(renderDayReportHtml(report(status), { quarantineExamples: [], volume: [] })).toContain(
        `<span class="${status}">${status}</span>`,
      );
  });

  it('has a row for every rejection, removal and warning code, and every threshold with ok/failed', () => {
    for (const code of [...REJECTION_CODES, ...REMOVAL_CODES, ...WARNING_CODES])
      expect(html).toContain(`<td>${code}</td>`);
    expect(html).toContain(
      '<td>rejected_share</td><td class="n">0.2</td><td class="n">0.0279</td><td class="ok">ok</td>',
    );
    const failed = report('failed');
    const bad = renderDayReportHtml(
      { ...failed, thresholds: [{ name: 'rejected_share', limit: 0.2, observed: 0.25, ok: false }] },
      { quarantineExamples: [], volume: [] },
    );
    expect(bad).toContain('<td class="bad">failed</td>');
  });

  it('shows the key counts, null shares and one volume bar per day with its count as title', () => {
    for (const n of [12345, 12000, 11900]) expect(html).toContain(`<b>${formatCount(n)}</b>`);
    expect(html).toContain('<td>device_type</td><td class="n">1.00%</td>');
    expect(html.match(/<rect class="(vol|today)"/g)).toHaveLength(30);
    expect(html).toContain('<title>2024-01-07: 1,006 raw</title>');
  });

  it('escapes every string: raw lines in <code>, run ids, field names', () => {
    expect(html).toContain('<code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</code>');
    expect(html).toContain('run run-&lt;1&gt;');
    expect(html).toContain('<td>x&quot;y</td>');
    expect(html).not.toContain('<script');
  });

  it('references nothing outside itself', () => {
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
  });
});

function summaryOf(features: number): MonitoringSummary {
  return {
    run_id: 'r1',
    as_of: '2024-01-31',
    previous_as_of: { users: '2024-01-30', items: '2024-01-30' },
    raised_at: '2024-02-01T02:00:00.000Z',
    config: defaultMonitoringConfig(),
    days: days30.map((d) => ({
      date: d.date,
      raw: d.raw,
      rejected_share: 0.01,
      null_share: { rating: 0.8 },
      previous_days: 7,
      previous_mean: 1000,
      volume_drop: 0,
    })),
    features: Array.from({ length: features }, (_, i) => ({
      dataset: i % 2 === 0 ? ('users' as const) : ('items' as const),
      feature: `feature_${i}`,
      kind: 'numeric' as const,
      null_share: 0.1,
      psi: i === 0 ? 0.3 : 0.01,
      band: i === 0 ? ('alert' as const) : ('stable' as const),
    })),
    alerts: ['alerts/date=2024-01-30/drift.json'],
  };
}

const header: RunReportHeader = {
  run_id: 'r1',
  start_date: '2024-01-01',
  end_date: '2024-01-30',
  as_of: '2024-01-31',
  reference_time: '2024-02-01T02:00:00.000Z',
  days: days30.map((d) => ({ date: d.date, status: 'passed', counts: { ...report().counts, raw: d.raw } })),
};

describe('renderRunReportHtml', () => {
  const summary = summaryOf(50);
  const histograms: FeatureHistogram[] = summary.features.map((f, i) => ({
    feature: f.feature,
    dataset: f.dataset,
    bins: histogramBins(
      Array.from({ length: 1000 }, (_, k) => Math.sin(k + i) * 1000.123456),
      Array.from({ length: 1000 }, (_, k) => Math.cos(k * i) * 1234.56789),
    ),
    psi: f.psi,
    band: f.band,
  }));
  const html = renderRunReportHtml(header, summary, histograms);

  it('stays under 300 KB for 50 features × 10 bins and 30 days', () => {
    expect(histograms.every((h) => h.bins.length === 10)).toBe(true);
    expect(Buffer.byteLength(html)).toBeLessThan(300 * 1024);
  });

  it('has the status (warned by the alert), the volume chart, a histogram per feature and the PSI checks', () => {
    expect(html).toContain('<h1>Run r1: <span class="warned">warned</span></h1>');
    expect(html.match(/<rect class="vol"/g)).toHaveLength(30);
    expect(html.match(/<svg [^>]*class="chart histogram"/g)).toHaveLength(50);
    expect(html.match(/<rect class="(ref|cur)"/g)).toHaveLength(50 * 10 * 2);
    expect(html).toContain(
      '<td>feature_0</td><td>numeric</td><td class="n">10.00%</td><td class="ok">ok</td><td class="n">0.3000</td><td class="bad">failed</td>',
    );
    expect(html).toContain('<li>alerts/date=2024-01-30/drift.json</li>');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
  });

  it('is deterministic', () => {
    expect(renderRunReportHtml(header, summary, histograms)).toBe(html);
  });
});

describe('writeRunReport', () => {
  it("reads the monitoring summary and both runs' feature files and writes runs/<id>/report.html", async () => {
    const file = (kind: string, asOf: string, rows: unknown): [string, string] => [
      `features/${kind}/as_of=${asOf}/part-00000.parquet`,
      JSON.stringify(rows),
    ];
    const lake = new MemoryLake('out', [
      [
        reportKey('2024-01-08'),
        JSON.stringify({ ...JSON.parse(reportJson('2024-01-08', 100)), date: '2024-01-08' }),
      ],
      file('users', '2024-01-09', userRows()),
      file('items', '2024-01-09', itemRows({ priceFactor: 1.5 })),
      file('users', '2024-01-05', userRows()),
      file('items', '2024-01-05', itemRows()),
    ]);
    const decodeJson = async (bytes: Uint8Array) =>
      JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>[];
    await monitorRun(
      { output: lake, decodeTable: decodeJson, emitMetrics: () => undefined },
      {
        run_id: 'r1',
        dates: ['2024-01-08'],
        as_of: '2024-01-09',
        raised_at_ms: Date.parse('2024-02-01T02:00:00Z'),
      },
    );
    const key = await writeRunReport(lake, decodeJson, 'r1', '2024-01-09');
    expect(key).toBe(runReportKey('r1'));
    const html = new TextDecoder().decode(await lake.read(key));
    expect(html).toContain('<h1>Run r1: <span class="warned">warned</span></h1>');
    expect(html).toContain('<b>items.price</b> · PSI');
    expect(html).toContain('<span class="band alert">alert</span>');
    expect(html).toContain('<b>users.favorite_category</b>');
    expect(html.match(/<svg [^>]*class="chart histogram"/g)).toHaveLength(14 + 13);
    await writeRunReport(lake, decodeJson, 'r1', '2024-01-09');
    expect(new TextDecoder().decode(await lake.read(key))).toBe(html);
  });
});
