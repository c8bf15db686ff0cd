import { AsyncLocalStorage } from 'node:async_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { createDynamoDbClient } from './adapters/dynamodb-client';
import { createFeatureStore } from './adapters/dynamodb-feature-store';
import { DynamoDbRealtimeCounters } from './adapters/dynamodb-realtime-counters';
import { lakeFromUri } from './adapters/lake-from-uri';
import { joinLakeUri } from './domain/lake-uri';
import { decodeParquet } from './adapters/parquet';
import { pipelinePorts } from './adapters/pipeline-deps';
import { createS3Client } from './adapters/s3-lake';
import { SnsAlertPublisher, createSnsClient } from './adapters/sns-alerts';
import { createSfnClient } from './adapters/step-functions';
import { createSecretsManagerClient, databaseUrlFromSecret } from './adapters/database-secrets';
import type { SnapshotDataset } from './domain/snapshots/snapshot-query';
import { type SdkCallRecorder, recordSdkCalls } from './adapters/sdk-calls';
import { ConfigError, type Settings, getSettings } from './config';
import type { Alert } from './domain/monitoring/alerts';
import { type RunMonitor, createRunMonitor } from './domain/monitoring/monitor-run';
import { ItemCache } from './domain/online/item-cache';
import type { FeatureStore } from './domain/online/ports';
import type { PipelineDeps } from './domain/pipeline/deps';
import type { FeaturePublisher } from './domain/pipeline/publish';
import type { TaskContext } from './domain/pipeline/plan';
import type { RunRoots } from './domain/pipeline/run-request';
import type { Lake } from './domain/ports';
import { publishFromLake } from './domain/online/publish';
import { writeRunReport } from './domain/reports/run-report';
import packageJson from './package.json';
import { RUN_TIMEOUT_SECONDS } from './state-machines/pipeline-definition';

/**
 * The one composition root: every client, lake, store and collaborator of the service is built
 * here, once per process, from the settings. Handlers and scripts ask `wiring()` for what they need;
 * adapters never read settings. Tests replace any part with `useWiring({ ... })`.
 */

/** Storage roots of a run (the Task events carry them). */
export interface RunUris {
  readonly input_uri: string;
  readonly output_uri: string;
}

/** What the service is built from. */
export interface Wiring {
  readonly settings: Settings;
  /** The configured input lake and output root. */
  readonly roots: RunRoots;
  /** Progress output of the pipeline tasks (CloudWatch on Lambda, the terminal on the CLIs). */
  readonly log: (line: string) => void;
  /** Run-wide settings of the Plan task. */
  readonly taskContext: TaskContext;
  /** The lake a URI names, sharing the process's S3 client. */
  lake(uri: string): Lake;
  /** The configured input lake (`LAKE_URI`). */
  inputLake(): Lake;
  /** The configured output root (`OUTPUT_URI`, or `<LAKE_URI>/processed`). */
  outputLake(): Lake;
  /** The storage ports of a run's input and output roots, built once per pair. */
  portsFor(uris: RunUris): PipelineDeps;
  /** The online store the feature routes read (the configured table). */
  featureStore(): FeatureStore;
  /** The online route's item-feature cache, one per process (a warm Lambda keeps it between requests). */
  onlineItemCache(): ItemCache;
  /** The real-time counters of the online table. */
  realtimeCounters(): DynamoDbRealtimeCounters;
  /** Publishes features as of T to the online store, or null when none is configured. */
  featurePublisher(): FeaturePublisher | null;
  /** The Monitor task's checks: volume, completeness, drift, validation rate, alerts, metrics, run report (null: none). */
  runChecks(): RunMonitor | null;
  /** Sends an alert on (SNS on AWS; a no-op locally, where alerts stay in the lake). */
  notify(alert: Alert): Promise<void>;
  /** The Step Functions client (AWS). */
  stepFunctions(): SFNClient;
  /** The snapshot sync's database URLs, from the configured Secrets Manager secrets (AWS). */
  snapshotDatabases(): Promise<Record<SnapshotDataset, string>>;
  /** Wall clock in epoch ms. */
  readonly now: () => number;
}

/** Parts a test or a CLI replaces; everything else is built from the settings. */
export interface WiringOverrides {
  readonly settings?: Settings;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
  readonly portsFor?: (uris: RunUris) => PipelineDeps;
  readonly lake?: (uri: string) => Lake;
  /** The online store; null: runs publish nothing (the routes then fail if called). */
  readonly featureStore?: FeatureStore | null;
  readonly realtimeCounters?: DynamoDbRealtimeCounters;
  readonly notify?: (alert: Alert) => Promise<void>;
  /** Where EMF metric documents go (default: stdout on Lambda, only with `EMF_STDOUT` elsewhere). */
  readonly emitMetrics?: (doc: object) => void;
  /** The Monitor task's checks; null runs none (property tests that compare outputs only). */
  readonly runChecks?: RunMonitor | null;
  readonly codeVersion?: string;
  /** Sees every AWS SDK call of the clients built here (the IAM simulation test). */
  readonly sdkCalls?: SdkCallRecorder;
}

/** Builds a value on first use and keeps it. */
function once<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}

