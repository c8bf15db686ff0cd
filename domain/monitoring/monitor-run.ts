import { type PipelineConfig, defaultConfig } from '../config';
import { type ColumnSpec, ITEM_FEATURE_COLUMNS, USER_FEATURE_COLUMNS } from '../features/columns';
import { readJsonOrNull, writeJson } from '../lake-json';
import { readFeatureRows } from '../feature-files';
import { OUTPUT_PREFIX, outputKeys } from '../lake-layout';
import type { Lake } from '../ports';
import { addDays, formatTimestamp } from '../time';
import type { ValidationReport } from '../validation/report';
import { type MonitoringAlert, alertKey } from './alerts';
import { completenessAlert, featureNullLimit, nullShare, nullShareFindings } from './completeness';
import { type MonitoringConfig, type RunThresholds, defaultMonitoringConfig, runThresholds } from './config';
import { driftAlert, psiBand, psiCategorical, psiNumeric } from './drift';
import { type EmfDocument, monitoringMetrics } from './emf';
import type { DayFigures, FeatureFigures, MonitoringSummary } from './summary';
import { rejectedShare, validationAlert } from './validation-rate';
import { type VolumeFigures, volumeAlert, volumeFigures } from './volume';

/** Decodes a feature file (Parquet) into row objects; `adapters/parquet.ts` `decodeParquet` fits. */
export type TableDecoder = (bytes: Uint8Array) => Promise<Record<string, unknown>[]>;

/** Receives each EMF document (on AWS: stdout, which CloudWatch turns into metrics). */
export type MetricsSink = (doc: EmfDocument) => void;

/** Hands an alert on (on AWS: the SNS alerts topic). */
export type AlertNotifier = (alert: MonitoringAlert) => Promise<void> | void;

/** The default metrics sink: one EMF JSON line on stdout. */
export const logMetrics: MetricsSink = (doc) => console.log(JSON.stringify(doc));

/** What the Monitor stage runs against. */
export interface MonitorPorts {
  /** The run's output root: reports and feature files are read there, alerts written there. */
  readonly output: Lake;
  readonly decodeTable: TableDecoder;
  /** Default `logMetrics`. */
  readonly emitMetrics?: MetricsSink;
  /** Default: no-op (alerts stay in the lake). */
  readonly notify?: AlertNotifier;
  /** Default `defaultMonitoringConfig()`. */
  readonly config?: MonitoringConfig;
  /** The pipeline config the run validated its days with (its `maxRejectedShare`); default `defaultConfig()`. */
  readonly pipeline?: Pick<PipelineConfig, 'maxRejectedShare'>;
}

/** The run being monitored. */
export interface MonitorRunInput {
  readonly run_id: string;
  /** The run's days S..E. */
  readonly dates: readonly string[];
  /** T of the run's feature files. */
  readonly as_of: string;
  /** When the alerts are raised (the run's reference time, so re-runs rewrite identical alerts). */
  readonly raised_at_ms: number;
}

/** The Monitor stage as `monitorTask` calls it; `createRunMonitor` builds one. */
export type RunMonitor = (
  deps: { readonly output: Lake },
  input: MonitorRunInput,
) => Promise<MonitoringSummary>;

const FEATURE_FILES = [
  { dataset: 'users', prefix: OUTPUT_PREFIX.userFeatures, columns: USER_FEATURE_COLUMNS },
  { dataset: 'items', prefix: OUTPUT_PREFIX.itemFeatures, columns: ITEM_FEATURE_COLUMNS },
] as const;

const NUMERIC_TYPES: ReadonlySet<string> = new Set(['DOUBLE', 'INT64', 'INT32']);

function readReport(output: Lake, date: string): Promise<ValidationReport | null> {
  return readJsonOrNull<ValidationReport>(output, outputKeys.report(date));
}

/** A run day's figures and its volume check. */
interface MonitoredDay {
  readonly figures: DayFigures;
  readonly volume: VolumeFigures;
}

