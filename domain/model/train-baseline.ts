/**
 * `npm run train`'s work, behind the lake port: reads a finished run's split, trains the purchase
 * model (L2 logistic regression, its λ picked on validation), scores it and the two baselines on
 * test, runs the leakage check, writes `runs/<id>/baseline.json` and re-renders the run's page.
 */
import { ERROR_CODES, PipelineError } from '../errors';
import { readJsonOrNull, writeJson } from '../lake-json';
import { outputKeys } from '../lake-layout';
import type { TableDecoder } from '../monitoring/monitor-run';
import type { RunManifest } from '../pipeline/manifest';
import type { Lake } from '../ports';
import { writeRunReport } from '../reports/run-report';
import { SPLITS, type Split } from '../split';
import {
  ITEM_RATE_PRIOR_ROWS,
  baseRate,
  constantPredictions,
  fitItemRates,
  itemRatePredictions,
} from './baselines';
import {
  type ColumnSet,
  EXCLUDED_COLUMNS,
  LABEL,
  columnsRead,
  labelsOf,
  designMatrix,
  fitDesign,
} from './design';
import type { BaselineReport, ScorerReport, SplitScores } from './baseline-report';
import { LEAKAGE_THRESHOLDS, checkLeakage } from './leakage';
import {
  type LogisticModel,
  type Matrix,
  fitLogisticRegression,
  predictProbabilities,
} from './logistic-regression';
import { labelCounts, logLoss, rocAuc } from './metrics';

/** Decodes the named columns of one Parquet part. */
export type ColumnDecoder = (bytes: Uint8Array, columns: readonly string[]) => Promise<ColumnSet>;

/** What training needs: the run's output root and the decoders. */
export interface TrainDeps {
  readonly output: Lake;
  readonly decodeColumns: ColumnDecoder;
  /** Row decoder of the feature files, for re-rendering the run page. */
  readonly decodeTable: TableDecoder;
}

/**
 * λ values tried, strongest first: each fit starts from the previous one's weights (a warm start
 * along the path), so the later, weaker ones need only a few Newton steps. Per-row penalties from
 * 1 (weights held near 0) to 1e-4 (on standardised columns and 10⁴+ rows, practically
 * unregularised: smaller values changed no figure in the fourth decimal on the sample lake).
 */
export const L2_GRID = [1, 1e-1, 1e-2, 1e-3, 1e-4] as const;

/** Newton steps per fit at most; the fits converge in about five (fewer with a warm start). */
export const MAX_NEWTON_STEPS = 20;

/** The result of a training run: the report, where it went, and the page re-rendered (or null). */
export interface TrainOutcome {
  readonly report: BaselineReport;
  readonly reportKey: string;
  readonly pageKey: string | null;
}

/** The run's manifest, which must describe a succeeded full run with a split. */
async function finishedManifest(output: Lake, runId: string): Promise<RunManifest> {
  const key = outputKeys.manifest(runId);
  const manifest = await readJsonOrNull<RunManifest>(output, key);
  if (manifest === null)
    throw new PipelineError(
      `no manifest for run ${runId} at ${output.uriOf(key)}: the run does not exist under this output root, or has not finished`,
      { key },
      ERROR_CODES.objectNotFound,
    );
  if (manifest.status !== 'SUCCEEDED')
    throw new PipelineError(
      `run ${runId} did not succeed (status ${manifest.status}): it has no dataset to train on`,
      {
        key,
      },
    );
  if (manifest.split === null)
    throw new PipelineError(
      `run ${runId} (mode ${manifest.mode}) wrote no training split: only full runs do`,
      { key },
    );
  return manifest;
}

