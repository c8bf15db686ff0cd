import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { PipelineConfig } from './domain/config';
import { MonitoringConfig } from './domain/monitoring/config';
import { MAX_SHARDS } from './domain/pipeline/run-request';
import { SnapshotMapping } from './domain/snapshots/snapshot-query';

/**
 * The one module that reads `process.env`. Parsed once, with zod, failing fast with a message
 * that names the variable.
 */
const EnvSchema = z.object({
  /** Default input lake (`./lake`). */
  LAKE_URI: z.string().min(1).default('./lake'),
  /** Default output root; `<LAKE_URI>/processed` when unset. */
  OUTPUT_URI: z.string().min(1).optional(),
  /** An S3-compatible endpoint (tests, MinIO); unset on AWS. */
  S3_ENDPOINT_URL: z.url().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** JSON overrides of the pipeline config, e.g. `{"maxRejectedShare":0.1}`. */
  PIPELINE_CONFIG: z.string().optional(),
  /** JSON overrides of the monitoring thresholds, e.g. `{"psiAlert":0.25,"freshnessMaxAgeHours":12}`. */
  MONITORING_CONFIG: z.string().optional(),
  /** Days a full run without `start_date` covers, ending at its end date (the weekly run's window). */
  TRAINING_WINDOW_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * The most days one run may cover, S..E inclusive. 730 by default: the raw interactions'
   * retention (they expire after 2 years), so a rebuild from everything the lake keeps is one run,
   * while a longer span can only name days that hold nothing and ask for thousands of day tasks.
   */
  MAX_RUN_DAYS: z.coerce.number().int().min(1).max(3650).default(730),
  /** Worker threads running the Map states' iterations in the local runner: one per core by default. */
  WORKER_THREADS: z.coerce
    .number()
    .int()
    .min(1)
    .max(32)
    .default(() => Math.min(32, availableParallelism())),
  /** User shards N of a run that names none (architecture.md; outputs do not depend on it). */
  USER_SHARDS: z.coerce.number().int().min(1).max(MAX_SHARDS).default(4),
  /** Parallel iterations per Map state (Lambdas on AWS); default 100 on AWS, WORKER_THREADS locally. */
  MAP_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).optional(),
  /** The online feature table (DynamoDB). */
  FEATURE_TABLE: z.string().min(1).default('recsys-features'),
  /** A DynamoDB-compatible endpoint (the embedded dynalite); unset on AWS. */
  DYNAMODB_ENDPOINT_URL: z.url().optional(),
  /** Days an online feature item lives after its `as_of` (DynamoDB TTL). */
  FEATURE_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  /** Online features older than this many hours are flagged stale. */
  FEATURE_STALE_HOURS: z.coerce.number().positive().default(36),
  /** Item records the online route keeps per function instance (0: no cache). */
  ONLINE_ITEM_CACHE_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(20_000),
  /** Seconds an item record stays in the online route's cache at most. */
  ONLINE_ITEM_CACHE_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** The deployed state machine; unset means the in-process engine (aws-local-stepfunctions). */
  STATE_MACHINE_ARN: z.string().min(1).optional(),
  /** A Step Functions-compatible endpoint (the tests' stand-in); unset on AWS. */
  STEP_FUNCTIONS_ENDPOINT_URL: z.url().optional(),
  /** An SNS-compatible endpoint (the tests' stand-in); unset on AWS. */
  SNS_ENDPOINT_URL: z.url().optional(),
  /** Print the run's CloudWatch metrics (Embedded Metric Format) on stdout from the CLIs too. */
  EMF_STDOUT: z.enum(['0', '1', 'true', 'false']).default('0'),
  /** Port of the local HTTP API (`npm start`). */
  API_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** The API `npm run client` calls (`--base-url`); `http://localhost:<API_PORT>` when unset. */
  API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** SNS topic for data-quality alerts (AWS only). */
  ALERTS_TOPIC_ARN: z.string().min(1).optional(),
  /** JSON: the snapshot sync's tables/columns or custom SELECTs, e.g. `{"products":{"table":"catalog.items"}}`. */
  SNAPSHOT_MAPPING: z.string().optional(),
  /** Secrets Manager secrets (ARN or name) of the catalog and user databases (syncSnapshots on AWS). */
  CATALOG_DB_SECRET_ARN: z.string().min(1).optional(),
  USER_DB_SECRET_ARN: z.string().min(1).optional(),
  /** TLS of the connections built from those secrets (libpq's sslmode). */
  SYNC_DB_SSL: z.enum(['disable', 'require', 'verify-full']).default('verify-full'),
  /** Tries of a snapshot whose database connection fails transiently, and the first pause between them (doubling). */
  SYNC_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  SYNC_RETRY_BASE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** gzip level of the synced snapshot objects. */
  SYNC_GZIP_LEVEL: z.coerce.number().int().min(1).max(9).default(1),
  /** A Secrets Manager-compatible endpoint (the tests' stand-in); unset on AWS. */
  SECRETS_MANAGER_ENDPOINT_URL: z.url().optional(),
});

