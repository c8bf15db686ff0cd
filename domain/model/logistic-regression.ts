/**
 * L2-regularised logistic regression fitted by Newton's method, pure and deterministic.
 *
 * Objective: J(w, b) = (1/n) Σ logloss(yᵢ, σ(xᵢ·w + b)) + (λ/2)‖w‖², the intercept b unpenalised.
 * With λ > 0 it is strongly convex in w, so Newton converges in a handful of steps from any start;
 * a step-halving line search keeps every step downhill (pure Newton can overshoot when the data
 * are nearly separable, e.g. with a leaked feature). docs/decisions.md says why this is hand-written.
 */

/** A design matrix: `rows × columns` values, row-major. */
export interface Matrix {
  readonly rows: number;
  readonly columns: number;
  readonly values: Float64Array;
}

/** A fitted model: one weight per design column and the intercept. */
export interface LogisticModel {
  readonly weights: Float64Array;
  readonly intercept: number;
}

/** Settings of one fit. */
export interface FitOptions {
  /** λ of the L2 penalty (per row: the penalty is not scaled by n). */
  readonly l2: number;
  /** At most this many Newton steps (the fit stops earlier when the gradient vanishes). */
  readonly maxIterations: number;
  /** Start from this model (warm start along a λ path); zeros otherwise. */
  readonly start?: LogisticModel;
}

/**
 * The fit stops once the gradient's largest component is below this, or a step lowers J by less
 * than `OBJECTIVE_TOLERANCE` of its value: the metrics' fourth decimal no longer moves by then.
 */
const GRADIENT_TOLERANCE = 1e-7;
const OBJECTIVE_TOLERANCE = 1e-10;

/** Step halvings tried before a Newton step is given up as making no progress. */
const MAX_STEP_HALVINGS = 30;

/** The logistic function, written so that neither branch overflows. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow: the log loss of a negative row with margin z. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** The linear scores x·w + b of every row. */
function margins(x: Matrix, model: LogisticModel): Float64Array {
  const { rows, columns, values } = x;
  const out = new Float64Array(rows);
  const w = model.weights;
  for (let i = 0; i < rows; i++) {
    let z = model.intercept;
    const base = i * columns;
    for (let j = 0; j < columns; j++) z += (values[base + j] as number) * (w[j] as number);
    out[i] = z;
  }
  return out;
}

/** The probability of the positive class for every row. */
export function predictProbabilities(x: Matrix, model: LogisticModel): Float64Array {
  if (x.columns !== model.weights.length)
    throw new RangeError(`predict: ${x.columns} columns but the model has ${model.weights.length} weights`);
  const z = margins(x, model);
  for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i] as number);
  return z;
}

/** J(w, b) of the module comment. */
function objective(x: Matrix, y: ArrayLike<number>, model: LogisticModel, l2: number): number {
  const z = margins(x, model);
  let loss = 0;
  // logloss(1, σ(z)) = softplus(−z) and logloss(0, σ(z)) = softplus(z).
  for (let i = 0; i < z.length; i++) loss += softplus(y[i] === 1 ? -(z[i] as number) : (z[i] as number));
  let penalty = 0;
  for (const w of model.weights) penalty += w * w;
  return loss / x.rows + (l2 / 2) * penalty;
}

/**
 * The gradient and Hessian of J over the parameters [w, b] (b last), the Hessian packed as a dense
 * (d + 1)² matrix. Only its lower triangle is accumulated (it is symmetric), then mirrored.
 */
