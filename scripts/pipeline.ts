/**
 * `npm run pipeline -- --input-path ./lake --start-date 2024-01-01 --end-date 2024-01-30 --mode full --now ...`
 * Runs the batch pipeline and prints a summary; exits 1 naming the day and threshold when validation
 * fails. `--help` lists the flags.
 */
import { loadSettings } from '../config';
import { EXIT, parseCli, runCli } from './lib/cli';
import { runLocally } from './lib/pipeline-run';
import { PIPELINE_CLI, runRequestFromFlags } from './lib/run-options';

runCli(async () => {
  const flags = parseCli(PIPELINE_CLI, process.argv.slice(2));
  const settings = loadSettings();
  await runLocally(runRequestFromFlags(flags, settings), settings, (line) => console.log(line), {
    workers: true,
  });
  return EXIT.ok;
});
