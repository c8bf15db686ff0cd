/**
 * IAM checked from the code's own calls: every function of serverless.yml runs through its real
 * handler against real local servers (s3rver as the lake, dynalite as the table, stand-ins of Step
 * Functions and SNS), every AWS SDK call it makes is recorded, and each call is evaluated against
 * that function's role in the packaged template by a real IAM policy evaluator. Denied calls and
 * grants no call uses fail the test, listed (docs/deploy.md, "IAM simulation").
 *
 * IAM_SIMULATION_REPORT=<file> also writes the full result to that file.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent, S3Event } from 'aws-lambda';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../../adapters/embedded-postgres';
import { outputKeys, rawKeys } from '../../../domain/lake-layout';
import { loadSnapshotTable } from '../../../scripts/lib/postgres-sample';
import { generateLake } from '../../../scripts/lib/generate/generate-lake';
import { SMALL_LAKE, httpEvent } from '../../support/http-events';
import { type IamHarness, startIamHarness, upload } from '../../support/iam-harness';
import {
  type SimulationResult,
  allows,
  denialLine,
  formatResult,
  grantLine,
  simulate,
  templateFunctions,
} from '../../support/iam-simulation';
import { type CfnTemplate, packageTemplate, serverlessFunctionKeys } from '../../support/template';

const NOW = '2024-02-01T02:00:00Z';
/** A day after the generated lake's (SMALL_LAKE: 2024-01-01 to 03). */
const BAD_DAY = '2024-01-05';
/** The gzip magic number, then no valid stream. */
const CORRUPT_GZIP = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]);
const EVENTS = path.join(__dirname, '..', '..', 'events');
const KINESIS = JSON.parse(
  readFileSync(path.join(EVENTS, 'kinesis', 'two-days-mixed.json'), 'utf8'),
) as KinesisStreamEvent;
const S3_EVENT = JSON.parse(readFileSync(path.join(EVENTS, 's3', 'object-created.json'), 'utf8')) as S3Event;

interface HttpReply {
  readonly statusCode: number;
  readonly body: string;
}

let template: CfnTemplate;
let harness: IamHarness;
let result: SimulationResult;
let postgres: EmbeddedPostgres | undefined;

/** A database secret as RDS stores it, for a database of the embedded server. */
function databaseSecret(server: EmbeddedPostgres, database: string): string {
  const url = new URL(server.url(database));
  return JSON.stringify({
    engine: 'postgres',
    host: url.hostname,
    port: Number(url.port),
    username: url.username,
    password: decodeURIComponent(url.password),
    dbname: database,
  });
}

/** Calls a route's function with an HTTP API event; returns status and parsed JSON body. */
async function http(functionKey: string, routeKey: string, request: Parameters<typeof httpEvent>[1] = {}) {
  const reply = (await harness.invoke(functionKey, httpEvent(routeKey, request))) as HttpReply;
  const body: unknown =
    reply.body.startsWith('{') || reply.body.startsWith('[') ? JSON.parse(reply.body) : reply.body;
  return { status: reply.statusCode, body: body as Record<string, unknown> };
}

