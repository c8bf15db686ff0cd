/**
 * `npm run train -- --run-id ID [--output-path ROOT] [--fail-on-leakage]`
 * Trains the baseline purchase model on a finished run's split, prints its test figures next to
 * the two baselines and the leakage check, writes `runs/<id>/baseline.json` and the run page.
 */
import { decodeParquet, decodeParquetColumns } from '../adapters/parquet';
import { loadSettings } from '../config';
import { joinLakeUri } from '../domain/lake-uri';
import type { BaselineReport, SplitScores } from '../domain/model/baseline-report';
import { trainBaseline } from '../domain/model/train-baseline';
import { createWiring } from '../wiring';
import { type CliSpec, EXIT, type FlagSpec, UsageError, formatTable, parseCli, runCli } from './lib/cli';
import { PIPELINE_CLI } from './lib/run-options';

/** Exit code when the leakage check suspects the dataset and `--fail-on-leakage` is given. */
const EXIT_LEAKAGE = 3;

const TRAIN_CLI = {
  command: 'npm run train --',
  summary:
    "Trains the baseline purchase model (L2 logistic regression, λ picked on validation) on a finished run's\n" +
    'train split and reports test ROC AUC and log loss next to item popularity and a constant; runs the\n' +
    'leakage check; writes runs/<id>/baseline.json and the run page. Exits 1 when the run is missing or\n' +
    `unfinished, 2 on a bad flag, ${EXIT_LEAKAGE} when --fail-on-leakage is given and leakage is suspected.`,
  flags: {
    'run-id': {
      type: 'string',
      placeholder: 'id',
      description: 'the run whose split to train on (required)',
    },
    'output-path': {
      ...PIPELINE_CLI.flags['output-path'],
      default: '$OUTPUT_URI or $LAKE_URI/processed (./lake/processed)',
    },
    'fail-on-leakage': {
      type: 'boolean',
      description: `exit ${EXIT_LEAKAGE} when the leakage check suspects the dataset (a warning otherwise)`,
    },
  },
  examples: [
    'npm run train -- --run-id full-20240101-20240130-a098d9fe3732',
    'npm run train -- --run-id my-run --output-path s3://bucket/processed --fail-on-leakage',
  ],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

const figure = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(4));

/** The printed summary: one row per scorer, test and validation figures. */
function summaryTable(report: BaselineReport): string {
  const row = (name: string, s: { validation: SplitScores; test: SplitScores }) => [
    name,
    figure(s.test.auc),
    figure(s.test.log_loss),
    figure(s.validation.auc),
    figure(s.validation.log_loss),
  ];
  return formatTable([
    ['scorer', 'test AUC', 'test log loss', 'validation AUC', 'validation log loss'],
    row(`model (λ=${report.model.l2})`, report.model),
    row('item popularity', report.baselines.item_popularity),
    row('constant', report.baselines.constant),
  ]);
}

runCli(async () => {
  const flags = parseCli(TRAIN_CLI, process.argv.slice(2));
  const runId = flags['run-id'];
  if (runId === undefined) throw new UsageError('--run-id is required (the id of a finished full run)');
  const settings = loadSettings();
  const outputUri = flags['output-path'] ?? settings.outputUri ?? joinLakeUri(settings.lakeUri, 'processed');
  const output = createWiring({ settings }).lake(outputUri);
  const { report, reportKey, pageKey } = await trainBaseline(
    { output, decodeColumns: decodeParquetColumns, decodeTable: decodeParquet },
    runId,
  );
  const { rows, positives } = report;
  console.log(
    `run ${report.run_id}: ${rows.train} train, ${rows.validation} validation, ${rows.test} test rows; ` +
      `purchases ${positives.train}, ${positives.validation}, ${positives.test}`,
  );
  console.log(summaryTable(report));
  console.log(`baseline: ${output.uriOf(reportKey)}`);
  console.log(
    pageKey === null
      ? 'run page: none (the run has no monitoring summary)'
      : `run page: ${output.uriOf(pageKey)}`,
  );
  if (!report.leakage.suspected) {
    console.log('leakage check: nothing suspicious');
    return EXIT.ok;
  }
  for (const reason of report.leakage.reasons) console.error(`warning: leakage suspected: ${reason}`);
  return flags['fail-on-leakage'] === true ? EXIT_LEAKAGE : EXIT.ok;
});