/** Concatenates the column sets of a split's parts. */
function concatColumnSets(parts: readonly ColumnSet[], names: readonly string[]): ColumnSet {
  if (parts.length === 1) return parts[0] as ColumnSet;
  const rowCount = parts.reduce((n, p) => n + p.rowCount, 0);
  const columns: Record<string, unknown[]> = {};
  for (const name of names) {
    const out = new Array<unknown>(rowCount);
    let offset = 0;
    for (const p of parts) {
      const values = p.columns[name];
      for (let i = 0; i < p.rowCount; i++) out[offset + i] = values?.[i] ?? null;
      offset += p.rowCount;
    }
    columns[name] = out;
  }
  return { rowCount, columns };
}

/** The model's columns of one split, from the part files the manifest lists. */
async function readSplit(deps: TrainDeps, manifest: RunManifest, split: Split): Promise<ColumnSet> {
  const prefix = `${outputKeys.datasetPrefix(manifest.run_id)}split=${split}/`;
  const keys = manifest.outputs.filter((o) => o.key.startsWith(prefix)).map((o) => o.key);
  const names = columnsRead();
  const parts = await Promise.all(
    keys.map(async (key) => deps.decodeColumns(await deps.output.read(key), names)),
  );
  return concatColumnSets(parts, names);
}

/** AUC and log loss of probabilities against labels. */
function scores(labels: Uint8Array, probabilities: Float64Array): SplitScores {
  return { auc: rocAuc(labels, probabilities), log_loss: logLoss(labels, probabilities) };
}

/** One column of a design matrix. */
function designColumn(x: Matrix, j: number): Float64Array {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) out[i] = x.values[i * x.columns + j] as number;
  return out;
}

/** Fits every λ of the grid (warm-started) and keeps the one with the lowest validation log loss. */
function selectModel(
  xTrain: Matrix,
  yTrain: Uint8Array,
  xValidation: Matrix,
  yValidation: Uint8Array,
): { model: LogisticModel; l2: number; grid: BaselineReport['model']['grid'] } {
  const grid: { l2: number; validation_auc: number | null; validation_log_loss: number }[] = [];
  let best: { model: LogisticModel; l2: number; loss: number } | null = null;
  let start: LogisticModel | undefined;
  for (const l2 of L2_GRID) {
    const model = fitLogisticRegression(xTrain, yTrain, {
      l2,
      maxIterations: MAX_NEWTON_STEPS,
      ...(start === undefined ? {} : { start }),
    });
    start = model;
    const s = scores(yValidation, predictProbabilities(xValidation, model));
    grid.push({ l2, validation_auc: s.auc, validation_log_loss: s.log_loss });
    // Strictly lower only: on a tie the stronger penalty, seen first, stays.
    if (best === null || s.log_loss < best.loss) best = { model, l2, loss: s.log_loss };
  }
  if (best === null) throw new RangeError('L2_GRID is empty');
  return { model: best.model, l2: best.l2, grid };
}

