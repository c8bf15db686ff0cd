import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { S3Lake, createS3Client } from '../../../adapters/s3-lake';
import { ObjectNotFoundError, StorageError } from '../../../domain/errors';
import { readJsonOrNull } from '../../../domain/lake-json';
import {
  type S3FaultProxy,
  deleteErrorsFor,
  s3ErrorReply,
  startS3FaultProxy,
} from '../../support/s3-fault-proxy';
import { S3rver, type S3rverServer } from '../../support/s3rver';

/**
 * The S3 adapter's failure paths against a real S3 server (s3rver), with a fault-injecting proxy
 * in front of it for the answers s3rver never gives on its own (500, 403, a DeleteObjects reply
 * listing keys it did not delete, a dropped connection): every failure of list, read, write and
 * delete rejects with a StorageError naming the bucket and key(s), and none reads as success or as
 * a missing object.
 */

const BUCKET = 'lake-errors';
let server: S3rverServer;
let dataDir: string;
let proxy: S3FaultProxy;
let client: S3Client;
let counter = 0;

const clientFor = (endpoint: string): S3Client =>
  createS3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 's3rver-errors-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dataDir });
  const { port } = await server.run();
  proxy = await startS3FaultProxy(`http://127.0.0.1:${port}`);
  client = clientFor(proxy.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterEach(() => proxy.clear());

afterAll(async () => {
  client?.destroy();
  await proxy?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A lake under a prefix of its own, so each test starts empty. */
const freshLake = (): S3Lake => new S3Lake(`s3://${BUCKET}/e${++counter}`, client);

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.resolved)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

/** Expects a StorageError (not a missing object) whose message names each of `parts`. */
function expectStorageError(err: Error, ...parts: string[]): void {
  expect(err).toBeInstanceOf(StorageError);
  expect(err).not.toBeInstanceOf(ObjectNotFoundError);
  for (const part of parts) expect(err.message).toContain(part);
}

describe('a missing bucket', () => {
  const lake = () => new S3Lake('s3://no-such-lake-bucket/p', client);

  it('fails list, read, write and delete with a StorageError naming the bucket, never "not found"', async () => {
    expectStorageError(
      await rejection(lake().list('raw/')),
      's3://no-such-lake-bucket/p/raw/',
      'NoSuchBucket',
    );
    expectStorageError(
      await rejection(lake().read('a.json')),
      's3://no-such-lake-bucket/p/a.json',
      'NoSuchBucket',
    );
    expectStorageError(await rejection(lake().write('a.json', '{}')), 's3://no-such-lake-bucket/p/a.json');
    expectStorageError(
      await rejection(lake().deletePrefix('staging/')),
      's3://no-such-lake-bucket/p/staging/',
    );
  });

  it('is not read as an absent object by readJsonOrNull', async () => {
    expectStorageError(await rejection(readJsonOrNull(lake(), 'runs/r1/manifest.json')), 'NoSuchBucket');
  });
});

describe('a server that is gone', () => {
  it('fails every operation with a StorageError naming the bucket and key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 's3rver-gone-'));
    const gone = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
    const { port } = await gone.run();
    const goneClient = clientFor(`http://127.0.0.1:${port}`);
    await goneClient.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await gone.close();
    try {
      const lake = new S3Lake(`s3://${BUCKET}/gone`, goneClient);
      expectStorageError(await rejection(lake.list('raw/')), `s3://${BUCKET}/gone/raw/`, 'ECONNREFUSED');
      expectStorageError(await rejection(lake.read('k.json')), `s3://${BUCKET}/gone/k.json`, 'ECONNREFUSED');
      expectStorageError(await rejection(lake.write('k.json', 'x')), `s3://${BUCKET}/gone/k.json`);
      expectStorageError(await rejection(lake.deletePrefix('staging/')), `s3://${BUCKET}/gone/staging/`);
    } finally {
      goneClient.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('drops a connection mid-read: the read rejects naming the key', async () => {
    const lake = freshLake();
    await lake.write('a.json', '{"a":1}');
    proxy.inject({ match: (r) => r.operation === 'GetObject', fault: { reset: true } });
    expectStorageError(await rejection(lake.read('a.json')), `${lake.uri}/a.json`);
  });
});

describe('error answers', () => {
  it('an access-denied read is a StorageError, not a missing object (S3 answers 403 for a missing key without ListBucket)', async () => {
    const lake = freshLake();
    await lake.write('runs/r1/manifest.json', '{}');
    proxy.inject({
      match: (r) => r.operation === 'GetObject',
      fault: { reply: s3ErrorReply(403, 'AccessDenied', 'Access Denied') },
    });
    expectStorageError(
      await rejection(lake.read('runs/r1/manifest.json')),
      `${lake.uri}/runs/r1/manifest.json`,
      'AccessDenied',
    );
    expectStorageError(await rejection(readJsonOrNull(lake, 'runs/r1/manifest.json')), 'AccessDenied');
  });

  it('an internal error on every attempt fails list, read and write, after the client retried', async () => {
    const lake = freshLake();
    await lake.write('a.json', '{}');
    proxy.inject({
      match: () => true,
      fault: { reply: s3ErrorReply(500, 'InternalError', 'We encountered an internal error.') },
    });
    const before = proxy.seen.length;
    expectStorageError(await rejection(lake.list('')), `${lake.uri}/`, 'InternalError');
    // The SDK retries a 500 (three attempts in its standard mode) before giving up.
    expect(proxy.seen.length - before).toBeGreaterThan(1);
    expectStorageError(await rejection(lake.read('a.json')), `${lake.uri}/a.json`, 'InternalError');
    expectStorageError(await rejection(lake.write('b.json', '{}')), `${lake.uri}/b.json`, 'InternalError');
  });

  it('a single internal error is retried and the call succeeds', async () => {
    const lake = freshLake();
    await lake.write('a.json', '{"a":1}');
    proxy.inject({
      match: (r) => r.operation === 'GetObject',
      fault: { reply: s3ErrorReply(500, 'InternalError', 'We encountered an internal error.') },
      times: 1,
    });
    const before = proxy.seen.length;
    expect(new TextDecoder().decode(await lake.read('a.json'))).toBe('{"a":1}');
    const reads = proxy.seen.slice(before).filter((r) => r.operation === 'GetObject');
    expect(reads.map((r) => r.faulted)).toEqual([true, false]);
  });

  it('a listing that says it is truncated but gives no continuation token fails rather than returning a part', async () => {
    const lake = freshLake();
    await lake.write('raw/a.jsonl', 'x');
    proxy.inject({
      match: (r) => r.operation === 'ListObjectsV2',
      fault: {
        rewrite: (up) => ({
          ...up,
          body: up.body
            .toString('utf8')
            .replace(/<IsTruncated>false<\/IsTruncated>/, '<IsTruncated>true</IsTruncated>'),
        }),
      },
    });
    expectStorageError(
      await rejection(lake.list('raw/')),
      `${lake.uri}/raw/`,
      'without a continuation token',
    );
  });
});

describe('deletePrefix', () => {
  it('fails naming every key a DeleteObjects answer lists under Errors, and how many were not deleted', async () => {
    const lake = freshLake();
    for (const name of ['a', 'b', 'c', 'd']) await lake.write(`staging/run_id=r1/${name}.json`, '{}');
    const denied = (key: string) => key.endsWith('/b.json') || key.endsWith('/d.json');
    proxy.inject({
      match: (r) => r.operation === 'DeleteObjects',
      fault: { rewrite: deleteErrorsFor(denied) },
    });
    const err = await rejection(lake.deletePrefix('staging/run_id=r1/'));
    expectStorageError(
      err,
      `cannot delete ${lake.uri}/staging/run_id=r1/`,
      '2 of 4 objects not deleted',
      `${lake.uri}/staging/run_id=r1/b.json (AccessDenied: Access Denied)`,
      `${lake.uri}/staging/run_id=r1/d.json (AccessDenied: Access Denied)`,
    );
    expect(err.message).not.toContain('a.json');
  });

  it('names at most ten failed keys and counts the rest', async () => {
    const lake = freshLake();
    for (let i = 0; i < 13; i++) await lake.write(`state/k${String(i).padStart(2, '0')}.json`, '{}');
    proxy.inject({
      match: (r) => r.operation === 'DeleteObjects',
      fault: { rewrite: deleteErrorsFor(() => true, 'InternalError', 'We encountered an internal error.') },
    });
    const err = await rejection(lake.deletePrefix('state/'));
    expectStorageError(
      err,
      '13 of 13 objects not deleted',
      `${lake.uri}/state/k09.json (InternalError`,
      'and 3 more',
    );
    expect(err.message).not.toContain('k10.json');
  });

  it('fails on an error answer to DeleteObjects itself', async () => {
    const lake = freshLake();
    await lake.write('staging/x.json', '{}');
    proxy.inject({
      match: (r) => r.operation === 'DeleteObjects',
      fault: { reply: s3ErrorReply(403, 'AccessDenied', 'Access Denied') },
    });
    expectStorageError(
      await rejection(lake.deletePrefix('staging/')),
      `${lake.uri}/staging/`,
      'AccessDenied',
    );
    proxy.clear();
    // Nothing was deleted behind the error.
    expect((await lake.list('staging/')).map((o) => o.key)).toEqual(['staging/x.json']);
  });

  it('deletes everything when the answer lists no errors (the proxy passes requests through)', async () => {
    const lake = freshLake();
    for (const name of ['a', 'b']) await lake.write(`staging/${name}.json`, '{}');
    await lake.deletePrefix('staging/');
    expect(await lake.list('staging/')).toEqual([]);
  });
});
