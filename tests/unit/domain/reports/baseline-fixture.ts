import type { BaselineReport } from '../../../../domain/model/baseline-report';
import { LEAKAGE_THRESHOLDS } from '../../../../domain/model/leakage';

const scores = (auc: number, logLoss: number) => ({ auc, log_loss: logLoss });

/** A `runs/<id>/baseline.json` as `npm run train` writes it, with figures chosen by hand. */
export function baselineReport(leak: readonly string[] = []): BaselineReport {
  return {
    run_id: 'r1',
    as_of: '2024-01-09',
    label: 'interaction_type = purchase',
    rows: { train: 7000, validation: 1000, test: 2000 },
    positives: { train: 630, validation: 90, test: 170 },
    model: {
      kind: 'logistic_regression',
      description: 'L2 logistic regression on 3 standardised columns',
      validation: scores(0.6712, 0.2857),
      test: scores(0.66891, 0.28448),
      l2: 0.001,
      selected_by: 'lowest validation log loss over the L2 grid',
      grid: [{ l2: 0.001, validation_auc: 0.6712, validation_log_loss: 0.2857 }],
      intercept: -2.5,
      weights: [
        { feature: 'session_position = 1', weight: -0.5729 },
        { feature: 'log1p(session_position)', weight: 0.438 },
        { feature: 'user_gender = <F>', weight: 0.01 },
      ],
    },
    baselines: {
      item_popularity: {
        description: 'each item’s training purchase rate',
        validation: scores(0.5003, 0.304),
        test: scores(0.4936, 0.3032),
      },
      constant: {
        description: 'the training purchase rate',
        validation: scores(0.5, 0.3021),
        test: scores(0.5, 0.3007),
      },
    },
    excluded_columns: { interaction_type: 'the label' },
    feature_auc: [{ feature: 'session_position = 1', auc: 0.36 }],
    leakage: { suspected: leak.length > 0, reasons: leak, thresholds: LEAKAGE_THRESHOLDS },
  };
}
