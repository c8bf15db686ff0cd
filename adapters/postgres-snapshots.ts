import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

import { PipelineError } from '../domain/errors';
import { rawKeys } from '../domain/lake-layout';
import type { Lake } from '../domain/ports';
import {
  type DescribedSource,
  type SnapshotDataset,
  type SnapshotMapping,
  type SnapshotQuery,
  type SourceColumn,
  planSnapshotQuery,
} from '../domain/snapshots/snapshot-query';

/**
 * The snapshot sync's adapter (api.md `syncSnapshots`): reads the products table of the catalog
 * database and the users table of the user database, each in one read-only REPEATABLE READ
 * transaction, streamed with `COPY (SELECT …) TO STDOUT (FORMAT binary)` (the SELECT of
 * domain/snapshots/snapshot-query.ts renders each row as its JSON line), gzipped on the fly and
 * written with the lake's streaming write (atomic), so memory stays flat whatever the row count.
 */

/** The object a day's snapshot is written to (re-running the day rewrites it). */
export const SNAPSHOT_OBJECT = 'part-00000.jsonl.gz';

/** gzip level of the snapshot objects (see `SyncSnapshotsOptions.gzipLevel`). */
export const DEFAULT_GZIP_LEVEL = 1;

/** Which database each snapshot is read from, by what it is called in messages. */
export const DATABASE_ROLE = { products: 'catalog database', users: 'user database' } as const;

/** How transient connection errors are retried: `attempts` tries, waiting `baseDelayMs` × 2^n between. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
}

/** The default: 5 tries over about 15 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1000 };

/** What the sync needs besides the lake. */
export interface SyncSnapshotsOptions {
  /** The day D the snapshots are dated (`raw/<dataset>/year=/month=/day=/`). */
  readonly date: string;
  /** A `postgres://` URL per database. */
  readonly databases: Readonly<Record<SnapshotDataset, string>>;
  readonly mapping: SnapshotMapping;
  readonly retry?: RetryPolicy;
  /** gzip level, 1 (fastest) to 9 (smallest); default 1: JSON lines shrink about 5x at 1, and levels above cost the sync 2-3x its speed. */
  readonly gzipLevel?: number;
  readonly log?: (line: string) => void;
  /**
   * Called once per dataset after its transaction's snapshot is taken and before its rows are
   * read (tests change the table there: a repeatable-read snapshot must not see it).
   */
  readonly afterSnapshot?: (dataset: SnapshotDataset) => Promise<void>;
}

/** What one snapshot wrote. */
export interface SyncedSnapshot {
  readonly dataset: SnapshotDataset;
  readonly key: string;
  readonly uri: string;
  readonly rows: number;
  /** Uncompressed bytes of the JSON lines. */
  readonly bytes: number;
  readonly seconds: number;
}

/** A database that could not be reached or read; the message names its host (never its password). */
export class DatabaseError extends PipelineError {}

/** Node's socket errors that a later try may not meet. */
const TRANSIENT_SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * PostgreSQL SQLSTATEs worth another try: connection exceptions (class 08), the server shutting
 * down or starting up (57P01-57P03), too many connections (53300).
 */
function isTransientState(code: string): boolean {
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);
}

/** Whether a failure is a transient connection error (retried), not a fault of the query or the data. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_SOCKET_ERRORS.has(code) || isTransientState(code))) return true;
  // node-postgres reports a dropped socket or a connect timeout without a code.
  return /Connection terminated|connection timeout|timeout expired/i.test(error.message);
}

/** `host:port/database` of a URL, for messages (no user, no password). */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = error.message || (error as { errors?: Error[] }).errors?.[0]?.message || error.name;
  return typeof code === 'string' && !text.includes(code) ? `${code} ${text}` : text;
};

