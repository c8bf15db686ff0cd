/**
 * `npm start`: the main job on embedded defaults. Generates the sample lake when `./lake` (or
 * LAKE_URI) holds no raw data, runs the full pipeline over all of it and prints where the outputs are.
 */
import { loadSettings } from '../config';
import { rawInteractionRange } from '../domain/pipeline/plan';
import { addDays } from '../domain/time';
import { EXIT, runCli } from './lib/cli';
import { DEFAULT_SAMPLE, writeSampleLake } from './generate';
import { depsFor, runPipelineRequest } from './lib/pipeline-run';
import { resolvePaths } from './lib/run-options';

runCli(async () => {
  const settings = loadSettings();
  const paths = resolvePaths({}, settings);
  const log = (line: string): void => console.log(line);
  const deps = depsFor(paths, settings, log);
  if ((await rawInteractionRange(deps)) === null) {
    if (paths.inputUri.startsWith('s3://'))
      throw new Error(`no raw interactions under ${paths.inputUri}/raw/interactions/`);
    log(
      `no raw data under ${paths.inputUri}: generating the sample lake (30 days, 5,000 users, 2,000 products)`,
    );
    writeSampleLake(paths.inputUri.replace(/^file:\/\//, ''), DEFAULT_SAMPLE, log);
    log('');
  }
  const range = await rawInteractionRange(deps);
  if (range === null) throw new Error(`no raw interactions under ${paths.inputUri}/raw/interactions/`);
  // Reproducible: the reference time is 02:00 UTC on the day after the lake's last day, when the
  // daily schedule would run, so a second `npm start` rewrites the same outputs.
  const now = `${addDays(range.end, 1)}T02:00:00Z`;
  await runPipelineRequest(
    { ...paths, mode: 'full', startDate: range.start, endDate: range.end, now, workers: true },
    settings,
    log,
  );
  log('');
  log('Read the features with DuckDB, e.g.:');
  log(`  duckdb -c "select * from '${paths.outputUri}/features/users/as_of=*/part-00000.parquet' limit 5"`);
  return EXIT.ok;
});
