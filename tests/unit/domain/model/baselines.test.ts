import {
  ITEM_RATE_PRIOR_ROWS,
  baseRate,
  constantPredictions,
  fitItemRates,
  itemRatePredictions,
} from '../../../../domain/model/baselines';

describe('the baselines', () => {
  it('constant: the training purchase rate for every row', () => {
    expect(baseRate([1, 0, 0, 1])).toBe(0.5);
    expect(baseRate([])).toBe(0);
    expect([...constantPredictions(3, 0.25)]).toEqual([0.25, 0.25, 0.25]);
  });

  it('item popularity: each item’s training purchase rate, smoothed toward the base rate', () => {
    expect(ITEM_RATE_PRIOR_ROWS).toBe(10);
    // Base rate 1/3. a: (1 + 10/3) / (2 + 10) = 13/36; b: (0 + 10/3) / (1 + 10) = 10/33.
    const model = fitItemRates(['a', 'a', 'b'], [1, 0, 0]);
    const p = itemRatePredictions(model, ['a', 'b', 'never-seen']);
    expect(p[0]).toBeCloseTo(13 / 36, 15);
    expect(p[1]).toBeCloseTo(10 / 33, 15);
    expect(p[2]).toBeCloseTo(1 / 3, 15);
  });
});
