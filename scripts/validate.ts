/**
 * `npm run validate -- --input-path ./lake --date 2024-01-15 [--now ...]`
 * Validation only, for one day: writes the day's report and quarantine, prints the report,
 * exits 1 when the day fails validation.
 */
import { loadSettings } from '../config';
import { validateOneDay } from '../domain/pipeline/validate-clean-day';
import { timestampMs } from '../domain/time';
import { useWiring } from '../wiring';
import { EXIT, UsageError, parseFlags, runCli } from './lib/cli';
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
  const w = useWiring({ settings, log: (line) => console.error(line) });
  const deps = w.portsFor({ input_uri: paths.inputUri, output_uri: paths.outputUri });
  const summary = await validateOneDay(deps, {
    date: flags.date,
    referenceTimeMs: flags.now === undefined ? Date.now() : timestampMs(flags.now),
    config: settings.pipeline,
    codeVersion: w.taskContext.codeVersion,
  });
  console.log(JSON.stringify(summary.report, null, 2));
  console.error(`report: ${deps.output.uriOf(summary.reportKey)}`);
  if (summary.status === 'failed') {
    console.error(`error: validation failed for ${flags.date}: ${summary.failures.join('; ')}`);
    return EXIT.failed;
  }
  return EXIT.ok;
});
