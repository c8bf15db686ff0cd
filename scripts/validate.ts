/**
 * `npm run validate -- --input-path ./lake --date 2024-01-15 [--now ...]`
 * Validation only, for one day: writes the day's report and quarantine, prints the report,
 * exits 1 when the day fails validation. `--help` lists the flags.
 */
import { loadSettings } from '../config';
import { validationHolder, withRunLock } from '../domain/pipeline/run-lock';
import { validateOneDay } from '../domain/pipeline/validate-clean-day';
import { timestampMs } from '../domain/time';
import { createWiring } from '../wiring';
import { type CliSpec, EXIT, type FlagSpec, UsageError, parseCli, runCli } from './lib/cli';
import { PIPELINE_CLI, runRequestFromFlags } from './lib/run-options';

const VALIDATE_CLI = {
  command: 'npm run validate --',
  summary:
    "Validation only, for one day: writes the day's report and quarantine under the output root and prints\n" +
    'the report. Exits 1 when the day fails validation, 2 on a bad flag.',
  flags: {
    'input-path': PIPELINE_CLI.flags['input-path'],
    'output-path': PIPELINE_CLI.flags['output-path'],
    date: { type: 'string', placeholder: 'YYYY-MM-DD', description: 'the day to validate (required)' },
    now: PIPELINE_CLI.flags.now,
  },
  examples: ['npm run validate -- --input-path ./lake --date 2024-01-15 --now 2024-02-01T02:00:00Z'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

runCli(async () => {
  const flags = parseCli(VALIDATE_CLI, process.argv.slice(2));
  if (flags.date === undefined) throw new UsageError('--date is required (YYYY-MM-DD)');
  const settings = loadSettings();
  const request = runRequestFromFlags({ ...flags, mode: 'full' }, settings);
  const w = createWiring({ settings, log: (line) => console.error(line) });
  const deps = w.portsFor({ input_uri: request.input_path, output_uri: request.output_path });
  const date = flags.date;
  const wallClock = Date.now();
  // Never while a run writes the output root (a clear error naming it), which it holds meanwhile.
  const summary = await withRunLock(deps.output, validationHolder(date, wallClock), wallClock, () =>
    validateOneDay(deps, {
      date,
      referenceTimeMs: request.now === undefined ? wallClock : timestampMs(request.now),
      config: settings.pipeline,
      codeVersion: w.taskContext.codeVersion,
    }),
  );
  console.log(JSON.stringify(summary.report, null, 2));
  console.error(`report: ${deps.output.uriOf(summary.reportKey)}`);
  if (summary.status === 'failed') {
    console.error(`error: validation failed for ${flags.date}: ${summary.failures.join('; ')}`);
    return EXIT.failed;
  }
  return EXIT.ok;
});
