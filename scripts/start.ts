/**
 * `npm start`: the local stack on embedded defaults. Generates the sample lake when `./lake` (or
 * LAKE_URI) holds no raw data, with its last day's catalog and users held by the sample catalog
 * and user databases instead of snapshot files; starts an embedded PostgreSQL holding them and
 * syncs that day's snapshots from it (`--products-db` / `--users-db`: from real databases
 * instead); starts the embedded DynamoDB (dynalite, data under the lake), runs the full pipeline
 * over all of it through the state machine, publishes the features online, then serves the HTTP
 * API with serverless-offline and prints ready-to-paste curl commands. Ctrl-C stops everything.
 * `--no-serve` stops after the pipeline.
 */
import { readFeatureRows } from '../domain/feature-files';
import { localLakeDir } from '../adapters/local-lake';
import { decodeParquet } from '../adapters/parquet';
import { loadSettings } from '../config';
import { rawInteractionRange } from '../domain/pipeline/plan';
import { addDays, formatDate, formatTimestamp } from '../domain/time';
import { outputKeys } from '../domain/lake-layout';
import { createWiring } from '../wiring';
import { type CliSpec, EXIT, type FlagSpec, UsageError, parseCli, runCli } from './lib/cli';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../adapters/embedded-postgres';
import { syncSnapshots } from '../adapters/postgres-snapshots';
import { PipelineError } from '../domain/errors';
import type { Settings } from '../config';
import type { GenerateOptions } from './lib/generate/generate-lake';
import {
  DEFAULT_SAMPLE,
  type DatabaseSnapshots,
  loadSampleDatabases,
  sampleDatabaseSnapshots,
  writeSampleLake,
} from './generate';
import { SYNC_CLI } from './sync';
import { startApi, startLocalStore, stopChild } from './lib/local-stack';
import { runPipelineRequest } from './lib/pipeline-run';
import { runRequestFromFlags } from './lib/run-options';

const START_CLI = {
  command: 'npm start --',
  summary:
    'The local stack on embedded defaults: the sample lake when the lake is empty, its last day synced from an\n' +
    'embedded PostgreSQL holding the sample catalog and user databases (or --products-db/--users-db), the\n' +
    'embedded DynamoDB, a full run through the state machine with online publish, then the HTTP API\n' +
    '(serverless-offline) on $API_PORT.',
  flags: {
    'no-serve': {
      type: 'boolean',
      description: 'stop after the run instead of serving the API',
      default: 'off',
    },
    'products-db': {
      ...SYNC_CLI.flags['products-db'],
      description: "sync the last day's product snapshot from this catalog database",
      default: 'the embedded sample database',
    },
    'users-db': {
      ...SYNC_CLI.flags['users-db'],
      description: "sync the last day's user snapshot from this user database",
      default: 'the embedded sample database',
    },
  },
  examples: [
    'npm start',
    'npm start -- --no-serve',
    'npm start -- --products-db postgres://app@localhost/catalog --users-db postgres://app@localhost/users',
  ],
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

/** The file marking a lake that npm start generated: the options its sample databases are drawn from. */
const SAMPLE_MARKER = '.sample.json';

/**
 * Syncs day `date`'s snapshots into the lake: from the given databases, else from an embedded
 * PostgreSQL holding the sample databases (the snapshots `held` back by the generator, or drawn
 * again from the options of a lake npm start generated), else (a lake from elsewhere) not at all.
 */
async function syncDay(
  lakeDir: string,
  date: string,
  flags: { readonly products?: string; readonly users?: string },
  held: DatabaseSnapshots | null,
  settings: Settings,
  log: (line: string) => void,
): Promise<void> {
  const lake = createWiring({ settings, log }).lake(lakeDir);
  const sync = (databases: { products: string; users: string }) =>
    syncSnapshots(lake, {
      date,
      databases,
      mapping: settings.sync.mapping,
      gzipLevel: settings.sync.gzipLevel,
      retry: settings.sync.retry,
      log,
    });
  if (flags.products !== undefined && flags.users !== undefined) {
    log(`syncing the snapshots of ${date} from the given databases`);
    await sync({ products: flags.products, users: flags.users });
    return;
  }
  const marker = join(lakeDir, SAMPLE_MARKER);
  if (held === null && !existsSync(marker)) {
    log(`the lake was not generated by npm start: its snapshots are used as they are`);
    return;
  }
  log('starting the embedded PostgreSQL (the sample catalog and user databases)');
  let server;
  try {
    server = await startEmbeddedPostgres();
  } catch (error) {
    throw new PipelineError(
      `cannot start the embedded PostgreSQL: ${(error as Error).message} (pass --products-db and --users-db to use running databases)`,
      { cause: error },
    );
  }
  try {
    await server.createDatabase('catalog');
    await server.createDatabase('users');
    const urls = { products: server.url('catalog'), users: server.url('users') };
    const snapshots =
      held ?? sampleDatabaseSnapshots(JSON.parse(readFileSync(marker, 'utf8')) as GenerateOptions);
    await loadSampleDatabases(snapshots, urls, log);
    log(`syncing the snapshots of ${date} from the embedded databases`);
    await sync(urls);
  } finally {
    await server.stop();
  }
}

runCli(async () => {
  const flags = parseCli(START_CLI, process.argv.slice(2));
  if ((flags['products-db'] === undefined) !== (flags['users-db'] === undefined))
    throw new UsageError('--products-db and --users-db go together');
  const settings = loadSettings();
  const { input_path, output_path } = runRequestFromFlags({}, settings);
  const paths = { inputUri: input_path, outputUri: output_path };
  if (paths.inputUri.startsWith('s3://'))
    throw new Error('npm start runs on a local lake; use npm run pipeline for s3:// lakes');
  const lakeDir = localLakeDir(paths.inputUri);
  const outputDir = localLakeDir(paths.outputUri);
  const log = (line: string): void => console.log(line);
  const deps = createWiring({ settings, log }).portsFor({
    input_uri: paths.inputUri,
    output_uri: paths.outputUri,
  });

  let held: DatabaseSnapshots | null = null;
  if ((await rawInteractionRange(deps)) === null) {
    log(`no raw data under ${lakeDir}: generating the sample lake (30 days, 5,000 users, 2,000 products)`);
    held = writeSampleLake(lakeDir, DEFAULT_SAMPLE, log, true).database;
    writeFileSync(join(lakeDir, SAMPLE_MARKER), `${JSON.stringify(DEFAULT_SAMPLE, null, 2)}\n`);
    log('');
  }
  const lakeRange = await rawInteractionRange(deps);
  if (lakeRange === null) throw new Error(`no raw interactions under ${lakeDir}/raw/interactions/`);
  // The daily sync at 01:00 dumps the databases as the day before: the lake's last day, whose
  // snapshots the generator held back for the sample databases.
  await syncDay(
    lakeDir,
    lakeRange.end,
    { products: flags['products-db'], users: flags['users-db'] },
    held,
    settings,
    log,
  );
  log('');
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
