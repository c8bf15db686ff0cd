/** The shape of `runs/<id>/baseline.json`, which `npm run train` writes and the run page shows. */
import type { LEAKAGE_THRESHOLDS, LeakageVerdict } from './leakage';
import type { Split } from '../split';

/** ROC AUC and log loss of one scorer on one split. */
export interface SplitScores {
  readonly auc: number | null;
  readonly log_loss: number;
}

/** One scorer's figures. */
export interface ScorerReport {
  readonly description: string;
  readonly validation: SplitScores;
  readonly test: SplitScores;
}

/** `runs/<id>/baseline.json`. */
export interface BaselineReport {
  readonly run_id: string;
  readonly as_of: string | null;
  readonly label: string;
  readonly rows: Record<Split, number>;
  readonly positives: Record<Split, number>;
  readonly model: ScorerReport & {
    readonly kind: 'logistic_regression';
    readonly l2: number;
    readonly selected_by: string;
    readonly grid: readonly {
      readonly l2: number;
      readonly validation_auc: number | null;
      readonly validation_log_loss: number;
    }[];
    readonly intercept: number;
    /** Weights of the standardised design columns, largest magnitude first. */
    readonly weights: readonly { readonly feature: string; readonly weight: number }[];
  };
  readonly baselines: {
    readonly item_popularity: ScorerReport;
    readonly constant: ScorerReport;
  };
  readonly excluded_columns: Readonly<Record<string, string>>;
  /** Each design column's AUC alone on validation (what the single-feature check looked at). */
  readonly feature_auc: readonly { readonly feature: string; readonly auc: number | null }[];
  readonly leakage: LeakageVerdict & { readonly thresholds: typeof LEAKAGE_THRESHOLDS };
}