/** Runs `attempt` until it succeeds, retrying transient connection errors with exponential backoff. */
async function withRetry<T>(
  what: string,
  policy: RetryPolicy,
  log: (line: string) => void,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      if (!isTransient(error)) throw new DatabaseError(`${what}: ${errorText(error)}`, { cause: error });
      if (n >= policy.attempts)
        throw new DatabaseError(`${what}: still failing after ${n} attempts: ${errorText(error)}`, {
          cause: error,
        });
      const delay = policy.baseDelayMs * 2 ** (n - 1);
      log(
        `${what}: ${errorText(error)}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${n + 1} of ${policy.attempts})`,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The quoted relation a table name resolves to (null when absent) and its columns. */
async function describeTable(client: pg.Client, table: string): Promise<DescribedSource> {
  const rel = await client.query<{ relation: string | null }>('SELECT to_regclass($1)::text AS relation', [
    table,
  ]);
  const relation = rel.rows[0]?.relation ?? null;
  if (relation === null) return { kind: 'table', relation: null, columns: [] };
  const cols = await client.query<SourceColumn>(
    `SELECT a.attname AS name, t.typname AS type FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [table],
  );
  return { kind: 'table', relation, columns: cols.rows };
}

/** The output columns of a custom SELECT (run with LIMIT 0) and their types' names. */
async function describeQuery(client: pg.Client, query: string): Promise<DescribedSource> {
  const result = await client.query(`SELECT * FROM (${query}) AS source LIMIT 0`);
  const oids = result.fields.map((f) => f.dataTypeID);
  const types = await client.query<{ oid: number; typname: string }>(
    'SELECT oid::int AS oid, typname FROM pg_type WHERE oid = ANY($1::oid[])',
    [oids],
  );
  const nameOf = new Map(types.rows.map((t) => [t.oid, t.typname]));
  return {
    kind: 'query',
    columns: result.fields.map((f) => ({ name: f.name, type: nameOf.get(f.dataTypeID) ?? 'unknown' })),
  };
}

/** An open read-only REPEATABLE READ transaction on one database, with its planned SELECT. */
interface Session {
  readonly client: pg.Client;
  readonly query: SnapshotQuery;
}

/**
 * Connects and opens the transaction whose snapshot the dump reads: its first query (the
 * description of the source) fixes the snapshot, so the plan and the rows see the same state.
 */
async function openSession(
  url: string,
  dataset: SnapshotDataset,
  mapping: SnapshotMapping,
): Promise<Session> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'recsys-snapshot-sync',
    connectionTimeoutMillis: 15_000,
  });
  // A dropped connection is reported by the query that meets it; without a listener it would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // The second database's transaction waits while the first one is dumped: no idle timeout.
    await client.query('SET idle_in_transaction_session_timeout = 0');
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const source = mapping[dataset];
    const described =
      'table' in source
        ? await describeTable(client, source.table)
        : await describeQuery(client, source.query);
    return {
      client,
      query: planSnapshotQuery(
        dataset,
        source,
        described,
        `the ${DATABASE_ROLE[dataset]} ${describeDatabase(url)}`,
      ),
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** PGCOPY binary signature (11 bytes), then flags (4) and the header extension's length (4). */
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Size of the blocks of JSON lines handed to gzip. */
const OUT_BLOCK = 256 * 1024;
const NEWLINE = 0x0a;

/**
 * The JSON lines of a binary COPY of one text column: each tuple is a field count (int16, -1 at
 * the end), then the field's length (int32) and bytes. Lines are gathered into blocks so gzip sees
 * large writes; `counts` is updated as rows pass.
 */
async function* jsonLines(
  copy: AsyncIterable<Buffer>,
  counts: { rows: number; bytes: number },
): AsyncGenerator<Buffer> {
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  let headerDone = false;
  let out = Buffer.allocUnsafe(OUT_BLOCK);
  let used = 0;
  for await (const chunk of copy) {
    buf = pos < buf.length ? Buffer.concat([buf.subarray(pos), chunk]) : chunk;
    pos = 0;
    if (!headerDone) {
      if (buf.length < 19) continue;
      if (!buf.subarray(0, 11).equals(COPY_SIGNATURE)) throw new Error('COPY output is not PGCOPY binary');
      const extension = buf.readInt32BE(15);
      if (buf.length < 19 + extension) continue;
      pos = 19 + extension;
      headerDone = true;
    }
    for (;;) {
      if (buf.length - pos < 2) break;
      const fields = buf.readInt16BE(pos);
      if (fields === -1) {
        pos = buf.length;
        break;
      }
      if (buf.length - pos < 6) break;
      const length = buf.readInt32BE(pos + 2);
      const size = length < 0 ? 0 : length;
      if (buf.length - pos < 6 + size) break;
      const start = pos + 6;
      pos = start + size;
      if (length < 0) continue;
      if (used + size + 1 > out.length) {
        if (used > 0) yield out.subarray(0, used);
        out = Buffer.allocUnsafe(Math.max(OUT_BLOCK, size + 1));
        used = 0;
      }
      buf.copy(out, used, start, start + size);
      used += size;
      out[used++] = NEWLINE;
      counts.rows++;
      counts.bytes += size + 1;
    }
  }
  if (used > 0) yield out.subarray(0, used);
}

/** Dumps one session's SELECT into the day's object, gzipped, atomically. */
async function dump(
  session: Session,
  lake: Lake,
  key: string,
  gzipLevel: number,
  counts: { rows: number; bytes: number },
): Promise<void> {
  const copy = session.client.query(copyTo(`COPY (${session.query.sql}) TO STDOUT (FORMAT binary)`));
  const gzip = createGzip({ level: gzipLevel });
  // The source's own error (a dropped connection, a failing row) is what a failed write reports,
  // and what the retry policy judges; the lake wraps whatever reaches it.
  const failed: { error?: unknown } = {};
  async function* lines(): AsyncGenerator<Buffer> {
    try {
      yield* jsonLines(copy, counts);
    } catch (error) {
      failed.error = error;
      throw error;
    }
  }
  // pipeline() destroys the gzip stream with the source's error, so the lake's write fails and
  // writes nothing (its temp file removed, the upload left incomplete).
  pipeline(Readable.from(lines()), gzip, () => undefined);
  try {
    await lake.writeStream(key, gzip);
  } catch (error) {
    throw failed.error ?? error;
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Syncs day D's product and user snapshots from their databases into `lake`. Both sources are
 * described and planned first, in the transactions the dumps then read, so a missing table or
 * column fails before anything is written; each dump is then streamed into its object. A
 * transient connection error retries the snapshot from a new transaction (the write of a failed
 * try leaves nothing behind), and fails after the policy's attempts naming the database's host.
 */
export async function syncSnapshots(lake: Lake, options: SyncSnapshotsOptions): Promise<SyncedSnapshot[]> {
  const log = options.log ?? (() => undefined);
  const retry = options.retry ?? DEFAULT_RETRY;
  const gzipLevel = options.gzipLevel ?? DEFAULT_GZIP_LEVEL;
  const datasets: SnapshotDataset[] = ['products', 'users'];
  const what = (d: SnapshotDataset) =>
    `${d} snapshot from the ${DATABASE_ROLE[d]} ${describeDatabase(options.databases[d])}`;
  const open = (d: SnapshotDataset) =>
    withRetry(what(d), retry, log, () => openSession(options.databases[d], d, options.mapping));
  const sessions = new Map<SnapshotDataset, Session>();
  const closeAll = async () => {
    for (const s of sessions.values()) await s.client.end().catch(() => undefined);
    sessions.clear();
  };
  const results: SyncedSnapshot[] = [];
  try {
    for (const d of datasets) sessions.set(d, await open(d));
    for (const d of datasets) {
      const key = rawKeys.object(d, options.date, SNAPSHOT_OBJECT);
      const started = performance.now();
      let counts = { rows: 0, bytes: 0 };
      let first = true;
      await withRetry(what(d), retry, log, async () => {
        counts = { rows: 0, bytes: 0 };
        // The first try reads the transaction planned above; a retry opens a new one.
        let session = sessions.get(d);
        if (!first || session === undefined) {
          await session?.client.end().catch(() => undefined);
          session = await openSession(options.databases[d], d, options.mapping);
          sessions.set(d, session);
        }
        first = false;
        await options.afterSnapshot?.(d);
        await dump(session, lake, key, gzipLevel, counts);
        await session.client.query('COMMIT');
      });
      const seconds = (performance.now() - started) / 1000;
      log(
        `${d}: ${fmt(counts.rows)} rows (${(counts.bytes / 1_048_576).toFixed(1)} MB of JSON lines) -> ` +
          `${lake.uriOf(key)} in ${seconds.toFixed(2)} s`,
      );
      results.push({
        dataset: d,
        key,
        uri: lake.uriOf(key),
        rows: counts.rows,
        bytes: counts.bytes,
        seconds,
      });
    }
  } finally {
    await closeAll();
  }
  return results;
}