/** The service's settings. */
export interface Settings {
  readonly lakeUri: string;
  readonly outputUri: string | undefined;
  readonly s3: { readonly endpoint?: string; readonly region: string; readonly forcePathStyle?: boolean };
  readonly pipeline: PipelineConfig;
  /** Thresholds of the Monitor task and the freshness check. */
  readonly monitoring: MonitoringConfig;
  /** Worker threads of the local runner. */
  readonly workerThreads: number;
  readonly trainingWindowDays: number;
  /** The most days one run may cover (S..E inclusive). */
  readonly maxRunDays: number;
  /** User shards N of a run that names none. */
  readonly shardCount: number;
  /** MaxConcurrency of every Map state. */
  readonly mapMaxConcurrency: number;
  readonly online: {
    /** Whether runs publish online: a table was named (AWS) or a local endpoint given. */
    readonly enabled: boolean;
    readonly table: string;
    readonly endpoint?: string;
    readonly ttlDays: number;
    readonly staleHours: number;
    /** The online route's item cache (domain/online/item-cache.ts). */
    readonly itemCache: { readonly maxEntries: number; readonly maxAgeMs: number };
  };
  readonly stateMachineArn: string | undefined;
  readonly alertsTopicArn: string | undefined;
  /** Endpoints of the Step Functions, SNS and Secrets Manager APIs (local stand-ins; unset on AWS). */
  readonly endpoints: {
    readonly stepFunctions?: string;
    readonly sns?: string;
    readonly secretsManager?: string;
  };
  /** The snapshot sync (`npm run sync`, syncSnapshots). */
  readonly sync: {
    readonly mapping: SnapshotMapping;
    /** The databases' secrets, on AWS. */
    readonly catalogDbSecret: string | undefined;
    readonly userDbSecret: string | undefined;
    readonly ssl: 'disable' | 'require' | 'verify-full';
    readonly gzipLevel: number;
    readonly retry: { readonly attempts: number; readonly baseDelayMs: number };
  };
  readonly apiPort: number;
  /** The API `npm run client` calls by default. */
  readonly apiBaseUrl: string;
  readonly emfStdout: boolean;
  /** Running inside Lambda (`AWS_LAMBDA_FUNCTION_NAME` set): metrics go to stdout for CloudWatch. */
  readonly onLambda: boolean;
}

/** Thrown for a bad environment variable; the message names it. */
export class ConfigError extends Error {}

function formatIssues(error: z.ZodError, prefix: string): string {
  return error.issues.map((i) => `${prefix}${i.path.join('.')}: ${i.message}`).join('; ');
}

/** A JSON-valued variable parsed with its schema (unset: the schema's defaults). */
function parseJsonConfig<S extends z.ZodType>(name: string, text: string | undefined, schema: S): z.infer<S> {
  let overrides: unknown = {};
  if (text !== undefined) {
    try {
      overrides = JSON.parse(text);
    } catch {
      throw new ConfigError(`invalid environment: ${name} is not JSON`);
    }
  }
  const parsed = schema.safeParse(overrides);
  if (!parsed.success)
    throw new ConfigError(`invalid environment: ${formatIssues(parsed.error, `${name}.`)}`);
  return parsed.data;
}