/** Every run day with a report, against the reports of the `volumeWindowDays` days before it. */
async function dayFigures(
  output: Lake,
  dates: readonly string[],
  config: RunThresholds,
): Promise<MonitoredDay[]> {
  const wanted = new Set<string>();
  for (const date of dates)
    for (let back = 0; back <= config.volumeWindowDays; back++) wanted.add(addDays(date, -back));
  const reports = new Map<string, ValidationReport | null>();
  await Promise.all([...wanted].map(async (d) => reports.set(d, await readReport(output, d))));
  const figures: MonitoredDay[] = [];
  for (const date of [...dates].sort()) {
    const report = reports.get(date);
    if (report === null || report === undefined) continue;
    const previous: number[] = [];
    for (let back = 1; back <= config.volumeWindowDays; back++) {
      const before = reports.get(addDays(date, -back));
      if (before !== null && before !== undefined) previous.push(before.counts.raw);
    }
    const volume = volumeFigures(report.counts.raw, previous, config);
    figures.push({
      figures: {
        date,
        raw: report.counts.raw,
        rejected_share: rejectedShare(report.counts),
        null_share: { ...report.null_share },
        previous_days: volume.previous_days,
        previous_mean: volume.previous_mean,
        volume_drop: volume.drop,
      },
      volume,
    });
  }
  return figures;
}

/** The latest `as_of=` folder under `prefix` dated strictly before `asOf`, or null. */
async function previousAsOf(output: Lake, prefix: string, asOf: string): Promise<string | null> {
  let latest: string | null = null;
  for (const o of await output.list(prefix)) {
    const m = /as_of=(\d{4}-\d{2}-\d{2})\//.exec(o.key.slice(prefix.length));
    const date = m?.[1];
    if (date !== undefined && date < asOf && (latest === null || date > latest)) latest = date;
  }
  return latest;
}

