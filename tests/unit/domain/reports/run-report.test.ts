import { MemoryLake } from '../../../../adapters/memory-lake';
import { MonitoringConfig } from '../../../../domain/monitoring/config';
import { monitorRun } from '../../../../domain/monitoring/monitor-run';
import { runReportKey, runStatus, writeRunReport } from '../../../../domain/reports/run-report';
import { writeJson } from '../../../../domain/lake-json';
import { outputKeys } from '../../../../domain/lake-layout';
import { itemRows, reportJson, reportKey, userRows } from '../monitoring/fixtures';
import { baselineReport } from './baseline-fixture';

describe('runStatus', () => {
  const alerts = (n: number) => ({ alerts: Array.from({ length: n }, (_, i) => `a${i}`) });

  it('is the worst day status, and at least warned when the Monitor raised an alert', () => {
    expect(runStatus([{ status: 'passed' }], alerts(0))).toBe('passed');
    expect(runStatus([{ status: 'passed' }], alerts(1))).toBe('warned');
    expect(runStatus([{ status: 'warned' }, { status: 'failed' }], alerts(1))).toBe('failed');
    expect(runStatus([], alerts(0))).toBe('passed');
  });
});

describe('writeRunReport', () => {
  const file = (kind: string, asOf: string, rows: unknown): [string, string] => [
    `features/${kind}/as_of=${asOf}/part-00000.parquet`,
    JSON.stringify(rows),
  ];
  const lakeOf = () =>
    new MemoryLake('out', [
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
  const monitor = (lake: MemoryLake, config?: MonitoringConfig) =>
    monitorRun(
      { output: lake, decodeTable: decodeJson, emitMetrics: () => undefined, config },
      {
        run_id: 'r1',
        dates: ['2024-01-08'],
        as_of: '2024-01-09',
        raised_at_ms: Date.parse('2024-02-01T02:00:00Z'),
      },
    );

  it("reads the monitoring summary and both runs' feature files and writes run_reports/run_id=<id>/report.html", async () => {
    const lake = lakeOf();
    await monitor(lake);
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

  it('checks null shares and bins histograms by the thresholds the summary records', async () => {
    const lake = lakeOf();
    // No feature sparse, every null share over the limit, 4 PSI bins.
    const summary = await monitor(
      lake,
      MonitoringConfig.parse({ sparseFeatures: [], featureNullShare: 0, psiBins: 4 }),
    );
    await writeRunReport(lake, decodeJson, 'r1', '2024-01-09');
    const html = new TextDecoder().decode(await lake.read(runReportKey('r1')));
    expect(html).toMatch(
      /<td>items<\/td><td>avg_rating<\/td><td>numeric<\/td><td class="n">[\d.]+%<\/td><td class="bad">failed<\/td>/,
    );
    // Only the columns that cannot hold null stay unchecked.
    const nonNullable = summary.features.filter((f) => f.null_share === null).length;
    expect(html.match(/<td>not checked<\/td><td class="n">/g)).toHaveLength(nonNullable);
    const price = /<b>items\.price<\/b>[^]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(price.match(/<rect class="ref"/g)).toHaveLength(4);
  });

  it('shows the baseline model from runs/<id>/baseline.json once it exists, and no such section before', async () => {
    const lake = lakeOf();
    await monitor(lake);
    await writeRunReport(lake, decodeJson, 'r1', '2024-01-09');
    const before = new TextDecoder().decode(await lake.read(runReportKey('r1')));
    expect(before).not.toContain('Baseline model');
    await writeJson(lake, outputKeys.baseline('r1'), baselineReport());
    await writeRunReport(lake, decodeJson, 'r1', '2024-01-09');
    const after = new TextDecoder().decode(await lake.read(runReportKey('r1')));
    expect(after).toContain('<h2>Baseline model</h2>');
    expect(after).toContain('<td>model</td><td class="n">0.6689</td><td class="n">0.2845</td>');
    expect(after.startsWith(before.slice(0, before.indexOf('</main>')))).toBe(true);
  });
});
