/**
 * `npm run pipeline -- --input-path ./lake --start-date 2024-01-01 --end-date 2024-01-30 --mode full --now ...`
 * Runs the batch pipeline and prints a summary; exits 1 naming the day and threshold when validation fails.
 */
import { loadSettings } from '../config';
import { EXIT, parseFlags, runCli } from './lib/cli';
import { runPipelineRequest } from './lib/pipeline-run';
import { PipelineFlags, resolvePaths, validateFlags } from './lib/run-options';

const FLAGS = {
  'input-path': { type: 'string' },
  'output-path': { type: 'string' },
  'start-date': { type: 'string' },
  'end-date': { type: 'string' },
  mode: { type: 'string' },
  'run-id': { type: 'string' },
  now: { type: 'string' },
  date: { type: 'string' },
} as const;

runCli(async () => {
  const flags = validateFlags(PipelineFlags, parseFlags(process.argv.slice(2), FLAGS));
  const settings = loadSettings();
  await runPipelineRequest(
    {
      ...resolvePaths(flags, settings),
      startDate: flags['start-date'],
      endDate: flags['end-date'],
      date: flags.date,
      mode: flags.mode,
      runId: flags['run-id'],
      now: flags.now,
      workers: true,
    },
    settings,
    (line) => console.log(line),
  );
  return EXIT.ok;
});
