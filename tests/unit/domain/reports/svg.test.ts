import { histogramSvg, volumeChartSvg } from '../../../../domain/reports/svg';

describe('volumeChartSvg', () => {
  it('draws one bar per day in date order, a gap for a missing day, the highlighted day apart', () => {
    const svg = volumeChartSvg(
      [
        { date: '2024-01-04', raw: 40 },
        { date: '2024-01-01', raw: 10 },
        { date: '2024-01-02', raw: 0 },
      ],
      '2024-01-04',
    );
    const bars = [...svg.matchAll(/<rect class="(\w+)" x="([\d.]+)"[^>]*height="([\d.]+)"/g)];
    expect(bars.map((b) => b[1])).toEqual(['vol', 'vol', 'today']);
    // Four slots over 2024-01-01 .. 04: the third (01-03) stays empty.
    const x = bars.map((b) => Number(b[2]));
    expect((x[2] as number) - (x[1] as number)).toBeCloseTo(2 * ((x[1] as number) - (x[0] as number)), 0);
    expect(bars.map((b) => Number(b[3]))[1]).toBe(0);
    expect(svg).toContain('<title>2024-01-04: 40 raw</title>');
    expect(volumeChartSvg([])).toBe('<p class="meta">No volume figures.</p>');
  });
});

describe('histogramSvg', () => {
  it('draws a previous/current pair per bin with the shares in its title', () => {
    const svg = histogramSvg([
      { label: '< 1', reference: 0.5, current: 0.25 },
      { label: '≥ 1', reference: 0.5, current: 0.75 },
    ]);
    expect(svg.match(/<rect class="ref"/g)).toHaveLength(2);
    expect(svg.match(/<rect class="cur"/g)).toHaveLength(2);
    expect(svg).toContain('<title>&lt; 1: previous 50.0%, current 25.0%</title>');
    expect(histogramSvg([])).toBe('<p class="meta">No values.</p>');
  });
});
