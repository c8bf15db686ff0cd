import {
  type Matrix,
  fitLogisticRegression,
  predictProbabilities,
  sigmoid,
  solveSymmetric,
} from '../../../../domain/model/logistic-regression';

const matrix = (rows: readonly (readonly number[])[]): Matrix => ({
  rows: rows.length,
  columns: rows[0]?.length ?? 0,
  values: Float64Array.from(rows.flat()),
});

describe('sigmoid', () => {
  it('is the logistic function and does not overflow', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 15);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });
});

describe('solveSymmetric', () => {
  it('solves a positive definite system', () => {
    // [[4, 2], [2, 3]] s = [2, 1]: the inverse is [[3, −2], [−2, 4]] / 8, so s = [0.5, 0].
    const s = solveSymmetric(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]));
    expect(s[0]).toBeCloseTo(0.5, 14);
    expect(s[1]).toBeCloseTo(0, 14);
  });
});

describe('fitLogisticRegression', () => {
  // One 0/1 feature: a quarter of the x = 0 rows are positive, three quarters of the x = 1 rows.
  const x = matrix([[0], [0], [0], [0], [1], [1], [1], [1]]);
  const y = [1, 0, 0, 0, 1, 1, 1, 0];

  it('finds the maximum-likelihood solution without a penalty', () => {
    // b = logit(¼) = −ln 3, w = logit(¾) − logit(¼) = 2 ln 3.
    const model = fitLogisticRegression(x, y, { l2: 0, maxIterations: 25 });
    expect(model.intercept).toBeCloseTo(-Math.log(3), 8);
    expect(model.weights[0]).toBeCloseTo(2 * Math.log(3), 8);
    const p = predictProbabilities(x, model);
    expect(p[0]).toBeCloseTo(0.25, 8);
    expect(p[7]).toBeCloseTo(0.75, 8);
  });

  it('shrinks the weights with λ, never the intercept, and reaches the base rate for a huge λ', () => {
    const weight = (l2: number) =>
      fitLogisticRegression(x, y, { l2, maxIterations: 25 }).weights[0] as number;
    expect(weight(0.1)).toBeLessThan(weight(0.01));
    expect(weight(0.01)).toBeLessThan(weight(0));
    const flat = fitLogisticRegression(x, y, { l2: 1e6, maxIterations: 25 });
    expect(flat.weights[0]).toBeCloseTo(0, 5);
    expect(sigmoid(flat.intercept)).toBeCloseTo(0.5, 5); // 4 positives of 8
  });

  it('stops at the penalised optimum: the gradient (1/n)·Xᵀ(p − y) + λw vanishes', () => {
    const data = matrix([
      [0.5, -1.2],
      [1.5, 0.3],
      [-0.7, 0.8],
      [2.1, -0.4],
      [-1.3, -0.9],
      [0.2, 1.7],
    ]);
    const labels = [1, 1, 0, 1, 0, 0];
    const l2 = 0.05;
    const model = fitLogisticRegression(data, labels, { l2, maxIterations: 25 });
    const p = predictProbabilities(data, model);
    for (let j = 0; j < 2; j++) {
      let g = 0;
      for (let i = 0; i < 6; i++)
        g += ((p[i] as number) - (labels[i] as number)) * (data.values[i * 2 + j] as number);
      expect(g / 6 + l2 * (model.weights[j] as number)).toBeCloseTo(0, 6);
    }
    let bias = 0;
    for (let i = 0; i < 6; i++) bias += (p[i] as number) - (labels[i] as number);
    expect(bias / 6).toBeCloseTo(0, 6);
  });

  it('keeps weights finite on separable data (a leaked column) when λ > 0', () => {
    const separable = matrix([[0], [0], [0], [1], [1], [1]]);
    const model = fitLogisticRegression(separable, [0, 0, 0, 1, 1, 1], { l2: 1e-3, maxIterations: 50 });
    expect(Number.isFinite(model.weights[0])).toBe(true);
    const p = predictProbabilities(separable, model);
    expect(p[0]).toBeLessThan(0.05);
    expect(p[5]).toBeGreaterThan(0.95);
  });

  it('continues from a warm start to the same optimum', () => {
    const cold = fitLogisticRegression(x, y, { l2: 0.01, maxIterations: 25 });
    const start = fitLogisticRegression(x, y, { l2: 1, maxIterations: 25 });
    const warm = fitLogisticRegression(x, y, { l2: 0.01, maxIterations: 25, start });
    expect(warm.weights[0]).toBeCloseTo(cold.weights[0] as number, 8);
    expect(warm.intercept).toBeCloseTo(cold.intercept, 8);
  });

  it('rejects mismatched labels, no rows and a negative λ', () => {
    expect(() => fitLogisticRegression(x, [1, 0], { l2: 0, maxIterations: 1 })).toThrow(
      '8 rows but 2 labels',
    );
    expect(() => fitLogisticRegression(matrix([]), [], { l2: 0, maxIterations: 1 })).toThrow('no rows');
    expect(() => fitLogisticRegression(x, y, { l2: -1, maxIterations: 1 })).toThrow('l2 must be ≥ 0');
  });
});
