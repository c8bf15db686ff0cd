import { joinLakeUri } from '../../adapters/lake-from-uri';
import type { FeatureStore } from '../../domain/online/ports';
import { publishFromLake } from '../../domain/online/publish';
import { type Settings, getSettings } from '../../config';
import { decodeParquet } from '../../adapters/parquet';
import { SnsAlertPublisher, createSnsClient } from '../../adapters/sns-alerts';
import { type RunMonitor, createRunMonitor } from '../../domain/monitoring/monitor-run';
import { writeRunReport } from '../../domain/reports/run-report';
import type { BuildResult } from '../../domain/pipeline/build-stage';
import type { DaySummary } from '../../domain/pipeline/day-stage';
import type { PipelineDeps } from '../../domain/pipeline/deps';
import { RunRequest, type RunRef } from '../../domain/pipeline/run-request';
import {
  type DepsFor,
  type MonitorOutput,
  type PlanOutput,
  type PublishOutput,
  type TaskContext,
  buildTask,
  dayTask,
  monitorTask,
  planTask,
  recordFailureTask,
} from '../../domain/pipeline/tasks';
import packageJson from '../../package.json';
import { sharedFeatureStore } from './feature-store';
import { parseRequest, pipelineDepsFromSettings } from './http';

/** Publishes features as of the build's T to the online store (or says why it did not). */
export type Publisher = (deps: PipelineDeps, run: RunRef, build: BuildResult) => Promise<PublishOutput>;

/** The six task handlers of the state machine, by the state that runs them. */
export interface PipelineTasks {
  readonly plan: (event: { request: unknown }) => Promise<PlanOutput>;
  readonly processDay: (event: { run: RunRef; date: string }) => Promise<DaySummary>;
  readonly build: (event: { run: RunRef; days: DaySummary[] }) => Promise<BuildResult>;
  readonly publish: (event: { run: RunRef; build: BuildResult }) => Promise<PublishOutput>;
  readonly monitor: (event: {
    run: RunRef;
    days: DaySummary[];
    build: BuildResult;
    publish: PublishOutput;
  }) => Promise<MonitorOutput>;
  readonly recordFailure: (event: { state: Record<string, unknown> }) => Promise<{ error: string }>;
}

/** Everything the task handlers are built from; tests swap any part. */
export interface PipelineTaskOptions {
  readonly depsFor: DepsFor;
  readonly ctx: TaskContext;
  /** Input lake and output root when the request names none. */
  readonly defaults: { readonly input_uri: string; readonly output_uri?: string | undefined };
  readonly publish: Publisher;
  /** Volume, completeness, drift and validation-rate checks run by the Monitor task (none: skipped). */
  readonly monitor?: RunMonitor;
}

/** Publishing when no online store is configured: the run goes on and says so. */
export const skipPublish: Publisher = async (_deps, _run, build) => ({
  published: false,
  as_of: build.asOf,
  users: 0,
  items: 0,
  skipped: 0,
  seconds: 0,
  reason: 'no online store configured (FEATURE_TABLE / DYNAMODB_ENDPOINT_URL)',
});

/** Publishing to an online store: the feature files of the build's T, affinity vectors included. */
export function storePublisher(store: () => FeatureStore): Publisher {
  return async (deps, _run, build) => {
    const started = deps.clock();
    const result = await publishFromLake(store(), deps.output, build.asOf, decodeParquet);
    deps.log(
      `publish: ${result.users} users, ${result.items} items as of ${build.asOf} (${result.skipped} skipped: newer stored)`,
    );
    return {
      published: true,
      as_of: build.asOf,
      users: result.users,
      items: result.items,
      skipped: result.skipped,
      seconds: (deps.clock() - started) / 1000,
    };
  };
}

/** Builds the task handlers over the given ports. */
export function createPipelineTasks(options: PipelineTaskOptions): PipelineTasks {
  const { depsFor, ctx } = options;
  return {
    plan: async (event) => {
      const request = parseRequest(RunRequest, event.request, 'request');
      const input_uri = request.input_path ?? options.defaults.input_uri;
      const output_uri =
        request.output_path ?? options.defaults.output_uri ?? joinLakeUri(input_uri, 'processed');
      const uris = { input_uri, output_uri };
      return planTask(depsFor(uris), uris, request, ctx);
    },
    processDay: (event) => dayTask(depsFor(event.run), event),
    build: (event) => buildTask(depsFor(event.run), event),
    publish: (event) => options.publish(depsFor(event.run), event.run, event.build),
    monitor: (event) => monitorTask(depsFor(event.run), event, options.monitor),
    recordFailure: (event) => recordFailureTask(depsFor, event as Parameters<typeof recordFailureTask>[1]),
  };
}

/** Storage ports per (input, output) pair, built once each and shared by every task of the process. */
export function cachedDepsFor(log: (line: string) => void): DepsFor {
  const cache = new Map<string, PipelineDeps>();
  return (uris) => {
    const key = `${uris.input_uri}\u0000${uris.output_uri}`;
    let deps = cache.get(key);
    if (deps === undefined) {
      deps = pipelineDepsFromSettings(
        getSettings(),
        { inputUri: uris.input_uri, outputUri: uris.output_uri },
        log,
      );
      cache.set(key, deps);
    }
    return deps;
  };
}

/**
 * The Monitor task's checks as configured: Parquet feature files, alerts to SNS when a topic is
 * set, metrics in Embedded Metric Format to `emitMetrics` (stdout on Lambda, where CloudWatch
 * picks them up), and the run's human report `runs/<id>/report.html`.
 */
export function configuredMonitor(settings: Settings, emitMetrics: (doc: object) => void): RunMonitor {
  const sns =
    settings.alertsTopicArn === undefined
      ? null
      : new SnsAlertPublisher(createSnsClient(settings.s3.region), settings.alertsTopicArn);
  const monitor = createRunMonitor({
    decodeTable: decodeParquet,
    emitMetrics,
    notify: async (alert) => sns?.publish(alert),
  });
  // The human report of the run (runs/<id>/report.html) comes from the figures just computed.
  return async (deps, input) => {
    const summary = await monitor(deps, input);
    await writeRunReport(deps.output, decodeParquet, input.run_id, input.as_of);
    return summary;
  };
}

let lambdaTasks: PipelineTasks | undefined;

/** The task handlers as deployed: ports from the process settings, logs to CloudWatch. */
export function deployedPipelineTasks(): PipelineTasks {
  if (lambdaTasks === undefined) {
    const settings = getSettings();
    lambdaTasks = createPipelineTasks({
      depsFor: cachedDepsFor((line) => console.log(line)),
      ctx: { config: settings.pipeline, codeVersion: packageJson.version, wallClock: () => Date.now() },
      defaults: { input_uri: settings.lakeUri, output_uri: settings.outputUri },
      publish: settings.online.enabled ? storePublisher(sharedFeatureStore) : skipPublish,
      monitor: configuredMonitor(settings, (doc) => console.log(JSON.stringify(doc))),
    });
  }
  return lambdaTasks;
}
