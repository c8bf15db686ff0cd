import type { PipelineConfig } from './config';

/** The three splits, in time order. */
export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** Row counts of the temporal split (features.md §6). */
export interface SplitCounts {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

/**
 * Train is the first floor(f_train · n) rows, validation the rows up to floor((f_train + f_val) · n).
 * Fractions are integers in parts per million so the floors are exact (0.7 · 90 must give 63).
 */
export function splitCounts(n: number, split: PipelineConfig['split']): SplitCounts {
  const trainEnd = Math.floor((n * split.trainPpm) / 1_000_000);
  const validationEnd = Math.floor((n * (split.trainPpm + split.validationPpm)) / 1_000_000);
  return { train: trainEnd, validation: validationEnd - trainEnd, test: n - validationEnd };
}
