import {
  driftAlert,
  psiBand,
  psiCategorical,
  psiNumeric,
  quantileEdges,
} from '../../../../domain/monitoring/drift';

const EPS = 1e-4;
const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('psiNumeric', () => {
  it('is 0 for identical distributions, nulls ignored', () => {
    expect(psiNumeric(oneToTen, oneToTen)).toBe(0);
    expect(psiNumeric([...oneToTen, null], [null, ...oneToTen, null])).toBe(0);
  });

  it('bins at the reference deciles, interpolated between order statistics', () => {
    // Position 0.9k of 1..10: edges 1.9, 2.8, ..., 9.1, so each value of 1..10 has its own bin.
    expect(Array.from(quantileEdges(Float64Array.from(oneToTen), 10))).toEqual(
      [1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1].map((e) => expect.closeTo(e, 12)),
    );
  });

  it('gives the hand-computed value for a known shift (an empty bin counts as 1e-4)', () => {
    // Reference: 0.1 per bin. Current: 10 replaced by 1, so bin 0 holds 0.2 and bin 9 is empty.
    const expected = (0.2 - 0.1) * Math.log(0.2 / 0.1) + (EPS - 0.1) * Math.log(EPS / 0.1);
    expect(expected).toBeCloseTo(0.7593994, 6);
    expect(psiNumeric(oneToTen, [1, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toBeCloseTo(expected, 12);
  });

  it('puts a value equal to an edge in the upper bin', () => {
    // Reference 0..10: edges exactly 1..9; bins 0-8 hold 1/11 each, bin 9 (≥ 9) holds 9 and 10.
    const reference = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // Current 1..10 and 10 again: 1..8 land in bins 1..8 (upper bins), 9, 10, 10 in bin 9, bin 0 empty.
    const current = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10];
    const expected = (EPS - 1 / 11) * Math.log(EPS / (1 / 11)) + (3 / 11 - 2 / 11) * Math.log(3 / 2);
    expect(psiNumeric(reference, current)).toBeCloseTo(expected, 12);
  });

  it('reads INT64 values decoded as bigint, and is null when a side has no values', () => {
    expect(psiNumeric([1n, 2n, 3n], [1, 2, 3])).toBe(0);
    expect(psiNumeric([null, null], [1])).toBeNull();
    expect(psiNumeric([1], [])).toBeNull();
  });
});

describe('psiCategorical', () => {
  it('is 0 for identical distributions', () => {
    expect(psiCategorical(['a', 'b', 'b', null], ['b', 'a', 'b'])).toBe(0);
  });

  it('gives a new category the reference share 1e-4', () => {
    // Reference a .5, b .5, c ε; current a .5, b .25, c .25.
    const expected = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.25 - EPS) * Math.log(0.25 / EPS);
    expect(expected).toBeCloseTo(2.1285159, 6);
    expect(psiCategorical(['a', 'a', 'b', 'b'], ['a', 'a', 'b', 'c'])).toBeCloseTo(expected, 12);
  });

  it('treats booleans as categories', () => {
    expect(psiCategorical([true, false], [true, false])).toBe(0);
    expect(psiCategorical([true, false], [true, true])).toBeGreaterThan(0.2);
  });
});

describe('psiBand and driftAlert', () => {
  it('bands: < 0.1 stable, 0.1 to 0.2 moderate, > 0.2 alert', () => {
    expect(psiBand(0.0999)).toBe('stable');
    expect(psiBand(0.1)).toBe('moderate');
    expect(psiBand(0.2)).toBe('moderate');
    expect(psiBand(0.2001)).toBe('alert');
  });

  it('raises one alert listing every feature in the alert band, or none', () => {
    const context = { run_id: 'r1', raised_at: '2024-02-01T02:00:00.000Z' };
    const features = [
      { dataset: 'items', feature: 'price', psi: 0.5 },
      { dataset: 'users', feature: 'recency_days', psi: 0.15 },
      { dataset: 'users', feature: 'gender', psi: 0.3 },
      { dataset: 'items', feature: 'brand', psi: null },
    ];
    expect(driftAlert('2024-01-31', features, 0.2, context)).toEqual({
      check: 'drift',
      date: '2024-01-31',
      raised_at: '2024-02-01T02:00:00.000Z',
      severity: 'warning',
      message: 'feature drift (PSI > 0.2) against the previous run: items.price 0.5000, users.gender 0.3000',
      observed: 0.5,
      threshold: 0.2,
      run_id: 'r1',
      findings: [
        { dataset: 'items', field: 'price', observed: 0.5, threshold: 0.2 },
        { dataset: 'users', field: 'gender', observed: 0.3, threshold: 0.2 },
      ],
    });
    expect(driftAlert('2024-01-31', features.slice(1, 2), 0.2, context)).toBeNull();
  });
});
