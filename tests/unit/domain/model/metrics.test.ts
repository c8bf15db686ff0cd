import fc from 'fast-check';

import { LOG_LOSS_EPSILON, aucStandardError, logLoss, rocAuc } from '../../../../domain/model/metrics';

/** AUC by its definition: over every (positive, negative) pair, 1 if ordered, ½ if tied. */
function pairwiseAuc(labels: readonly number[], scores: readonly number[]): number | null {
  let wins = 0;
  let pairs = 0;
  labels.forEach((a, i) =>
    labels.forEach((b, j) => {
      if (a !== 1 || b !== 0) return;
      pairs++;
      const si = scores[i] as number;
      const sj = scores[j] as number;
      wins += si > sj ? 1 : si === sj ? 0.5 : 0;
    }),
  );
  return pairs === 0 ? null : wins / pairs;
}

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, ½ for all-equal scores', () => {
    expect(rocAuc([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.3])).toBe(1);
    expect(rocAuc([1, 0, 1, 0], [0.1, 0.9, 0.3, 0.8])).toBe(0);
    expect(rocAuc([1, 0, 1, 0], [0.4, 0.4, 0.4, 0.4])).toBe(0.5);
  });

  it('counts a tied positive–negative pair as one half', () => {
    // Pairs (pos, neg): (0.5, 0.5) ½, (0.5, 0.2) 1, (0.8, 0.5) 1, (0.8, 0.2) 1 → 3.5 / 4.
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.8, 0.2])).toBe(0.875);
    // Three positives, two negatives; ties across a run of three equal scores:
    // pos 0.3 vs neg 0.3 ½, vs neg 0.1 1; pos 0.3 (second) the same; pos 0.7 beats both → 5 / 6.
    expect(rocAuc([1, 1, 0, 1, 0], [0.3, 0.3, 0.3, 0.7, 0.1])).toBeCloseTo(5 / 6, 15);
  });

  it('is null when a class is absent', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNull();
    expect(rocAuc([0, 0], [0.2, 0.3])).toBeNull();
    expect(rocAuc([], [])).toBeNull();
  });

  it('equals the pairwise definition on any labels and scores with ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 5 })), { maxLength: 40 }),
        (rows) => {
          const labels = rows.map((r) => r[0]);
          const scores = rows.map((r) => r[1] / 5);
          const expected = pairwiseAuc(labels, scores);
          const actual = rocAuc(labels, scores);
          if (expected === null) expect(actual).toBeNull();
          else expect(actual).toBeCloseTo(expected, 12);
        },
      ),
    );
  });

  it('rejects labels and scores of different lengths', () => {
    expect(() => rocAuc([1, 0], [0.5])).toThrow('2 labels but 1 scores');
  });
});

describe('logLoss', () => {
  it('is the mean negative log-likelihood', () => {
    // −(ln 0.8 + ln 0.6) / 2 = (0.2231435513 + 0.5108256238) / 2.
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(0.3669845875, 9);
    expect(logLoss([1, 1, 0, 0], [0.5, 0.5, 0.5, 0.5])).toBeCloseTo(Math.LN2, 15);
  });

  it('clips probabilities to [ε, 1 − ε], so a confident mistake costs −ln ε, not infinity', () => {
    expect(LOG_LOSS_EPSILON).toBe(1e-15);
    expect(logLoss([1], [0])).toBeCloseTo(34.538776394910684, 9);
    // At the top the clip is the double nearest 1 − ε, whose distance from 1 is 0.99920072e-15.
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1 - (1 - 1e-15)), 9);
    expect(logLoss([1], [1])).toBeCloseTo(1e-15, 17);
    expect(logLoss([1], [0], 0.01)).toBeCloseTo(-Math.log(0.01), 12);
  });

  it('rejects zero rows and length mismatches', () => {
    expect(() => logLoss([], [])).toThrow('no rows');
    expect(() => logLoss([1], [0.2, 0.3])).toThrow('1 labels but 2 probabilities');
  });
});

describe('aucStandardError', () => {
  it('follows Hanley & McNeil', () => {
    // A = ½: Q1 = Q2 = 1/3, variance = (¼ + 9·(1/12) + 9·(1/12)) / 100 = 0.0175.
    expect(aucStandardError(0.5, 10, 10)).toBeCloseTo(Math.sqrt(0.0175), 12);
    // A = 1 leaves no variance.
    expect(aucStandardError(1, 10, 10)).toBe(0);
    // More rows, less noise.
    expect(aucStandardError(0.7, 1000, 1000)).toBeLessThan(aucStandardError(0.7, 50, 50));
  });
});
