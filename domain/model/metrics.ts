/**
 * Scores of a binary classifier, pure: ROC AUC (ties counted half, as the Mann–Whitney U does) and
 * log loss (probabilities clipped, so one confident mistake costs a large but finite amount).
 */

/**
 * Probabilities are clipped to [ε, 1 − ε] before the logarithm: without it a single 0 for a
 * positive makes the loss infinite. 1e-15 is the usual choice (scikit-learn's historical default);
 * it caps one row's loss at about 34.5 nats.
 */
export const LOG_LOSS_EPSILON = 1e-15;

/** Positives and negatives among 0/1 labels. */
export function labelCounts(labels: ArrayLike<number>): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  return { positives, negatives: labels.length - positives };
}

/**
 * ROC AUC: the probability that a random positive scores above a random negative, a tie counting
 * one half. Computed from mid-ranks (U = rank sum of the positives − n₁(n₁ + 1)/2), so equal scores
 * share their mean rank. Null when either class is absent (the AUC is undefined then).
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const n = labels.length;
  if (scores.length !== n) throw new RangeError(`rocAuc: ${n} labels but ${scores.length} scores`);
  const { positives, negatives } = labelCounts(labels);
  if (positives === 0 || negatives === 0) return null;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positiveRankSum = 0;
  let i = 0;
  while (i < n) {
    // [i, j) is one run of equal scores: ranks i + 1 .. j, whose mean is (i + 1 + j) / 2.
    let j = i + 1;
    while (j < n && scores[order[j] as number] === scores[order[i] as number]) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (labels[order[k] as number] === 1) positiveRankSum += midRank;
    i = j;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Mean log loss (cross-entropy, natural log) of probabilities of the positive class, each clipped
 * to [ε, 1 − ε]. Zero rows is an error: there is no mean.
 */
export function logLoss(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  epsilon: number = LOG_LOSS_EPSILON,
): number {
  const n = labels.length;
  if (probabilities.length !== n)
    throw new RangeError(`logLoss: ${n} labels but ${probabilities.length} probabilities`);
  if (n === 0) throw new RangeError('logLoss: no rows');
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - epsilon, Math.max(epsilon, probabilities[i] as number));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}

/**
 * The standard error of an AUC estimated from `positives` and `negatives` rows (Hanley & McNeil,
 * 1982): the noise an AUC difference must exceed before it means anything.
 */
export function aucStandardError(auc: number, positives: number, negatives: number): number {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance =
    (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) /
    (positives * negatives);
  return Math.sqrt(Math.max(0, variance));
}
