import type { Server } from 'node:http';

import { StorageError } from '../domain/errors';

/** A dynalite server started in-process on a random port (tests, benchmarks, the local stack). */
export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts dynalite (a devDependency, loaded lazily so Lambda bundles never include it) on 127.0.0.1. */
export async function startDynalite(options: { path?: string } = {}): Promise<LocalDynamo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types and must stay out of bundles
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...options });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new StorageError('dynalite did not listen on TCP');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
