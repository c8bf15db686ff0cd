import { z } from 'zod';

/** A share limit: an alert when the observed share exceeds it (strictly); null means not checked. */
const shareLimit = (value: number | null) => z.number().min(0).max(1).nullable().default(value);

/**
 * The Monitor stage's tunables, with their defaults. Raw null-share limits mirror the validation
 * thresholds (`device_type` and `page_context` at 0.5; `rating` is optional in the contract, so it
 * is measured but not checked).
 */
export const MonitoringConfig = z
  .object({
    /** Volume: a day is compared with the mean raw count of this many calendar days before it. */
    volumeWindowDays: z.number().int().positive().default(7),
    /** Volume: no alert with fewer previous days (with a report) than this. */
    minPreviousDays: z.number().int().positive().default(1),
    /** Volume: alert when raw < (1 − maxVolumeDrop) × the previous mean. */
    maxVolumeDrop: z.number().min(0).max(1).default(0.2),
    /** Completeness of the raw fields (the reports' `null_share`). */
    rawNullShare: z
      .object({
        rating: shareLimit(null),
        device_type: shareLimit(0.5),
        page_context: shareLimit(0.5),
      })
      .prefault({}),
    /** Completeness of every nullable feature column of the user and item files. */
    featureNullShare: z.number().min(0).max(1).default(0.5),
    /**
     * Features that are null by definition for most keys (no rating, no views, no purchase, an
     * undisclosed gender): measured and reported, never alerted on.
     */
    sparseFeatures: z
      .array(z.string())
      .default([
        'items.avg_rating',
        'items.conversion_rate',
        'items.catalog_avg_rating',
        'items.num_reviews',
        'items.category_popularity',
        'users.avg_price_point',
        'users.diversity_score',
        'users.gender',
      ]),
    /** Validation: alert when a day's rejected share exceeds this. */
    maxRejectedShare: z.number().min(0).max(1).default(0.2),
    /** Drift: PSI bins for numeric features, the share of an empty bin, and the bands. */
    psiBins: z.number().int().min(2).default(10),
    psiEpsilon: z.number().positive().default(1e-4),
    psiModerate: z.number().nonnegative().default(0.1),
    psiAlert: z.number().nonnegative().default(0.2),
  })
  .strict();

/** The parsed monitoring configuration. */
export type MonitoringConfig = z.infer<typeof MonitoringConfig>;

/** The monitoring configuration with every default. */
export const defaultMonitoringConfig = (): MonitoringConfig => MonitoringConfig.parse({});
