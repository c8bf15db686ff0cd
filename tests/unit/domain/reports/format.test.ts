import { formatCount, formatNumber, percent } from '../../../../domain/reports/format';

describe('number formats', () => {
  it('formatNumber keeps 4 significant digits, no trailing zeros, exponents for the very large and small', () => {
    expect([0, 1, 2.5, 1234.56789, -0.012345, 1e6, 0.00012, Number.NaN].map(formatNumber)).toEqual([
      '0',
      '1',
      '2.5',
      '1235',
      '-0.01235',
      '1e+6',
      '1.2e-4',
      'NaN',
    ]);
  });

  it('formatCount rounds and groups thousands; percent scales a share', () => {
    expect([0, 999, 1000, 12345.6, 1234567].map(formatCount)).toEqual([
      '0',
      '999',
      '1,000',
      '12,346',
      '1,234,567',
    ]);
    expect(percent(0.125)).toBe('12.5%');
    expect(percent(0.01, 2)).toBe('1.00%');
  });
});