function gradientAndHessian(
  x: Matrix,
  y: ArrayLike<number>,
  model: LogisticModel,
  l2: number,
): { gradient: Float64Array; hessian: Float64Array } {
  const { rows, columns, values } = x;
  const d = columns + 1;
  const gradient = new Float64Array(d);
  const hessian = new Float64Array(d * d);
  const z = margins(x, model);
  const row = new Float64Array(d);
  row[columns] = 1;
  for (let i = 0; i < rows; i++) {
    const p = sigmoid(z[i] as number);
    const residual = p - (y[i] === 1 ? 1 : 0);
    const weight = p * (1 - p);
    const base = i * columns;
    for (let j = 0; j < columns; j++) row[j] = values[base + j] as number;
    for (let j = 0; j < d; j++) {
      const rj = row[j] as number;
      gradient[j] = (gradient[j] as number) + residual * rj;
      const wr = weight * rj;
      const hj = j * d;
      for (let k = 0; k <= j; k++) hessian[hj + k] = (hessian[hj + k] as number) + wr * (row[k] as number);
    }
  }
  for (let j = 0; j < d; j++) {
    gradient[j] = (gradient[j] as number) / rows + (j < columns ? l2 * (model.weights[j] as number) : 0);
    for (let k = 0; k <= j; k++) {
      const h = (hessian[j * d + k] as number) / rows + (j === k && j < columns ? l2 : 0);
      hessian[j * d + k] = h;
      hessian[k * d + j] = h;
    }
  }
  return { gradient, hessian };
}

/**
 * Solves A·s = b for a symmetric positive definite A (d × d, row-major) by Cholesky, A = L·Lᵀ.
 * A pivot that is not positive (a rank-deficient Hessian: an all-constant column with λ = 0) is
 * floored at a tiny value, which leaves that direction's step at about zero.
 */
export function solveSymmetric(a: Float64Array, b: Float64Array): Float64Array {
  const d = b.length;
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let diagonal = a[j * d + j] as number;
    for (let k = 0; k < j; k++) diagonal -= (l[j * d + k] as number) ** 2;
    const pivot = Math.sqrt(Math.max(diagonal, 1e-12));
    l[j * d + j] = pivot;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * d + k] as number) * (l[j * d + k] as number);
      l[i * d + j] = s / pivot;
    }
  }
  // Forward: L·t = b; back: Lᵀ·s = t.
  const t = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * d + k] as number) * (t[k] as number);
    t[i] = s / (l[i * d + i] as number);
  }
  const out = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = t[i] as number;
    for (let k = i + 1; k < d; k++) s -= (l[k * d + i] as number) * (out[k] as number);
    out[i] = s / (l[i * d + i] as number);
  }
  return out;
}

/** Fits the model of the module comment to 0/1 labels `y` (one per row of `x`). */
export function fitLogisticRegression(x: Matrix, y: ArrayLike<number>, options: FitOptions): LogisticModel {
  if (y.length !== x.rows) throw new RangeError(`fit: ${x.rows} rows but ${y.length} labels`);
  if (x.rows === 0) throw new RangeError('fit: no rows');
  if (!(options.l2 >= 0)) throw new RangeError(`fit: l2 must be ≥ 0, got ${options.l2}`);
  const d = x.columns;
  let model: LogisticModel = options.start ?? { weights: new Float64Array(d), intercept: 0 };
  let current = objective(x, y, model, options.l2);
  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    const { gradient, hessian } = gradientAndHessian(x, y, model, options.l2);
    let largest = 0;
    for (const g of gradient) largest = Math.max(largest, Math.abs(g));
    if (largest < GRADIENT_TOLERANCE) break;
    const step = solveSymmetric(hessian, gradient);
    let scale = 1;
    let accepted = false;
    let converged = false;
    for (let h = 0; h < MAX_STEP_HALVINGS; h++, scale /= 2) {
      const weights = new Float64Array(d);
      for (let j = 0; j < d; j++) weights[j] = (model.weights[j] as number) - scale * (step[j] as number);
      const candidate = { weights, intercept: model.intercept - scale * (step[d] as number) };
      const value = objective(x, y, candidate, options.l2);
      if (value <= current) {
        converged = current - value <= OBJECTIVE_TOLERANCE * Math.abs(current);
        model = candidate;
        current = value;
        accepted = true;
        break;
      }
    }
    if (!accepted || converged) break;
  }
  return model;
}