/** Starts a run with POST /runs and polls GET /runs/{id} until it ends; returns its final view. */
async function run(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const started = await http('runsStart', 'POST /runs', { body });
  expect([started.status, started.body]).toEqual([202, expect.objectContaining({ run_id: body.run_id })]);
  // Listed while it runs: its live status comes from the state machine.
  expect((await http('runsList', 'GET /runs')).status).toBe(200);
  for (;;) {
    const view = await http('runsGet', 'GET /runs/{run_id}', {
      pathParameters: { run_id: String(body.run_id) },
    });
    expect(view.status).toBe(200);
    if (view.body.status !== 'RUNNING') return view.body;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The lake's objects under a prefix, read with the test's own client. */
async function keysUnder(prefix: string): Promise<{ key: string; etag: string }[]> {
  const out = await harness.s3.send(new ListObjectsV2Command({ Bucket: harness.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => ({ key: String(o.Key), etag: String(o.ETag).replace(/"/g, '') }));
}

beforeAll(async () => {
  ({ template } = packageTemplate(serverlessFunctionKeys()));
  harness = await startIamHarness(template, {
    // Thresholds every run crosses, so that Monitor publishes alerts to SNS.
    MONITORING_CONFIG: JSON.stringify({
      featureNullShare: 0,
      rawNullShare: { device_type: 0, page_context: 0 },
    }),
    USER_SHARDS: '2',
  });
  const lake: [string, Uint8Array | string][] = [];
  generateLake(SMALL_LAKE, (key, body) => void lake.push([key, body]));
  await upload(harness, lake);
  // A later day whose object is corrupt gzip: its day task fails, leaving no record of it, and
  // RecordFailure reads the records of the run's days (one of them missing).
  await upload(harness, [[`${rawKeys.partition('interactions', BAD_DAY)}part-0000.jsonl.gz`, CORRUPT_GZIP]]);

  // The pipeline, through the state machine: full runs (the second one with fewer user shards,
  // so it clears the shards it no longer writes), an incremental run, a failing run.
  const FULL = { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-02', now: NOW };
  // A lock left by a run that died without freeing the root (its time is up): taken over.
  await upload(harness, [
    [
      `processed/${outputKeys.runLock}`,
      JSON.stringify({
        holder: 'iam-crashed',
        kind: 'run',
        taken_at: '2024-01-01T00:00:00.000Z',
        expires_at: '2024-01-02T00:00:00.000Z',
      }),
    ],
  ]);
  expect((await run({ ...FULL, run_id: 'iam-full-3', shards: 3 })).status).toBe('SUCCEEDED');
  expect((await run({ ...FULL, run_id: 'iam-full' })).status).toBe('SUCCEEDED');
  const daily = await run({ mode: 'incremental', run_id: 'iam-daily', date: '2024-01-03', now: NOW });
  expect(daily.status).toBe('SUCCEEDED');
  const failed = await run({
    mode: 'full',
    run_id: 'iam-failed',
    start_date: BAD_DAY,
    end_date: BAD_DAY,
    now: NOW,
  });
  expect(failed).toMatchObject({ status: 'FAILED', error: expect.stringContaining('gunzip failed') });
  // Planning fails (an input root with no snapshots): Plan frees the root itself.
  const unplanned = await run({ ...FULL, run_id: 'iam-no-input', input_path: 'empty' });
  expect(unplanned).toMatchObject({ status: 'FAILED', error: expect.stringContaining('product snapshot') });
  // StartExecution refused: the registration and the lock are removed, so the id stays free.
  harness.stepFunctions.failNext('StartExecution', {
    code: 'ExecutionLimitExceeded',
    message: 'Too many running executions',
    status: 400,
  });
  const refused = await http('runsStart', 'POST /runs', { body: { ...FULL, run_id: 'iam-refused' } });
  expect(refused.status).toBeGreaterThanOrEqual(500);
  expect(await keysUnder(`processed/${outputKeys.runRequest('iam-refused')}`)).toEqual([]);
  // A damaged state (a user shard's part missing): the incremental run fails, naming the part.
  await harness.s3.send(
    new DeleteObjectCommand({
      Bucket: harness.bucket,
      Key: `processed/${outputKeys.userState('2024-01-03', 1)}`,
    }),
  );
  const damaged = await run({ mode: 'incremental', run_id: 'iam-damaged', date: '2024-01-03', now: NOW });
  expect(damaged).toMatchObject({ status: 'FAILED', error: expect.stringContaining('missing, though') });
  // The same run again: answered from its record.
  const again = await http('runsStart', 'POST /runs', { body: { ...FULL, run_id: 'iam-full' } });
  expect(again.body).toMatchObject({ existing: true });

  // Every other route, found and not found.
  expect((await http('runsList', 'GET /runs')).status).toBe(200);
  expect(
    (await http('validationsCreate', 'POST /validations', { body: { date: '2024-01-02' } })).status,
  ).toBe(200);
  const reports: [string, number][] = [];
  for (const date of ['2024-01-02', '2023-01-01'])
    for (const accept of ['application/json', 'text/html']) {
      const reply = await http('validationReportsGet', 'GET /validation-reports/{date}', {
        pathParameters: { date },
        headers: { accept },
      });
      reports.push([date, reply.status]);
    }
  expect(reports).toEqual([
    ['2024-01-02', 200],
    ['2024-01-02', 200],
    ['2023-01-01', 404],
    ['2023-01-01', 404],
  ]);
  expect(
    (await http('datasetsGet', 'GET /datasets/{run_id}', { pathParameters: { run_id: 'iam-full' } })).status,
  ).toBe(200);
  expect(
    (await http('datasetsGet', 'GET /datasets/{run_id}', { pathParameters: { run_id: 'iam-none' } })).status,
  ).toBe(404);

  const items = await harness.dynamo.send(new ScanCommand({ TableName: harness.table }));
  const pks = (items.Items ?? []).map((i) => String(i.pk?.S));
  const user = (pks.find((k) => k.startsWith('USER#')) ?? '').slice('USER#'.length);
  const product = (pks.find((k) => k.startsWith('ITEM#')) ?? '').slice('ITEM#'.length);
  expect([user, product]).not.toContain('');
  expect(
    (await http('featuresUserGet', 'GET /features/users/{user_id}', { pathParameters: { user_id: user } }))
      .status,
  ).toBe(200);
  expect(
    (
      await http('featuresItemGet', 'GET /features/items/{product_id}', {
        pathParameters: { product_id: product },
      })
    ).status,
  ).toBe(200);
  const online = await http('featuresOnline', 'POST /features/online', {
    body: { user_id: user, product_ids: [product], session_id: 's1' },
  });
  expect(online.status).toBe(200);
  expect((await http('alertsList', 'GET /alerts')).status).toBe(200);
  expect((await http('health', 'GET /health')).status).toBe(200);
  expect((await http('openapi', 'GET /openapi.json')).body).toMatchObject({ openapi: '3.1.0' });

  // The stream: records to raw objects, each new object to the real-time counters.
  const before = new Set((await keysUnder('raw/interactions/')).map((o) => o.key));
  await harness.invoke('ingestStream', KINESIS);
  const written = (await keysUnder('raw/interactions/')).filter((o) => !before.has(o.key));
  expect(written.length).toBeGreaterThan(0);
  const [record] = S3_EVENT.Records;
  for (const o of written) {
    const object = { ...record?.s3.object, key: encodeURIComponent(o.key), eTag: o.etag };
    const bucket = { ...record?.s3.bucket, name: harness.bucket, arn: `arn:aws:s3:::${harness.bucket}` };
    await harness.invoke('onRawInteractions', {
      Records: [{ ...record, s3: { ...record?.s3, bucket, object } }],
    });
  }
  // The wall clock is long past the lake's days, so the raw data is stale: an alert, to the lake and SNS.
  expect(await harness.invoke('freshnessCheck', {})).toMatchObject({ fresh: false });

  // The daily snapshot sync, from an embedded PostgreSQL holding the lake's last catalog and
  // users, with the credentials read from the secrets the template names.
  postgres = await startEmbeddedPostgres();
  for (const [database, dataset] of [
    ['catalog', 'products'],
    ['users', 'users'],
  ] as const) {
    await postgres.createDatabase(database);
    // The lake's latest snapshot of the dataset (the last day's may be a skipped one).
    const snapshot = lake.filter(([key]) => key.startsWith(`raw/${dataset}/`)).at(-1);
    await loadSnapshotTable(postgres.url(database), dataset, String(snapshot?.[1] ?? ''));
  }
  harness.secretsManager.secrets.set(harness.databaseSecrets.catalog, databaseSecret(postgres, 'catalog'));
  harness.secretsManager.secrets.set(harness.databaseSecrets.user, databaseSecret(postgres, 'users'));
  const synced = (await harness.invoke('syncSnapshots', {
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    time: '2024-01-04T01:00:00Z',
  })) as { date: string; snapshots: { key: string; rows: number }[] };
  expect(synced.date).toBe('2024-01-03');
  expect(synced.snapshots.map((s) => s.key)).toEqual([
    rawKeys.object('products', '2024-01-03', 'part-00000.jsonl.gz'),
    rawKeys.object('users', '2024-01-03', 'part-00000.jsonl.gz'),
  ]);
  expect(synced.snapshots.every((s) => s.rows > 0)).toBe(true);

  result = await simulate(template, harness.log);
  if (process.env.IAM_SIMULATION_CALLS !== undefined)
    writeFileSync(
      process.env.IAM_SIMULATION_CALLS,
      harness.log
        .all()
        .map((r) => `${r.functionKey} ${r.action} ${r.resource} ${JSON.stringify(r.context)}`)
        .join('\n'),
    );
  if (process.env.IAM_SIMULATION_REPORT !== undefined)
    writeFileSync(process.env.IAM_SIMULATION_REPORT, `${formatResult(result)}\n`);
}, 600_000);

afterAll(async () => {
  await harness?.close();
  await postgres?.stop();
});

describe('IAM simulation of every function of serverless.yml', () => {
  it('ran every function', () => {
    expect([...harness.log.ran].sort()).toEqual([...templateFunctions(template).keys()].sort());
  });

  it('published alerts to SNS from Monitor and freshnessCheck through the stand-in', () => {
    const publishers = new Set(
      harness.log
        .all()
        .filter((r) => r.action === 'sns:Publish')
        .map((r) => r.functionKey),
    );
    expect([...publishers].sort()).toEqual(['freshnessCheck', 'pipelineMonitor']);
    expect(harness.sns.published.length).toBeGreaterThan(0);
  });

  it('denies none of their calls', () => {
    expect(result.denied.map(denialLine)).toEqual([]);
  });

  it('grants nothing that no call uses', () => {
    expect(result.unused.map(grantLine)).toEqual([]);
  });

  it('keeps Publish on the feature items and onRawInteractions on the counter items (dynamodb:LeadingKeys)', async () => {
    const table = `arn:aws:dynamodb:us-east-1:123456789012:table/${harness.table}`;
    const put = (keys: string[]) => ({
      action: 'dynamodb:PutItem',
      resource: table,
      context: { 'dynamodb:LeadingKeys': keys },
    });
    const verdicts = async (functionKey: string) =>
      Promise.all(
        [
          ['USER#u1'],
          ['ITEM#p1'],
          ['RT#USER#u1'],
          ['RT#SESSION#u1#s1'],
          ['RT#OBJECT#k#e'],
          ['USER#u1', 'RT#USER#u1'],
          ['PUBLICATION#LATEST'],
        ].map(async (keys) => [keys.join(','), await allows(template, functionKey, put(keys))]),
      );
    expect(await verdicts('pipelinePublish')).toEqual([
      ['USER#u1', true],
      ['ITEM#p1', true],
      ['RT#USER#u1', false],
      ['RT#SESSION#u1#s1', false],
      ['RT#OBJECT#k#e', false],
      ['USER#u1,RT#USER#u1', false],
      ['PUBLICATION#LATEST', true],
    ]);
    expect(await verdicts('onRawInteractions')).toEqual([
      ['USER#u1', false],
      ['ITEM#p1', false],
      ['RT#USER#u1', true],
      ['RT#SESSION#u1#s1', true],
      ['RT#OBJECT#k#e', true],
      ['USER#u1,RT#USER#u1', false],
      ['PUBLICATION#LATEST', false],
    ]);
  });
});