function columnOf(rows: readonly Record<string, unknown>[], name: string): unknown[] {
  const values = new Array<unknown>(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = (rows[i] as Record<string, unknown>)[name];
  return values;
}

/** Null share (nullable columns) and PSI against the previous file, for every feature column. */
function columnFigures(
  dataset: 'users' | 'items',
  columns: readonly ColumnSpec[],
  current: readonly Record<string, unknown>[],
  previous: readonly Record<string, unknown>[] | null,
  config: RunThresholds,
): FeatureFigures[] {
  return columns.map((spec) => {
    const values = columnOf(current, spec.name);
    const kind = NUMERIC_TYPES.has(spec.type) ? 'numeric' : 'categorical';
    let psi: number | null = null;
    if (previous !== null) {
      const reference = columnOf(previous, spec.name);
      psi =
        kind === 'numeric'
          ? psiNumeric(reference, values, { bins: config.psiBins, epsilon: config.psiEpsilon })
          : psiCategorical(reference, values, { epsilon: config.psiEpsilon });
    }
    return {
      dataset,
      feature: spec.name,
      kind,
      null_share: spec.nullable ? nullShare(values) : null,
      psi,
      band: psi === null ? null : psiBand(psi, { moderate: config.psiModerate, alert: config.psiAlert }),
    };
  });
}

/** Figures of every feature column of the user and item files as of T, against the latest earlier files. */
async function featureFigures(
  ports: MonitorPorts,
  asOf: string,
  config: RunThresholds,
): Promise<{ previous: MonitoringSummary['previous_as_of']; features: FeatureFigures[] }> {
  const previous = { users: null as string | null, items: null as string | null };
  const features: FeatureFigures[] = [];
  for (const file of FEATURE_FILES) {
    const current = await readFeatureRows(ports.output, file.dataset, asOf, ports.decodeTable);
    const before = await previousAsOf(ports.output, file.prefix, asOf);
    previous[file.dataset] = before;
    const reference =
      before === null ? null : await readFeatureRows(ports.output, file.dataset, before, ports.decodeTable);
    features.push(...columnFigures(file.dataset, file.columns, current, reference, config));
  }
  return { previous, features };
}

/**
 * The alerts of a run, in (date, check) order, at most one per day and check: `volume`,
 * `validation` and raw-field `completeness` per run day; feature `completeness` and `drift` on
 * E = T − 1, the last day the features include (merged with that day's raw findings).
 */
function runAlerts(
  days: readonly MonitoredDay[],
  features: readonly FeatureFigures[],
  asOf: string,
  config: RunThresholds,
  context: { readonly run_id: string; readonly raised_at: string },
): MonitoringAlert[] {
  const featureDate = addDays(asOf, -1);
  const rawLimits = config.rawNullShare as Readonly<Record<string, number | null>>;
  const featureLimit = (dataset: string, feature: string) => featureNullLimit(config, dataset, feature);
  const featureShares = (dataset: string) =>
    Object.fromEntries(features.filter((f) => f.dataset === dataset).map((f) => [f.feature, f.null_share]));
  const featureFindings = [
    ...nullShareFindings('users', featureShares('users'), (f) => featureLimit('users', f)),
    ...nullShareFindings('items', featureShares('items'), (f) => featureLimit('items', f)),
  ];
  const byDate = new Map(days.map((d) => [d.figures.date, d]));
  const alerts: (MonitoringAlert | null)[] = [];
  for (const date of [...new Set([...byDate.keys(), featureDate])].sort()) {
    const day = byDate.get(date);
    const completeness =
      day === undefined
        ? []
        : nullShareFindings('interactions', day.figures.null_share, (f) => rawLimits[f] ?? null);
    if (date === featureDate) completeness.push(...featureFindings);
    alerts.push(completenessAlert(date, completeness, context));
    if (date === featureDate) alerts.push(driftAlert(date, features, config.psiAlert, context));
    if (day !== undefined) {
      alerts.push(validationAlert(date, day.figures.rejected_share, config.maxRejectedShare, context));
      alerts.push(volumeAlert(date, day.volume, config.maxVolumeDrop, context));
    }
  }
  return alerts.filter((a): a is MonitoringAlert => a !== null);
}

/**
 * The Monitor stage: computes a run's volume, completeness, drift and validation-rate figures
 * from the reports and feature files under the output root, writes one alert per (day, check)
 * at `alertKey` (replacing an earlier one) and hands each to `notify`, writes the summary at
 * `monitoringKey`, emits every figure as an EMF metric, and returns the summary. Reports and
 * feature files are only read.
 */
export async function monitorRun(ports: MonitorPorts, input: MonitorRunInput): Promise<MonitoringSummary> {
  const config = runThresholds(ports.config ?? defaultMonitoringConfig(), ports.pipeline ?? defaultConfig());
  const raisedAt = formatTimestamp(input.raised_at_ms);
  const days = await dayFigures(ports.output, input.dates, config);
  const { previous, features } = await featureFigures(ports, input.as_of, config);
  const alerts = runAlerts(days, features, input.as_of, config, {
    run_id: input.run_id,
    raised_at: raisedAt,
  });
  for (const alert of alerts) {
    await writeJson(ports.output, alertKey(alert), alert);
    await ports.notify?.(alert);
  }
  const summary: MonitoringSummary = {
    run_id: input.run_id,
    as_of: input.as_of,
    previous_as_of: previous,
    raised_at: raisedAt,
    config,
    days: days.map((d) => d.figures),
    features,
    alerts: alerts.map(alertKey),
  };
  await writeJson(ports.output, outputKeys.monitoring(input.run_id), summary);
  const emit = ports.emitMetrics ?? logMetrics;
  for (const doc of monitoringMetrics(summary, input.raised_at_ms)) emit(doc);
  return summary;
}

/** A `RunMonitor` over the given decoder, sinks and configs; the output root comes from the task's deps. */
export function createRunMonitor(ports: Omit<MonitorPorts, 'output'>): RunMonitor {
  return (deps, input) => monitorRun({ ...ports, output: deps.output }, input);
}
