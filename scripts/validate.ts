/**
 * `npm run validate -- --input-path ./lake --date 2024-01-15 [--now ...]`
 * Validation only, for one day: writes the day's report and quarantine, prints the report,
 * exits 1 when the day fails validation.
 */
import { loadSettings } from '../config';
import { runDayStage } from '../domain/pipeline/day-stage';
import { planRun } from '../domain/pipeline/plan';
import { deriveRunId } from '../domain/pipeline/run-id';
import { timestampMs } from '../domain/time';
import { sha256 } from '../adapters/pipeline-deps';
import { EXIT, UsageError, parseFlags, runCli } from './lib/cli';
import { CODE_VERSION, depsFor } from './lib/pipeline-run';
import { PipelineFlags, resolvePaths, validateFlags } from './lib/run-options';

const FLAGS = {
  'input-path': { type: 'string' },
  'output-path': { type: 'string' },
  date: { type: 'string' },
  now: { type: 'string' },
} as const;

runCli(async () => {
  const flags = validateFlags(PipelineFlags, parseFlags(process.argv.slice(2), FLAGS));
  if (flags.date === undefined) throw new UsageError('--date is required (YYYY-MM-DD)');
  const settings = loadSettings();
  const paths = resolvePaths(flags, settings);
  const deps = depsFor(paths, settings, (line) => console.error(line));
  const referenceTimeMs = flags.now === undefined ? Date.now() : timestampMs(flags.now);
  const base = {
    mode: 'validate',
    startDate: flags.date,
    endDate: flags.date,
    referenceTimeMs,
    config: settings.pipeline,
  };
  const plan = await planRun(deps, {
    ...base,
    mode: 'full',
    runId: deriveRunId(base, sha256),
    codeVersion: CODE_VERSION,
  });
  const summary = await runDayStage(deps, plan, flags.date, { stageCleanDay: false });
  console.log(JSON.stringify(summary.report, null, 2));
  console.error(`report: ${deps.output.uriOf(summary.reportKey)}`);
  if (summary.status === 'failed') {
    console.error(`error: validation failed for ${flags.date}: ${summary.failures.join('; ')}`);
    return EXIT.failed;
  }
  return EXIT.ok;
});
