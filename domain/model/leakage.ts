/**
 * The leakage check run on every trained dataset: a purchase model whose scores are too good to be
 * true, or better on the later test days than on validation, has most likely been given a column
 * that carries the label (a feature computed from the row's own event, or from after it).
 */
import { aucStandardError } from './metrics';

/**
 * Thresholds, and why:
 * - `nearPerfectAuc`: behavioural features predict a purchase well but never almost surely; a
 *   test AUC of 0.98 or more means some column nearly determines the label.
 * - `testOverValidationAuc` and `gapStandardErrors`: validation and test are adjacent windows of
 *   the same days' process, so test should score about as validation does (usually a little
 *   lower, being further from training). Test above validation by more than 0.05 AUC and by more
 *   than 3 standard errors of the difference (Hanley–McNeil, so small splits are not flagged for
 *   their noise) suggests features that know more about the later rows, e.g. computed after them.
 * - `singleFeatureAuc`: one design column alone separating validation purchases at 0.98 AUC (in
 *   either direction) is a label in disguise; the reason names it.
 */
export const LEAKAGE_THRESHOLDS = {
  nearPerfectAuc: 0.98,
  testOverValidationAuc: 0.05,
  gapStandardErrors: 3,
  singleFeatureAuc: 0.98,
} as const;

/** An AUC with the class counts it was measured on. */
export interface MeasuredAuc {
  /** Null when the split lacks a class. */
  readonly auc: number | null;
  readonly positives: number;
  readonly negatives: number;
}

/** What the check says: suspected or not, and each reason in one line. */
export interface LeakageVerdict {
  readonly suspected: boolean;
  readonly reasons: readonly string[];
}

/** What the check looks at. */
export interface LeakageInput {
  readonly validation: MeasuredAuc;
  readonly test: MeasuredAuc;
  /** The AUC of each design column alone, on validation. */
  readonly featureAucs: readonly { readonly name: string; readonly auc: number | null }[];
}

/** Applies the three checks of `LEAKAGE_THRESHOLDS`. */
export function checkLeakage(input: LeakageInput, thresholds = LEAKAGE_THRESHOLDS): LeakageVerdict {
  const reasons: string[] = [];
  const { validation, test } = input;
  if (test.auc !== null && test.auc >= thresholds.nearPerfectAuc)
    reasons.push(
      `test AUC ${test.auc.toFixed(4)} ≥ ${thresholds.nearPerfectAuc}: near perfect, some column nearly determines the label`,
    );
  if (test.auc !== null && validation.auc !== null) {
    const gap = test.auc - validation.auc;
    const noise = Math.hypot(
      aucStandardError(validation.auc, validation.positives, validation.negatives),
      aucStandardError(test.auc, test.positives, test.negatives),
    );
    if (gap > thresholds.testOverValidationAuc && gap > thresholds.gapStandardErrors * noise)
      reasons.push(
        `test AUC ${test.auc.toFixed(4)} is ${gap.toFixed(4)} above validation AUC ${validation.auc.toFixed(4)} (> ${thresholds.testOverValidationAuc} and > ${thresholds.gapStandardErrors} standard errors, ${noise.toFixed(4)} each)`,
      );
  }
  for (const f of input.featureAucs) {
    if (f.auc === null) continue;
    const separation = Math.max(f.auc, 1 - f.auc);
    if (separation >= thresholds.singleFeatureAuc)
      reasons.push(
        `feature "${f.name}" alone has validation AUC ${f.auc.toFixed(4)} (≥ ${thresholds.singleFeatureAuc} either way): it carries the label`,
      );
  }
  return { suspected: reasons.length > 0, reasons };
}
