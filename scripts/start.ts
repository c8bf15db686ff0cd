/**
 * `npm start`: the local stack on embedded defaults. Starts the embedded DynamoDB (dynalite, data
 * under the lake), generates the sample lake when `./lake` (or LAKE_URI) holds no raw data, runs the
 * full pipeline over all of it through the state machine, publishes the features online, then
 * serves the HTTP API with serverless-offline and prints ready-to-paste curl commands.
 * Ctrl-C stops everything. `--no-serve` stops after the pipeline.
 */
import { readFeatureRows } from '../domain/feature-files';
import { resolve } from 'node:path';
import { decodeParquet } from '../adapters/parquet';
import { loadSettings } from '../config';
import { rawInteractionRange } from '../domain/pipeline/plan';
import { addDays, formatDate, formatTimestamp } from '../domain/time';
import { outputKeys } from '../domain/lake-layout';
import { createWiring } from '../wiring';
import { type CliSpec, EXIT, type FlagSpec, parseCli, runCli } from './lib/cli';
import { DEFAULT_SAMPLE, writeSampleLake } from './generate';
import { startApi, startLocalStore, stopChild } from './lib/local-stack';
import { runPipelineRequest } from './lib/pipeline-run';
import { runRequestFromFlags } from './lib/run-options';

const START_CLI = {
  command: 'npm start --',
  summary:
    'The local stack on embedded defaults: the embedded DynamoDB, the sample lake when the lake is empty, a full\n' +
    'run through the state machine with online publish, then the HTTP API (serverless-offline) on $API_PORT.',
  flags: {
    'no-serve': {
      type: 'boolean',
      description: 'stop after the run instead of serving the API',
      default: 'off',
    },
  },
  examples: ['npm start', 'npm start -- --no-serve'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

/**
 * The days `npm start` runs over: the lake's, but none after today and at most `maxRunDays`
 * ending at the last one (a stray old partition does not make a run of decades).
 */
function runnableRange(
  lake: { start: string; end: string },
  wallClockMs: number,
  maxRunDays: number,
): { start: string; end: string } {
  const today = formatDate(wallClockMs);
  const end = lake.end < today ? lake.end : today;
  const earliest = addDays(end, -(maxRunDays - 1));
  return { start: lake.start > earliest ? lake.start : earliest, end };
}

runCli(async () => {
  const flags = parseCli(START_CLI, process.argv.slice(2));
  const settings = loadSettings();
  const { input_path, output_path } = runRequestFromFlags({}, settings);
  const paths = { inputUri: input_path, outputUri: output_path };
  if (paths.inputUri.startsWith('s3://'))
    throw new Error('npm start runs on a local lake; use npm run pipeline for s3:// lakes');
  const lakeDir = resolve(paths.inputUri.replace(/^file:\/\//, ''));
  const outputDir = resolve(paths.outputUri.replace(/^file:\/\//, ''));
  const log = (line: string): void => console.log(line);
  const deps = createWiring({ settings, log }).portsFor({
    input_uri: paths.inputUri,
    output_uri: paths.outputUri,
  });

  if ((await rawInteractionRange(deps)) === null) {
    log(`no raw data under ${lakeDir}: generating the sample lake (30 days, 5,000 users, 2,000 products)`);
    writeSampleLake(lakeDir, DEFAULT_SAMPLE, log);
    log('');
  }
  const lakeRange = await rawInteractionRange(deps);
  if (lakeRange === null) throw new Error(`no raw interactions under ${lakeDir}/raw/interactions/`);
  const range = runnableRange(lakeRange, Date.now(), settings.maxRunDays);
  if (range.start !== lakeRange.start || range.end !== lakeRange.end)
    log(
      `the lake holds ${lakeRange.start}..${lakeRange.end}; the run covers ${range.start}..${range.end} (days up to today, at most MAX_RUN_DAYS = ${settings.maxRunDays})`,
    );

  log('starting the embedded DynamoDB (dynalite)');
  const local = await startLocalStore(lakeDir, settings);
  let api: Awaited<ReturnType<typeof startApi>> | null = null;
  const shutdown = async (): Promise<void> => {
    if (api !== null) await stopChild(api);
    await local.dynamo.close();
  };
  process.once('SIGINT', () => {
    log('\nstopping…');
    void shutdown().then(() => process.exit(0));
  });
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(0)));

  try {
    // Reproducible: the reference time is 02:00 UTC on the day after the lake's last day, when the
    // daily schedule would run, so a second `npm start` rewrites the same outputs (the wall clock
    // when that is still to come: a run's reference time is never in the future).
    const now = formatTimestamp(Math.min(Date.parse(`${addDays(range.end, 1)}T02:00:00Z`), Date.now()));
    const outcome = await runPipelineRequest(
      {
        ...paths,
        mode: 'full',
        startDate: range.start,
        endDate: range.end,
        now,
        workers: true,
        featureStore: local.store,
      },
      settings,
      log,
    );
    if (flags['no-serve']) {
      await shutdown();
      return EXIT.ok;
    }
    log('');
    log(
      `serving the HTTP API with serverless-offline on http://localhost:${settings.apiPort} (first start bundles the handlers)…`,
    );
    api = await startApi(
      {
        lakeUri: lakeDir,
        outputUri: outputDir,
        dynamoEndpoint: local.dynamo.endpoint,
        port: settings.apiPort,
      },
      () => undefined,
    );
    const m = outcome.manifest;
    const users = await readFeatureRows(deps.output, 'users', m.as_of as string, decodeParquet);
    const items = await decodeParquet(await deps.output.read(outputKeys.itemFeatures(m.as_of as string)));
    const user = String(users[0]?.user_id ?? 'u00001');
    const candidates = items.slice(0, 3).map((i) => String(i.product_id));
    const base = `http://localhost:${settings.apiPort}`;
    log('');
    log('Ready. Try (local routes need no signature; on AWS they need SigV4):');
    log(`  curl -s ${base}/health`);
    log(`  curl -s ${base}/runs/${m.run_id}`);
    log(
      `  curl -s -X POST ${base}/runs -H 'content-type: application/json' -d '{"mode":"full","start_date":"${range.start}","end_date":"${addDays(range.start, 6)}"}'`,
    );
    log(
      `  curl -s -X POST ${base}/validations -H 'content-type: application/json' -d '{"date":"${range.end}"}'`,
    );
    log(`  curl -s ${base}/validation-reports/${range.end}`);
    log(`  curl -s ${base}/datasets/${m.run_id}`);
    log(`  curl -s ${base}/features/users/${user}`);
    log(`  curl -s ${base}/features/items/${candidates[0] ?? 'p00001'}`);
    log(
      `  curl -s -X POST ${base}/features/online -H 'content-type: application/json' -d '${JSON.stringify({ user_id: user, product_ids: candidates })}'`,
    );
    log(`  curl -s ${base}/alerts`);
    log('');
    log('Ctrl-C stops the API and the embedded DynamoDB.');
    await new Promise<never>(() => undefined);
  } catch (error) {
    await shutdown();
    throw error;
  }
});
