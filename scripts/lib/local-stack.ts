import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDynamoDbClient } from '../../adapters/dynamodb-client';
import { createFeatureStore } from '../../adapters/dynamodb-feature-store';
import { type LocalDynamo, startDynalite } from '../../adapters/dynamodb-local-server';
import { ensureFeatureTable } from '../../adapters/dynamodb-table';
import { type Settings, childEnvironment } from '../../config';
import type { FeatureStore } from '../../domain/online/ports';

/** The table serverless.yml names on the `local` stage (`${service}-${stage}-features`). */
export const LOCAL_TABLE = 'recsys-feature-pipeline-local-features';

/** The embedded online store of the local stack: dynalite keeping its data under the lake. */
export interface LocalStore {
  readonly dynamo: LocalDynamo;
  readonly store: FeatureStore;
}

/** Starts dynalite with its data in `<lake>/.dynamodb` and makes sure the feature table exists. */
export async function startLocalStore(lakeDir: string, settings: Settings): Promise<LocalStore> {
  const path = join(resolve(lakeDir), '.dynamodb');
  mkdirSync(path, { recursive: true });
  const dynamo = await startDynalite({ path });
  const client = createDynamoDbClient({ endpoint: dynamo.endpoint });
  await ensureFeatureTable(client, LOCAL_TABLE);
  return { dynamo, store: createFeatureStore(client, LOCAL_TABLE, settings.online.ttlDays) };
}

/** What the API processes need to find the lake and the store. */
export interface ApiEnvironment {
  readonly lakeUri: string;
  readonly outputUri: string;
  readonly dynamoEndpoint: string;
  readonly port: number;
  /** More variables for the handlers (e.g. `ONLINE_ITEM_CACHE_ENTRIES`). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Serves the HTTP API of serverless.yml with serverless-offline on the `local` stage (the same
 * handlers, bundled by serverless-esbuild). Resolves once `GET /health` answers.
 */
export async function startApi(env: ApiEnvironment, log: (line: string) => void): Promise<ChildProcess> {
  const root = resolve(__dirname, '..', '..');
  // serverless-offline unpacks every function's bundle into the temp folder and leaves it there:
  // give it a folder of its own, removed when the server exits.
  const scratch = mkdtempSync(join(tmpdir(), 'recsys-api-'));
  const child = spawn(
    process.execPath,
    [
      require.resolve('osls/bin/serverless.js'),
      'offline',
      'start',
      '--stage',
      'local',
      '--httpPort',
      String(env.port),
      '--lambdaPort',
      String(env.port + 2),
      '--noAuth',
      '--useInProcess',
    ],
    {
      cwd: root,
      env: childEnvironment(
        {
          LAKE_URI: env.lakeUri,
          OUTPUT_URI: env.outputUri,
          DYNAMODB_ENDPOINT_URL: env.dynamoEndpoint,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          TMPDIR: scratch,
          ...env.env,
        },
        // dynalite checks only that requests are signed: any credentials do.
        { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' },
      ),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  let output = '';
  const forward = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') log(`[api] ${line}`);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the API server stopped (exit ${child.exitCode}):\n${output.slice(-2000)}`);
    try {
      const reply = await fetch(`http://127.0.0.1:${env.port}/health`);
      if (reply.ok) return child;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill('SIGTERM');
  throw new Error(`the API server did not answer on port ${env.port} within 180 s`);
}

/** Stops a child process and waits for it (SIGTERM, then SIGKILL after 5 s). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
