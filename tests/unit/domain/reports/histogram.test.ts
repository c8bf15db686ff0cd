import { binCounts, numericValues, quantileEdges } from '../../../../domain/monitoring/drift';
import { categoryBins, histogramBins } from '../../../../domain/reports/histogram';

describe('histogramBins', () => {
  it('bins both sides on the reference deciles, as shares, an edge value in the upper bin', () => {
    const reference = Array.from({ length: 11 }, (_, i) => i); // deciles 1..9
    const bins = histogramBins(reference, [0, 0.5, 9, 10, 100, null], 10);
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

  it('holds the shares of the bins the PSI counts', () => {
    const reference = Array.from({ length: 200 }, (_, k) => Math.sin(k) * 100);
    const current = Array.from({ length: 150 }, (_, k) => Math.cos(k) * 120);
    const edges = quantileEdges(numericValues(reference).sort(), 5);
    const counts = binCounts(edges, numericValues(current));
    const bins = histogramBins(reference, current, 5);
    expect(bins.map((b) => b.current)).toEqual(Array.from(counts, (n) => n / 150));
  });

  it('uses the current values alone without a reference, and gives no bins without any value', () => {
    const bins = histogramBins([], [1n, 2n, 3n], 10);
    expect(bins.every((b) => b.reference === 0)).toBe(true);
    expect(bins.reduce((s, b) => s + b.current, 0)).toBeCloseTo(1);
    expect(histogramBins([null], [], 10)).toEqual([]);
  });
});

describe('categoryBins', () => {
  it('keeps the top categories and folds the rest into (other)', () => {
    const bins = categoryBins(['a', 'a', 'b', 'c'], ['a', 'c', 'c', 'd'], 3);
    expect(bins.map((b) => b.label)).toEqual(['a', 'c', '(other)']);
    expect(bins[2]).toEqual({ label: '(other)', reference: 0.25, current: 0.25 });
  });

  it('orders ties by code point, ignores nulls and gives no bins without any value', () => {
    expect(categoryBins(['b', 'a', null], ['b', 'a']).map((b) => b.label)).toEqual(['a', 'b']);
    expect(categoryBins([null], [undefined])).toEqual([]);
  });
});
