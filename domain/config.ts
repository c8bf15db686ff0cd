import { z } from 'zod';

/**
 * Every tunable of the contract, with the spec's values as defaults. The root `config.ts`
 * fills it from the environment and CLI flags; the domain only ever receives a parsed value.
 */
export const PipelineConfig = z
  .object({
    /** Grace period before a timestamp counts as `future_timestamp`. */
    futureToleranceMs: z
      .number()
      .int()
      .nonnegative()
      .default(5 * 60 * 1000),
    /** A day fails when rejected records exceed this share of its raw records. */
    maxRejectedShare: z.number().min(0).max(1).default(0.2),
    /** A snapshot fails its day when its rejected lines exceed this share. */
    maxSnapshotRejectedShare: z.number().min(0).max(1).default(0.2),
    /** A day fails when one of these fields is null in more than `maxNullShare` of valid records. */
    nullCheckedFields: z
      .array(z.enum(['device_type', 'page_context', 'rating']))
      .default(['device_type', 'page_context']),
    maxNullShare: z.number().min(0).max(1).default(0.5),
    bot: z
      .object({
        maxDailyInteractions: z.number().int().positive().default(1000),
        burstWindowMs: z.number().int().positive().default(60_000),
        maxInBurstWindow: z.number().int().positive().default(60),
        maxViewsWithoutIntent: z.number().int().positive().default(300),
      })
      .prefault({}),
    sessionGapMs: z
      .number()
      .int()
      .positive()
      .default(30 * 60 * 1000),
    affinityWeights: z
      .object({
        view: z.number().default(1),
        add_to_cart: z.number().default(3),
        purchase: z.number().default(5),
      })
      .prefault({}),
    priceMatchRatio: z.number().positive().default(0.25),
    /** Train and validation shares as exact decimal fractions (parts per million). */
    split: z
      .object({
        trainPpm: z.number().int().min(0).max(1_000_000).default(700_000),
        validationPpm: z.number().int().min(0).max(1_000_000).default(100_000),
      })
      .prefault({})
      .refine((s) => s.trainPpm + s.validationPpm <= 1_000_000, 'train + validation must not exceed 1'),
    /** Rows per Parquet part file of the training datasets. */
    rowsPerPart: z.number().int().positive().default(250_000),
  })
  .strict();

/** The parsed configuration. */
export type PipelineConfig = z.infer<typeof PipelineConfig>;

/** The configuration with every default: what a run uses when nothing is overridden. */
export const defaultConfig = (): PipelineConfig => PipelineConfig.parse({});
