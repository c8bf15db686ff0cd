import {
  type Definition,
  type ExecutionOptions,
  type LambdaEntry,
  type LocalTask,
  executeStateMachine,
} from '../../adapters/local-state-machine';
import { readJson } from '../../domain/lake-json';
import type { CommitOutput } from '../../domain/pipeline/commit-run';
import type { RunManifest, RunOutcome } from '../../domain/pipeline/manifest';
import type { PlanOutput } from '../../domain/pipeline/plan';
import type { RunRequest } from '../../domain/pipeline/run-request';
import { type DayOutcome, describeDay } from '../../domain/pipeline/validate-clean-day';
import { runAsFunction } from '../../adapters/sdk-calls';
import { type TaskState, functionKey, functionSuffix } from '../../state-machines/pipeline-definition';
import definition from '../../state-machines/pipeline.asl.json';
import { wiring } from '../../wiring';
import * as assembleDays from '../pipeline-assemble-days';
import * as commitRun from '../pipeline-commit-run';
import * as foldItems from '../pipeline-fold-items';
import * as foldUsers from '../pipeline-fold-users';
import * as monitor from '../pipeline-monitor';
import * as plan from '../pipeline-plan';
import * as publish from '../pipeline-publish';
import * as recordFailure from '../pipeline-record-failure';
import * as validateCleanDay from '../pipeline-validate-clean-day';

/** Every Task state of the definition and the deployed Lambda entry point (`handler`) that runs it. */
export const TASK_HANDLERS: Readonly<Record<TaskState, LambdaEntry>> = {
  Plan: plan.handler as LambdaEntry,
  ValidateCleanDay: validateCleanDay.handler as LambdaEntry,
  FoldItems: foldItems.handler as LambdaEntry,
  FoldUsers: foldUsers.handler as LambdaEntry,
  AssembleDays: assembleDays.handler as LambdaEntry,
  Publish: publish.handler as LambdaEntry,
  Monitor: monitor.handler as LambdaEntry,
  CommitRun: commitRun.handler as LambdaEntry,
  RecordFailure: recordFailure.handler as LambdaEntry,
};

/** Options of a local execution. */
export interface LocalRunOptions {
  /** Runs a state's iterations elsewhere (the CLIs' worker threads), with the same event. */
  readonly overrides?: Partial<Record<TaskState, LambdaEntry>>;
  /** Sees every Task's event and result (tests of the payloads between states). */
  readonly observe?: (state: TaskState, event: unknown, result: unknown) => void;
  /** The engine's options: fast retries, and each execution's history size and largest payload (tests). */
  readonly execution?: ExecutionOptions;
  /** Another definition than the deployed one (tests: a shorter `TimeoutSeconds`). */
  readonly definition?: Definition;
}

/**
 * Runs the pipeline on one machine: the same definition as on AWS, executed in-process, each Task
 * resolved to the same exported Lambda `handler` AWS invokes (over the process's `wiring()`).
 * Prints each day's line as it finishes and returns the manifest CommitRun wrote.
 */
export async function runPipelineLocally(
  request: RunRequest,
  options: LocalRunOptions = {},
): Promise<RunOutcome> {
  const w = wiring();
  let run: PlanOutput['run'] | undefined;
  const tasks: Record<string, LocalTask> = {};
  for (const [state, entry] of Object.entries(TASK_HANDLERS) as [TaskState, LambdaEntry][]) {
    const handler = options.overrides?.[state] ?? entry;
    tasks[state] = {
      functionName: functionSuffix(state),
      // The Task runs as its function (what the IAM simulation attributes its SDK calls to).
      handler: async (event, context) => {
        const result = await runAsFunction(functionKey(state), () => handler(event, context));
        options.observe?.(state, event, result);
        if (state === 'Plan') run = (result as PlanOutput).run;
        if (state === 'ValidateCleanDay') w.log(describeDay(result as DayOutcome));
        return result;
      },
    };
  }
  const result = (await executeStateMachine(
    options.definition ?? definition,
    request,
    tasks,
    options.execution,
  )) as CommitOutput;
  const output = w.portsFor(run as PlanOutput['run']).output;
  const manifest = await readJson<RunManifest>(output, result.manifest_key);
  return { manifest, manifestKey: result.manifest_key };
}
