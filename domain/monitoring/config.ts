import { z } from 'zod';
import type { PipelineConfig } from '../config';

/**
 * The default of every monitoring threshold, as constants: the schema below takes its defaults
 * from here, and the deployed dashboard's threshold lines (serverless.yml) are checked against
 * them. The validation-rate limit is not here: it is the pipeline config's `maxRejectedShare`.
 */
export const MONITORING_DEFAULTS = {
  volumeWindowDays: 7,
  minPreviousDays: 1,
  maxVolumeDrop: 0.2,
  /** `device_type` and `page_context` mirror the validation thresholds; `rating` is optional in the contract. */
  rawNullShare: { rating: null, device_type: 0.5, page_context: 0.5 },
  featureNullShare: 0.5,
  sparseFeatures: [
    'items.avg_rating',
    'items.conversion_rate',
    'items.catalog_avg_rating',
    'items.num_reviews',
    'items.category_popularity',
    'users.avg_price_point',
    'users.diversity_score',
    'users.gender',
  ],
  psiBins: 10,
  psiEpsilon: 1e-4,
  psiModerate: 0.1,
  psiAlert: 0.2,
  /** api.md: raw data "older than 6 hours" is stale. */
  freshnessMaxAgeHours: 6,
} as const;

/** A share limit: an alert when the observed share exceeds it (strictly); null means not checked. */
const shareLimit = (value: number | null) => z.number().min(0).max(1).nullable().default(value);

/** The monitoring tunables (the Monitor stage and the freshness check), with their defaults. */
export const MonitoringConfig = z
  .object({
    /** Volume: a day is compared with the mean raw count of this many calendar days before it. */
    volumeWindowDays: z.number().int().positive().default(MONITORING_DEFAULTS.volumeWindowDays),
    /** Volume: no alert with fewer previous days (with a report) than this. */
    minPreviousDays: z.number().int().positive().default(MONITORING_DEFAULTS.minPreviousDays),
    /** Volume: alert when raw < (1 − maxVolumeDrop) × the previous mean. */
    maxVolumeDrop: z.number().min(0).max(1).default(MONITORING_DEFAULTS.maxVolumeDrop),
    /** Completeness of the raw fields (the reports' `null_share`). */
    rawNullShare: z
      .object({
        rating: shareLimit(MONITORING_DEFAULTS.rawNullShare.rating),
        device_type: shareLimit(MONITORING_DEFAULTS.rawNullShare.device_type),
        page_context: shareLimit(MONITORING_DEFAULTS.rawNullShare.page_context),
      })
      .prefault({}),
    /** Completeness of every nullable feature column of the user and item files. */
    featureNullShare: z.number().min(0).max(1).default(MONITORING_DEFAULTS.featureNullShare),
    /**
     * Features that are null by definition for most keys (no rating, no views, no purchase, an
     * undisclosed gender): measured and reported, never alerted on.
     */
    sparseFeatures: z.array(z.string()).default(() => [...MONITORING_DEFAULTS.sparseFeatures]),
    /** Drift: PSI bins for numeric features, the share of an empty bin, and the bands. */
    psiBins: z.number().int().min(2).default(MONITORING_DEFAULTS.psiBins),
    psiEpsilon: z.number().positive().default(MONITORING_DEFAULTS.psiEpsilon),
    psiModerate: z.number().nonnegative().default(MONITORING_DEFAULTS.psiModerate),
    psiAlert: z.number().nonnegative().default(MONITORING_DEFAULTS.psiAlert),
    /** Freshness: alert when the newest raw interactions object is older than this. */
    freshnessMaxAgeHours: z.number().positive().default(MONITORING_DEFAULTS.freshnessMaxAgeHours),
  })
  .strict();

/** The parsed monitoring configuration. */
export type MonitoringConfig = z.infer<typeof MonitoringConfig>;

/** The monitoring configuration with every default. */
export const defaultMonitoringConfig = (): MonitoringConfig => MonitoringConfig.parse({});

/**
 * The thresholds one Monitor run applies, recorded in its summary (`config`): the run checks of
 * the monitoring config and the validation-rate limit, the pipeline config's `maxRejectedShare`.
 */
export type RunThresholds = Omit<MonitoringConfig, 'freshnessMaxAgeHours'> & {
  /** Validation: alert when a day's rejected share exceeds this (the pipeline config's limit). */
  readonly maxRejectedShare: number;
};

/** The thresholds of a Monitor run from the monitoring config and the run's pipeline config. */
export function runThresholds(
  monitoring: MonitoringConfig,
  pipeline: Pick<PipelineConfig, 'maxRejectedShare'>,
): RunThresholds {
  // Spelled out to keep the field order the summary (and the run manifest) has always had.
  return {
    volumeWindowDays: monitoring.volumeWindowDays,
    minPreviousDays: monitoring.minPreviousDays,
    maxVolumeDrop: monitoring.maxVolumeDrop,
    rawNullShare: monitoring.rawNullShare,
    featureNullShare: monitoring.featureNullShare,
    sparseFeatures: monitoring.sparseFeatures,
    maxRejectedShare: pipeline.maxRejectedShare,
    psiBins: monitoring.psiBins,
    psiEpsilon: monitoring.psiEpsilon,
    psiModerate: monitoring.psiModerate,
    psiAlert: monitoring.psiAlert,
  };
}