/** Builds the service's parts from the settings, with `overrides` taking precedence. */
export function createWiring(overrides: WiringOverrides = {}): Wiring {
  const settings = overrides.settings ?? getSettings();
  const log = overrides.log ?? ((line: string) => console.log(line));
  const now = overrides.now ?? (() => Date.now());
  const roots: RunRoots = {
    inputUri: settings.lakeUri,
    outputUri: settings.outputUri ?? joinLakeUri(settings.lakeUri, 'processed'),
  };
  // Under the IAM simulation test every client built here reports its calls.
  const recorded = <C extends Parameters<typeof recordSdkCalls>[0]>(client: C): C =>
    overrides.sdkCalls === undefined ? client : recordSdkCalls(client, overrides.sdkCalls);
  const s3 = once((): S3Client => recorded(createS3Client(settings.s3)));
  const lake =
    overrides.lake ??
    ((uri: string): Lake => lakeFromUri(uri, uri.startsWith('s3://') ? { s3Client: s3() } : {}));
  const ports = new Map<string, PipelineDeps>();
  const portsFor =
    overrides.portsFor ??
    ((uris: RunUris): PipelineDeps => {
      const key = `${uris.input_uri}\u0000${uris.output_uri}`;
      let found = ports.get(key);
      if (found === undefined) {
        found = pipelinePorts(lake(uris.input_uri), lake(uris.output_uri), log);
        ports.set(key, found);
      }
      return found;
    });
  const dynamo = once(() => recorded(createDynamoDbClient(settings.online, settings.s3.region)));
  const configuredStore = once(
    (): FeatureStore =>
      overrides.featureStore ?? createFeatureStore(dynamo(), settings.online.table, settings.online.ttlDays),
  );
  // Runs publish when a store was given, or when the settings name a table or an endpoint.
  const publishes =
    overrides.featureStore !== undefined ? overrides.featureStore !== null : settings.online.enabled;
  const sns = once(() =>
    settings.alertsTopicArn === undefined
      ? null
      : new SnsAlertPublisher(
          recorded(createSnsClient(settings.s3.region, settings.endpoints.sns)),
          settings.alertsTopicArn,
        ),
  );
  const secretsManager = once(() =>
    recorded(createSecretsManagerClient(settings.s3.region, settings.endpoints.secretsManager)),
  );
  const notify = overrides.notify ?? (async (alert: Alert) => sns()?.publish(alert));
  const emitMetrics =
    overrides.emitMetrics ??
    (settings.emfStdout || settings.onLambda
      ? (doc: object) => console.log(JSON.stringify(doc))
      : () => undefined);
  const runChecks = once((): RunMonitor | null => {
    if (overrides.runChecks !== undefined) return overrides.runChecks;
    const monitor = createRunMonitor({
      decodeTable: decodeParquet,
      emitMetrics,
      notify,
      config: settings.monitoring,
      pipeline: settings.pipeline,
    });
    // The run's human report (run_reports/run_id=<id>/report.html) is drawn from the figures just computed.
    return async (deps, input) => {
      const summary = await monitor(deps, input);
      await writeRunReport(deps.output, decodeParquet, input.run_id, input.as_of);
      return summary;
    };
  });
  return {
    settings,
    roots,
    log,
    now,
    taskContext: {
      config: settings.pipeline,
      codeVersion: overrides.codeVersion ?? packageJson.version,
      wallClock: now,
      defaults: { input_uri: roots.inputUri, output_uri: settings.outputUri },
      trainingWindowDays: settings.trainingWindowDays,
      maxRunDays: settings.maxRunDays,
      shardCount: settings.shardCount,
      mapMaxConcurrency: settings.mapMaxConcurrency,
      registryUri: roots.outputUri,
      runMaxSeconds: RUN_TIMEOUT_SECONDS,
    },
    lake,
    inputLake: once(() => lake(roots.inputUri)),
    outputLake: once(() => lake(roots.outputUri)),
    portsFor,
    featureStore: configuredStore,
    onlineItemCache: once(() => new ItemCache(settings.online.itemCache, now)),
    realtimeCounters: once(
      () => overrides.realtimeCounters ?? new DynamoDbRealtimeCounters(dynamo(), settings.online.table),
    ),
    featurePublisher: () =>
      publishes ? (output, asOf) => publishFromLake(configuredStore(), output, asOf, decodeParquet) : null,
    runChecks,
    notify,
    stepFunctions: once(() =>
      recorded(createSfnClient(settings.s3.region, settings.endpoints.stepFunctions)),
    ),
    snapshotDatabases: async () => {
      const { catalogDbSecret, userDbSecret, ssl } = settings.sync;
      if (catalogDbSecret === undefined || userDbSecret === undefined)
        throw new ConfigError(
          'invalid environment: CATALOG_DB_SECRET_ARN and USER_DB_SECRET_ARN must name the databases’ secrets',
        );
      const client = secretsManager();
      return {
        products: await databaseUrlFromSecret(client, catalogDbSecret, ssl),
        users: await databaseUrlFromSecret(client, userDbSecret, ssl),
      };
    },
  };
}

let current: Wiring | undefined;
const scoped = new AsyncLocalStorage<Wiring>();

/**
 * The wiring in effect: the one `withWiring` set for the running call chain (so that runs in one
 * process, e.g. concurrent test runs, each see their own), else the process's, built from the
 * settings on first use.
 */
export function wiring(): Wiring {
  const inScope = scoped.getStore();
  if (inScope !== undefined) return inScope;
  current ??= createWiring();
  return current;
}

/** Runs `fn` (and everything it starts) with `w` as the wiring. */
export function withWiring<T>(w: Wiring, fn: () => T): T {
  return scoped.run(w, fn);
}

/** Replaces the process's wiring (tests, CLIs with flags); returns it. */
export function useWiring(overrides: WiringOverrides = {}): Wiring {
  current = createWiring(overrides);
  return current;
}

/** Drops the process's wiring, so the next `wiring()` builds it from the settings again. */
export function resetWiring(): void {
  current = undefined;
}
