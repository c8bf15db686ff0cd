import { z } from 'zod';
import { PipelineConfig } from './domain/config';

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
  /** Days validated in parallel by the local runner. */
  DAY_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
});

/** The service's settings. */
export interface Settings {
  readonly lakeUri: string;
  readonly outputUri: string | undefined;
  readonly s3: { readonly endpoint?: string; readonly region: string; readonly forcePathStyle?: boolean };
  readonly pipeline: PipelineConfig;
  readonly dayConcurrency: number;
}

/** Thrown for a bad environment variable; the message names it. */
export class ConfigError extends Error {}

function formatIssues(error: z.ZodError, prefix: string): string {
  return error.issues.map((i) => `${prefix}${i.path.join('.')}: ${i.message}`).join('; ');
}

/** Parses the settings from an environment (default: the process's). */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid environment: ${formatIssues(parsed.error, '')}`);
  const e = parsed.data;
  let overrides: unknown = {};
  if (e.PIPELINE_CONFIG !== undefined) {
    try {
      overrides = JSON.parse(e.PIPELINE_CONFIG);
    } catch {
      throw new ConfigError('invalid environment: PIPELINE_CONFIG is not JSON');
    }
  }
  const pipeline = PipelineConfig.safeParse(overrides);
  if (!pipeline.success)
    throw new ConfigError(`invalid environment: ${formatIssues(pipeline.error, 'PIPELINE_CONFIG.')}`);
  return {
    lakeUri: e.LAKE_URI,
    outputUri: e.OUTPUT_URI,
    s3: {
      region: e.AWS_REGION,
      ...(e.S3_ENDPOINT_URL === undefined ? {} : { endpoint: e.S3_ENDPOINT_URL }),
      ...(e.S3_FORCE_PATH_STYLE === undefined ? {} : { forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true' }),
    },
    pipeline: pipeline.data,
    dayConcurrency: e.DAY_CONCURRENCY,
  };
}