/** Parses the settings from an environment (default: the process's). */
export function loadSettings(rawEnv: Record<string, string | undefined> = process.env): Settings {
  // An empty variable means "not set" (deploy templates blank out AWS-only values locally).
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid environment: ${formatIssues(parsed.error, '')}`);
  const e = parsed.data;
  // The weekly run covers the training window: a window over the span limit would fail every week.
  if (e.TRAINING_WINDOW_DAYS > e.MAX_RUN_DAYS)
    throw new ConfigError(
      `invalid environment: TRAINING_WINDOW_DAYS (${e.TRAINING_WINDOW_DAYS}) must not exceed MAX_RUN_DAYS (${e.MAX_RUN_DAYS})`,
    );
  const pipeline = parseJsonConfig('PIPELINE_CONFIG', e.PIPELINE_CONFIG, PipelineConfig);
  const monitoring = parseJsonConfig('MONITORING_CONFIG', e.MONITORING_CONFIG, MonitoringConfig);
  return {
    lakeUri: e.LAKE_URI,
    outputUri: e.OUTPUT_URI,
    s3: {
      region: e.AWS_REGION,
      ...(e.S3_ENDPOINT_URL === undefined ? {} : { endpoint: e.S3_ENDPOINT_URL }),
      ...(e.S3_FORCE_PATH_STYLE === undefined ? {} : { forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true' }),
    },
    pipeline,
    monitoring,
    workerThreads: e.WORKER_THREADS,
    trainingWindowDays: e.TRAINING_WINDOW_DAYS,
    maxRunDays: e.MAX_RUN_DAYS,
    shardCount: e.USER_SHARDS,
    mapMaxConcurrency:
      e.MAP_MAX_CONCURRENCY ?? (env.AWS_LAMBDA_FUNCTION_NAME !== undefined ? 100 : e.WORKER_THREADS),
    online: {
      enabled: env.FEATURE_TABLE !== undefined || e.DYNAMODB_ENDPOINT_URL !== undefined,
      table: e.FEATURE_TABLE,
      ...(e.DYNAMODB_ENDPOINT_URL === undefined ? {} : { endpoint: e.DYNAMODB_ENDPOINT_URL }),
      ttlDays: e.FEATURE_TTL_DAYS,
      staleHours: e.FEATURE_STALE_HOURS,
      itemCache: {
        maxEntries: e.ONLINE_ITEM_CACHE_ENTRIES,
        maxAgeMs: e.ONLINE_ITEM_CACHE_MAX_AGE_SECONDS * 1000,
      },
    },
    stateMachineArn: e.STATE_MACHINE_ARN,
    alertsTopicArn: e.ALERTS_TOPIC_ARN,
    endpoints: {
      ...(e.STEP_FUNCTIONS_ENDPOINT_URL === undefined
        ? {}
        : { stepFunctions: e.STEP_FUNCTIONS_ENDPOINT_URL }),
      ...(e.SNS_ENDPOINT_URL === undefined ? {} : { sns: e.SNS_ENDPOINT_URL }),
      ...(e.SECRETS_MANAGER_ENDPOINT_URL === undefined
        ? {}
        : { secretsManager: e.SECRETS_MANAGER_ENDPOINT_URL }),
    },
    sync: {
      mapping: parseJsonConfig('SNAPSHOT_MAPPING', e.SNAPSHOT_MAPPING, SnapshotMapping),
      catalogDbSecret: e.CATALOG_DB_SECRET_ARN,
      userDbSecret: e.USER_DB_SECRET_ARN,
      ssl: e.SYNC_DB_SSL,
      gzipLevel: e.SYNC_GZIP_LEVEL,
      retry: { attempts: e.SYNC_RETRY_ATTEMPTS, baseDelayMs: e.SYNC_RETRY_BASE_MS },
    },
    apiPort: e.API_PORT,
    apiBaseUrl: e.API_BASE_URL ?? `http://localhost:${e.API_PORT}`,
    emfStdout: e.EMF_STDOUT === '1' || e.EMF_STDOUT === 'true',
    onLambda: env.AWS_LAMBDA_FUNCTION_NAME !== undefined,
  };
}

let cached: Settings | undefined;

/** The process's settings, parsed once on first use (Lambda handlers and CLIs share them). */
export function getSettings(): Settings {
  cached ??= loadSettings();
  return cached;
}

/**
 * The environment of a child process this one starts (the local API server): this process's
 * variables, `set` on top, and `defaults` only where the variable is unset.
 */
export function childEnvironment(
  set: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>> = {},
): Record<string, string | undefined> {
  return { ...defaults, ...process.env, ...set };
}
