/**
 * The two baselines the model must beat, fitted on the training split only: a constant (the
 * training purchase rate for every row) and item popularity (each item's training purchase rate).
 */

/**
 * Pseudo-rows at the base rate added to every item's counts: an item seen in 2 training rows, one
 * a purchase, gets a rate near the base rate rather than 0.5. Ten rows is a light prior: items
 * with a few dozen rows are ranked mostly by their own counts.
 */
export const ITEM_RATE_PRIOR_ROWS = 10;

/** The share of positive labels (the constant baseline's prediction). */
export function baseRate(labels: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  return labels.length === 0 ? 0 : positives / labels.length;
}

/** `rows` copies of one probability. */
export function constantPredictions(rows: number, probability: number): Float64Array {
  return new Float64Array(rows).fill(probability);
}

/** Each item's smoothed training purchase rate, and the rate of items never seen in training. */
export interface ItemRates {
  readonly rates: ReadonlyMap<string, number>;
  readonly unseen: number;
}

/** Fits the item popularity baseline: (purchases + m·base) / (rows + m) per item, m = `ITEM_RATE_PRIOR_ROWS`. */
export function fitItemRates(items: ArrayLike<unknown>, labels: ArrayLike<number>): ItemRates {
  const base = baseRate(labels);
  const rows = new Map<string, number>();
  const purchases = new Map<string, number>();
  for (let i = 0; i < labels.length; i++) {
    const item = String(items[i]);
    rows.set(item, (rows.get(item) ?? 0) + 1);
    if (labels[i] === 1) purchases.set(item, (purchases.get(item) ?? 0) + 1);
  }
  const rates = new Map<string, number>();
  for (const [item, n] of rows)
    rates.set(item, ((purchases.get(item) ?? 0) + ITEM_RATE_PRIOR_ROWS * base) / (n + ITEM_RATE_PRIOR_ROWS));
  return { rates, unseen: base };
}

/** The item popularity baseline's probability for every row. */
export function itemRatePredictions(model: ItemRates, items: ArrayLike<unknown>): Float64Array {
  const out = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = model.rates.get(String(items[i])) ?? model.unseen;
  return out;
}
