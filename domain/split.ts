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

/** The global row ranks `[from, to)` of each split, in time order. */
export function splitRanges(counts: SplitCounts): Record<Split, { from: number; to: number }> {
  const validationFrom = counts.train;
  const testFrom = counts.train + counts.validation;
  return {
    train: { from: 0, to: validationFrom },
    validation: { from: validationFrom, to: testFrom },
    test: { from: testFrom, to: testFrom + counts.test },
  };
}

/**
 * How the rows of each day fall into the splits and part files, from the days' row counts alone:
 * day d's rows are the global ranks `[offset_d, offset_d + rows_d)`; within a split, each day's rows
 * go to consecutive part files of at most `rowsPerPart` rows, numbered on from the days before.
 * So every day can write its own files in parallel, and the file names do not depend on who wrote them.
 */
export interface DaySplitPlan {
  /** The day's first global rank. */
  readonly offset: number;
  /** Per split: the day's rows in it (day-local `[from, to)`) and the number of its first part file. */
  readonly splits: readonly { split: Split; from: number; to: number; firstPart: number }[];
}

/** Each day's place in the split, given the days' clean row counts in date order. */
export function daySplitPlans(
  dayRows: readonly number[],
  split: PipelineConfig['split'],
  rowsPerPart: number,
): DaySplitPlan[] {
  const n = dayRows.reduce((a, b) => a + b, 0);
  const ranges = splitRanges(splitCounts(n, split));
  const nextPart: Record<Split, number> = { train: 0, validation: 0, test: 0 };
  let offset = 0;
  return dayRows.map((rows) => {
    const splits = SPLITS.flatMap((s) => {
      const from = Math.max(ranges[s].from, offset) - offset;
      const to = Math.min(ranges[s].to, offset + rows) - offset;
      if (to <= from) return [];
      const firstPart = nextPart[s];
      nextPart[s] += Math.ceil((to - from) / rowsPerPart);
      return [{ split: s, from, to, firstPart }];
    });
    const plan = { offset, splits };
    offset += rows;
    return plan;
  });
}
