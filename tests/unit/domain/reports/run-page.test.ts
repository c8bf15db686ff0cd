import { defaultConfig } from '../../../../domain/config';
import { defaultMonitoringConfig, runThresholds } from '../../../../domain/monitoring/config';
import type { MonitoringSummary } from '../../../../domain/monitoring/summary';
import { histogramBins } from '../../../../domain/reports/histogram';
import {
  type FeatureReport,
  type RunReportHeader,
  baselineSection,
  renderRunReportHtml,
} from '../../../../domain/reports/run-page';
import { baselineReport } from './baseline-fixture';
import { days30, report } from './fixtures';

function summaryOf(features: number): MonitoringSummary {
  return {
    run_id: 'r1',
    as_of: '2024-01-31',
    previous_as_of: { users: '2024-01-30', items: '2024-01-30' },
    raised_at: '2024-02-01T02:00:00.000Z',
    config: runThresholds(defaultMonitoringConfig(), defaultConfig()),
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
  status: 'warned',
  days: days30.map((d) => ({ date: d.date, status: 'passed', counts: { ...report().counts, raw: d.raw } })),
};

describe('renderRunReportHtml', () => {
  const summary = summaryOf(50);
  const features: FeatureReport[] = summary.features.map((f, i) => ({
    ...f,
    null_ok: true,
    bins: histogramBins(
      Array.from({ length: 1000 }, (_, k) => Math.sin(k + i) * 1000.123456),
      Array.from({ length: 1000 }, (_, k) => Math.cos(k * i) * 1234.56789),
      10,
    ),
  }));
  const html = renderRunReportHtml(header, summary, features);

  it('stays under 300 KB for 50 features × 10 bins and 30 days', () => {
    expect(features.every((f) => f.bins.length === 10)).toBe(true);
    expect(Buffer.byteLength(html)).toBeLessThan(300 * 1024);
  });

  it('has the status, the volume chart, a histogram per feature and the PSI checks', () => {
    expect(html).toContain('<h1>Run r1: <span class="warned">warned</span></h1>');
    expect(html.match(/<rect class="vol"/g)).toHaveLength(30);
    expect(html.match(/<svg [^>]*class="chart histogram"/g)).toHaveLength(50);
    expect(html.match(/<rect class="(ref|cur)"/g)).toHaveLength(50 * 10 * 2);
    expect(html).toContain(
      '<td>feature_0</td><td>numeric</td><td class="n">10.00%</td><td class="ok">ok</td><td class="n">0.3000</td><td class="bad">failed</td>',
    );
    expect(html).toContain('<b>users.feature_0</b> · PSI 0.3000 <span class="band alert">alert</span>');
    expect(html).toContain('<li>alerts/date=2024-01-30/drift.json</li>');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
  });

  it('shows the verdicts it is given (status, null check, PSI band) and works none out itself', () => {
    const [first] = features;
    if (first === undefined) throw new Error('no feature');
    const given = renderRunReportHtml({ ...header, status: 'failed' }, summary, [
      { ...first, null_share: 0.01, null_ok: false, psi: 0.9, band: 'moderate' },
      { ...first, feature: 'unchecked', null_share: null, null_ok: null, psi: null, band: null },
    ]);
    expect(given).toContain('<h1>Run r1: <span class="failed">failed</span></h1>');
    expect(given).toContain(
      '<td>feature_0</td><td>numeric</td><td class="n">1.00%</td><td class="bad">failed</td><td class="n">0.9000</td><td class="ok">ok</td>',
    );
    expect(given).toContain(
      '<td>unchecked</td><td>numeric</td><td class="n"></td><td>not checked</td><td class="n"></td><td>not checked</td>',
    );
    expect(given).toContain('<b>users.unchecked</b> · no previous run</p>');
  });

  it('is deterministic', () => {
    expect(renderRunReportHtml(header, summary, features)).toBe(html);
  });
});

describe('baselineSection', () => {
  it('sets the model against both baselines on test and validation, with λ and the top weights', () => {
    const html = baselineSection(baselineReport()).join('\n');
    expect(html).toContain('<h2>Baseline model</h2>');
    expect(html).toContain(
      '<tr><td>model</td><td class="n">0.6689</td><td class="n">0.2845</td><td class="n">0.6712</td><td class="n">0.2857</td>',
    );
    expect(html).toContain('<tr><td>item popularity</td><td class="n">0.4936</td><td class="n">0.3032</td>');
    expect(html).toContain('<tr><td>constant</td><td class="n">0.5000</td><td class="n">0.3007</td>');
    expect(html).toContain('λ 0.001 (lowest validation log loss over the L2 grid)');
    expect(html).toContain('<span class="passed">no leakage suspected</span>');
    expect(html).toContain('<tr><td>session_position = 1</td><td class="n">-0.5729</td></tr>');
    expect(html).toContain('user_gender = &lt;F&gt;');
  });

  it('lists the leakage check’s reasons when it suspects the dataset', () => {
    const html = baselineSection(baselineReport(['test AUC 0.9990 ≥ 0.98: <near> perfect'])).join('\n');
    expect(html).toContain('<span class="failed">leakage suspected</span>');
    expect(html).toContain('<li>test AUC 0.9990 ≥ 0.98: &lt;near&gt; perfect</li>');
  });
});
