import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { lakeFromUri } from '../../../adapters/lake-from-uri';
import { LocalLake } from '../../../adapters/local-lake';
import { S3Lake, createS3Client, parseS3Uri } from '../../../adapters/s3-lake';
import { InvalidArgumentError, StorageError } from '../../../domain/errors';
import { describeLakeContract } from './lake-contract';
import { PlainS3rver, S3rver, type S3rverServer } from '../../support/s3rver';

const BUCKET = 'lake-test';
let server: S3rverServer;
let client: S3Client;
let dataDir: string;
let localDir: string;
let counter = 0;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  localDir = await mkdtemp(path.join(tmpdir(), 'local-lake-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dataDir });
  const { port } = await server.run();
  client = createS3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(localDir, { recursive: true, force: true });
});

// Each test gets its own prefix in the one bucket, so tests start from an empty lake.
describeLakeContract('S3Lake', () => new S3Lake(`s3://${BUCKET}/t${++counter}/lake`, client));
describeLakeContract('S3Lake via lakeFromUri', () =>
  lakeFromUri(`s3://${BUCKET}/u${++counter}/`, { s3Client: client }),
);
describeLakeContract('LocalLake (same suite)', () => new LocalLake(path.join(localDir, `l${++counter}`)));

describe('S3Lake specifics', () => {
  it('parses bucket and prefix, and builds s3:// URIs', () => {
    expect(parseS3Uri('s3://b/p/q/')).toEqual({ bucket: 'b', prefix: 'p/q' });
    expect(parseS3Uri('s3://b')).toEqual({ bucket: 'b', prefix: '' });
    expect(() => parseS3Uri('s3:///x')).toThrow(InvalidArgumentError);
    const lake = new S3Lake('s3://b/p/', client);
    expect(lake.uri).toBe('s3://b/p');
    expect(lake.uriOf('raw/x.jsonl')).toBe('s3://b/p/raw/x.jsonl');
    expect(new S3Lake('s3://b', client).uriOf('k')).toBe('s3://b/k');
  });

  // s3rver's continuation tokens use DES, which Node 24's OpenSSL 3 rejects, so paging and
  // batching are checked against a scripted client instead of the server.
  it('pages through ListObjectsV2 and deletes in batches of 1000', async () => {
    const n = 2345;
    const stored = Array.from({ length: n }, (_, i) => `pre/p/${String(i).padStart(5, '0')}.txt`);
    const deleteBatches: number[] = [];
    const fake = {
      send: (command: unknown): Promise<unknown> => {
        if (command instanceof ListObjectsV2Command) {
          const start = Number(command.input.ContinuationToken ?? 0);
          const page = stored.slice(start, start + 1000);
          const next = start + page.length;
          return Promise.resolve({
            Contents: page.map((Key) => ({ Key, Size: 1, ETag: '"e"' })),
            IsTruncated: next < stored.length,
            NextContinuationToken: next < stored.length ? String(next) : undefined,
          });
        }
        if (command instanceof DeleteObjectsCommand) {
          deleteBatches.push(command.input.Delete?.Objects?.length ?? 0);
          return Promise.resolve({});
        }
        return Promise.reject(new Error('unexpected command'));
      },
    } as unknown as S3Client;
    const lake = new S3Lake('s3://b/pre', fake);
    const listed = await lake.list('p/');
    expect(listed).toHaveLength(n);
    expect(listed[0]).toEqual({ key: 'p/00000.txt', size: 1, etag: 'e' });
    expect(listed[n - 1]?.key).toBe('p/02344.txt');
    await lake.deletePrefix('p/');
    expect(deleteBatches).toEqual([1000, 1000, 345]);
  });

  it('creates with a conditional PUT that the test server refuses with 412 when the key exists', async () => {
    const lake = new S3Lake(`s3://${BUCKET}/conditional/lake`, client);
    expect(await lake.writeIfAbsent('runs/x/request.json', 'first')).toBe(true);
    const put = (body: string) =>
      client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'conditional/lake/runs/x/request.json',
          Body: body,
          IfNoneMatch: '*',
        }),
      );
    const refused: unknown = await put('second').catch((e: unknown) => e);
    expect((refused as { name?: string }).name).toBe('PreconditionFailed');
    expect((refused as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(412);
    expect(Buffer.from(await lake.read('runs/x/request.json')).toString()).toBe('first');
  });

  // Why the tests' server adds the check: s3rver itself overwrites, which AWS never does.
  it('s3rver as shipped ignores If-None-Match on PUT (so the tests never use it bare)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 's3rver-plain-'));
    const plain = new PlainS3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
    const { port } = await plain.run();
    const bare = createS3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      await bare.send(new CreateBucketCommand({ Bucket: 'plain' }));
      const lake = new S3Lake('s3://plain/l', bare);
      expect(await lake.writeIfAbsent('k.json', 'first')).toBe(true);
      expect(await lake.writeIfAbsent('k.json', 'second')).toBe(true);
      expect(Buffer.from(await lake.read('k.json')).toString()).toBe('second');
    } finally {
      bare.destroy();
      await plain.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('maps other failures to StorageError naming the URI', async () => {
    const lake = new S3Lake('s3://no-such-bucket-here/x', client);
    const err: unknown = await lake.write('k.txt', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain('s3://no-such-bucket-here/x/k.txt');
  });
});
