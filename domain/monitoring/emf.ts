import type { MonitoringSummary } from './summary';

/**
 * CloudWatch Embedded Metric Format (EMF): JSON documents that, written to a Lambda's stdout,
 * become metrics. Pure builders; the Monitor stage hands the documents to a sink.
 */

/** The CloudWatch namespace of every pipeline metric (the dashboard in serverless.yml searches it). */
export const METRIC_NAMESPACE = 'RecsysFeaturePipeline';

/** Every metric name `monitoringMetrics` emits, in that namespace. */
export const METRIC_NAMES = {
  rawRecords: 'RawRecords',
  rejectedShare: 'RejectedShare',
  nullShare: 'NullShare',
  featurePsi: 'FeaturePsi',
} as const;

/** One of `METRIC_NAMES`. */
export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** CloudWatch units used here (shares and PSI are unitless). */
export type EmfUnit = 'Count' | 'None';

/** One EMF document: the `_aws` envelope, the dimension values, the metric value and extra properties. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: EmfUnit }[];
    }[];
  };
  readonly [member: string]: unknown;
}

/** One metric value with its dimensions and (non-dimension) properties for log searches. */
export interface MetricPoint {
  readonly name: MetricName;
  readonly value: number;
  readonly unit: EmfUnit;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly properties?: Readonly<Record<string, string>>;
}

/** The EMF document of one metric value: one dimension set holding every given dimension. */
export function emfDocument(point: MetricPoint, timestampMs: number): EmfDocument {
  return {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [Object.keys(point.dimensions)],
          Metrics: [{ Name: point.name, Unit: point.unit }],
        },
      ],
    },
    ...point.properties,
    ...point.dimensions,
    [point.name]: point.value,
  };
}

/**
 * Every figure of a run as EMF documents: per day `RawRecords`, `RejectedShare` (dimension
 * `Dataset=interactions`) and `NullShare` per raw field (`Dataset`, `Field`); per feature
 * `NullShare` (nullable columns) and `FeaturePsi` (when there is a previous run) with `Dataset`
 * (`users`/`items`) and `Feature`. `RunId`, `Date` / `AsOf` ride along as properties.
 */
export function monitoringMetrics(summary: MonitoringSummary, timestampMs: number): EmfDocument[] {
  const docs: EmfDocument[] = [];
  const interactions = { Dataset: 'interactions' };
  for (const day of summary.days) {
    const properties = { RunId: summary.run_id, Date: day.date };
    const point = (name: MetricName, value: number, unit: EmfUnit, dims: Record<string, string>) =>
      docs.push(emfDocument({ name, value, unit, dimensions: dims, properties }, timestampMs));
    point(METRIC_NAMES.rawRecords, day.raw, 'Count', interactions);
    point(METRIC_NAMES.rejectedShare, day.rejected_share, 'None', interactions);
    for (const [field, share] of Object.entries(day.null_share))
      point(METRIC_NAMES.nullShare, share, 'None', { ...interactions, Field: field });
  }
  const properties = { RunId: summary.run_id, AsOf: summary.as_of };
  for (const f of summary.features) {
    const dimensions = { Dataset: f.dataset, Feature: f.feature };
    if (f.null_share !== null)
      docs.push(
        emfDocument(
          { name: METRIC_NAMES.nullShare, value: f.null_share, unit: 'None', dimensions, properties },
          timestampMs,
        ),
      );
    if (f.psi !== null)
      docs.push(
        emfDocument(
          { name: METRIC_NAMES.featurePsi, value: f.psi, unit: 'None', dimensions, properties },
          timestampMs,
        ),
      );
  }
  return docs;
}
