/**
 * End to end against a real S3-compatible server (s3rver, in-process): the happy-path lake is
 * uploaded to a bucket, the pipeline runs with `s3://` URIs, the same output checks as the local
 * suite run on the downloaded objects, and the outputs are compared byte for byte with a local run
 * over the same lake.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createS3Client } from '../../adapters/s3-lake';
import { loadSettings } from '../../config';
import type { RunManifest, RunOutcome } from '../../domain/pipeline/manifest';
import { runPipelineRequest } from '../../scripts/lib/pipeline-run';
import {
  E2E_LAKE,
  E2E_RUN,
  describePipelineOutputChecks,
  listFiles,
  localReader,
  writeLakeDir,
  type FinishedRun,
  type ReadObject,
} from '../support/e2e-pipeline';
import { S3rver, type S3rverServer } from '../support/s3rver';

const BUCKET = 'bucket';
const CREDENTIAL_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
] as const;

let root: string;
let server: S3rverServer;
let client: S3Client;
let lakeDir: string;
let localOut: string;
let localOutcome: RunOutcome;
let run: FinishedRun;
const savedEnv: Record<string, string | undefined> = {};

function s3Reader(prefix: string): ReadObject {
  return async (key) => {
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}${key}` }));
    return res.Body === undefined ? new Uint8Array(0) : res.Body.transformToByteArray();
  };
}

/** Keys under a prefix, relative to it (one page: the lake is far below s3rver's 1000-key limit). */
async function listS3(prefix: string): Promise<string[]> {
  const res = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  expect(res.IsTruncated).toBeFalsy();
  return (res.Contents ?? []).map((o) => (o.Key as string).slice(prefix.length)).sort();
}

// The SDK warns on every empty-body PUT (empty quarantine files, Body ''): noise, not a failure.
const SDK_EMPTY_BODY_WARNING = 'Are you using a Stream of unknown length';
const consoleWarn = console.warn;

beforeAll(async () => {
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).startsWith(SDK_EMPTY_BODY_WARNING)) consoleWarn(...args);
  });
  root = await mkdtemp(join(tmpdir(), 'e2e-s3-'));
  lakeDir = join(root, 'lake');
  localOut = join(root, 'local-out');
  writeLakeDir(lakeDir, E2E_LAKE);
  localOutcome = await runPipelineRequest(
    { ...E2E_RUN, inputUri: lakeDir, outputUri: localOut },
    loadSettings({}),
    () => undefined,
  );

  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(root, 's3rver') });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // createS3Client(settings.s3) takes credentials from the default chain: the environment here.
  for (const name of CREDENTIAL_VARS) savedEnv[name] = process.env[name];
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  const settings = loadSettings({
    S3_ENDPOINT_URL: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
  });
  client = createS3Client(settings.s3);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const key of listFiles(lakeDir)) {
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `lake/${key}`, Body: readFileSync(join(lakeDir, key)) }),
    );
  }
  const outcome = await runPipelineRequest(
    { ...E2E_RUN, inputUri: `s3://${BUCKET}/lake`, outputUri: `s3://${BUCKET}/lake/processed` },
    settings,
    () => undefined,
  );
  run = { outcome, readOutput: s3Reader('lake/processed/'), readInput: s3Reader('lake/') };
});

afterAll(async () => {
  jest.restoreAllMocks();
  client?.destroy();
  await server?.close();
  for (const name of CREDENTIAL_VARS) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await rm(root, { recursive: true, force: true });
});

describe('pipeline on an S3 lake (s3rver)', () => {
  describePipelineOutputChecks(() => run);
});

/** A report without the input ETags, which are storage-specific (S3 MD5 vs local size-mtime). */
function withoutEtags(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(bytes), (key, value: unknown) =>
    key === 'etag' ? undefined : value,
  );
}

describe('S3 outputs equal the local outputs for the same lake', () => {
  const isReport = (k: string): boolean => k.startsWith('validation_reports/');

  it('writes the same set of output keys', async () => {
    const s3Keys = await listS3('lake/processed/');
    expect(s3Keys).toEqual(listFiles(localOut));
    expect(s3Keys.filter((k) => k.startsWith('staging/'))).toEqual([]);
  });

  it('Parquet files and quarantine are byte-identical', async () => {
    const keys = listFiles(localOut).filter((k) => k.endsWith('.parquet') || k.startsWith('quarantine/'));
    expect(keys.filter((k) => k.endsWith('.parquet')).length).toBeGreaterThanOrEqual(5);
    expect(keys.filter((k) => k.startsWith('quarantine/'))).toHaveLength(18);
    const local = localReader(localOut);
    const differing: string[] = [];
    for (const key of keys) {
      const [a, b] = await Promise.all([local(key), run.readOutput(key)]);
      if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) differing.push(key);
    }
    expect(differing).toEqual([]);
  });

  it('validation reports are identical apart from the input ETags', async () => {
    const local = localReader(localOut);
    const keys = listFiles(localOut).filter((k) => isReport(k) && k.endsWith('/report.json'));
    expect(keys).toHaveLength(6);
    for (const key of keys) {
      const [a, b] = await Promise.all([local(key), run.readOutput(key)]);
      expect({ key, report: withoutEtags(b) }).toEqual({ key, report: withoutEtags(a) });
    }
  });

  // Reports list inputs by key and size only (ETags differ between storages and live in the manifest).
  it('validation reports are byte-identical to the local run', async () => {
    const local = localReader(localOut);
    const differing: string[] = [];
    for (const key of listFiles(localOut).filter(isReport)) {
      const [a, b] = await Promise.all([local(key), run.readOutput(key)]);
      if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) differing.push(key);
    }
    expect(differing).toEqual([]);
  });

  it('manifests agree on run id, counts, split, inputs (keys, sizes) and outputs (keys, rows, hashes)', async () => {
    const s3 = JSON.parse(
      new TextDecoder().decode(await run.readOutput(run.outcome.manifestKey)),
    ) as RunManifest;
    const local = localOutcome.manifest;
    expect(run.outcome.manifestKey).toBe(localOutcome.manifestKey);
    const core = (m: RunManifest) => ({
      run_id: m.run_id,
      status: m.status,
      config_hash: m.config_hash,
      days: m.days,
      split: m.split,
      users: m.users,
      items: m.items,
      inputs: m.inputs.map((i) => ({ key: i.key, size: i.size })),
      outputs: m.outputs.map((o) => ({ key: o.key, rows: o.rows, bytes: o.bytes, sha256: o.sha256 })),
    });
    expect(core(s3)).toEqual(core(local));
    expect(s3.outputs.every((o) => o.uri.startsWith(`s3://${BUCKET}/lake/processed/`))).toBe(true);
  });
});