/** Trains and scores everything on the columns of the three splits (the pure core of `trainBaseline`). */
export function evaluateBaseline(
  run: { readonly run_id: string; readonly as_of: string | null },
  splits: Readonly<Record<Split, ColumnSet>>,
): BaselineReport {
  const labels = {
    train: labelsOfSplit(splits.train, 'train'),
    validation: labelsOfSplit(splits.validation, 'validation'),
    test: labelsOfSplit(splits.test, 'test'),
  };
  const counts = {
    train: labelCounts(labels.train),
    validation: labelCounts(labels.validation),
    test: labelCounts(labels.test),
  };
  if (counts.train.positives === 0 || counts.train.negatives === 0)
    throw new PipelineError(
      `run ${run.run_id}: the training split has ${counts.train.positives} purchases among ${splits.train.rowCount} rows; a purchase model needs both classes`,
    );
  const design = fitDesign(splits.train);
  const x = {
    train: designMatrix(design, splits.train),
    validation: designMatrix(design, splits.validation),
    test: designMatrix(design, splits.test),
  };
  const { model, l2, grid } = selectModel(x.train, labels.train, x.validation, labels.validation);

  const rate = baseRate(labels.train);
  const items = fitItemRates(column(splits.train, 'product_id'), labels.train);
  const scorer = (
    description: string,
    predict: (s: Exclude<Split, 'train'>) => Float64Array,
  ): ScorerReport => ({
    description,
    validation: scores(labels.validation, predict('validation')),
    test: scores(labels.test, predict('test')),
  });
  const modelScores = scorer(`L2 logistic regression on ${design.columns.length} standardised columns`, (s) =>
    predictProbabilities(x[s], model),
  );
  const itemPopularity = scorer(
    `each item's training purchase rate, smoothed with ${ITEM_RATE_PRIOR_ROWS} rows at the base rate`,
    (s) => itemRatePredictions(items, column(splits[s], 'product_id')),
  );
  const constant = scorer(`the training purchase rate ${rate.toFixed(6)} for every row`, (s) =>
    constantPredictions(splits[s].rowCount, rate),
  );

  const featureAuc = design.columns.map((c, j) => ({
    feature: c.name,
    auc: rocAuc(labels.validation, designColumn(x.validation, j)),
  }));
  const verdict = checkLeakage({
    validation: { auc: modelScores.validation.auc, ...counts.validation },
    test: { auc: modelScores.test.auc, ...counts.test },
    featureAucs: featureAuc.map((f) => ({ name: f.feature, auc: f.auc })),
  });
  const weights = design.columns
    .map((c, j) => ({ feature: c.name, weight: model.weights[j] as number }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.feature < b.feature ? -1 : 1));
  return {
    run_id: run.run_id,
    as_of: run.as_of,
    label: `${LABEL.column} = ${LABEL.positive}`,
    rows: {
      train: splits.train.rowCount,
      validation: splits.validation.rowCount,
      test: splits.test.rowCount,
    },
    positives: {
      train: counts.train.positives,
      validation: counts.validation.positives,
      test: counts.test.positives,
    },
    model: {
      kind: 'logistic_regression',
      ...modelScores,
      l2,
      selected_by: 'lowest validation log loss over the L2 grid',
      grid,
      intercept: model.intercept,
      weights,
    },
    baselines: { item_popularity: itemPopularity, constant },
    excluded_columns: EXCLUDED_COLUMNS,
    feature_auc: featureAuc,
    leakage: { ...verdict, thresholds: LEAKAGE_THRESHOLDS },
  };
}

function column(set: ColumnSet, name: string): ArrayLike<unknown> {
  const values = set.columns[name];
  if (values === undefined) throw new RangeError(`no ${name} column in the split`);
  return values;
}

function labelsOfSplit(set: ColumnSet, split: Split): Uint8Array {
  if (set.rowCount === 0)
    throw new PipelineError(`the ${split} split has no rows: nothing to train or score`);
  return labelsOf(set);
}

/**
 * Trains on run `runId`'s split under `deps.output`, writes `runs/<id>/baseline.json` (one atomic
 * lake write) and, when the Monitor left the run's summary, re-renders the run page, which shows
 * the baseline section from that file.
 */
export async function trainBaseline(deps: TrainDeps, runId: string): Promise<TrainOutcome> {
  const manifest = await finishedManifest(deps.output, runId);
  const entries = await Promise.all(
    SPLITS.map(async (s) => [s, await readSplit(deps, manifest, s)] as const),
  );
  const splits = Object.fromEntries(entries) as Record<Split, ColumnSet>;
  const report = evaluateBaseline(manifest, splits);
  const reportKey = outputKeys.baseline(runId);
  await writeJson(deps.output, reportKey, report);
  const monitored = (await deps.output.list(outputKeys.monitoring(runId))).length > 0;
  const pageKey =
    monitored && manifest.as_of !== null
      ? await writeRunReport(deps.output, deps.decodeTable, runId, manifest.as_of)
      : null;
  return { report, reportKey, pageKey };
}
