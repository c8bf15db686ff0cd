import { quarantineExamples, renderDayReportHtml } from '../../../../domain/reports/day-page';
import { formatCount } from '../../../../domain/reports/format';
import { REJECTION_CODES, REMOVAL_CODES, WARNING_CODES } from '../../../../domain/validation/codes';
import { days30, entry, report } from './fixtures';

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

  it("shows the report's own verdicts, even where its figures would say otherwise", () => {
    const given = renderDayReportHtml(
      { ...report('passed'), thresholds: [{ name: 'rejected_share', limit: 0.2, observed: 0.9, ok: true }] },
      { quarantineExamples: [], volume: [] },
    );
    expect(given).toContain('<td class="n">0.9000</td><td class="ok">ok</td>');
    expect(given).toContain('<span class="passed">passed</span>');
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

  it('cuts raw lines over 1000 characters and counts what it left out', () => {
    const long = renderDayReportHtml(report(), {
      quarantineExamples: [entry('malformed_json', 1, 'x'.repeat(1200))],
      volume: [],
    });
    expect(long).toContain(`<code>${'x'.repeat(1000)}… (200 more characters)</code>`);
    expect(long).toContain('<h3>malformed_json (1 of 300 shown)</h3>');
  });

  it('references nothing outside itself', () => {
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
  });
});
