import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Context } from 'aws-lambda';
import { PipelineError } from '../domain/errors';
import type { ExecutionEngine } from '../domain/pipeline/run-control';
import type { RunStatus } from '../domain/pipeline/manifest';
import type { RunRequest } from '../domain/pipeline/run-request';

/** A deployed Lambda entry point, as AWS calls it: the event and a Lambda context. */
export type LambdaEntry = (event: unknown, context: Context) => Promise<unknown>;

/** A Task state's local stand-in: the Lambda entry point and the function it stands for. */
export interface LocalTask {
  readonly handler: LambdaEntry;
  /** The Lambda function name (for the context). */
  readonly functionName: string;
}

/** The Task states of a definition with their `TimeoutSeconds`, nested Map processors included. */
function taskTimeouts(
  states: Record<string, unknown>,
  into = new Map<string, number>(),
): Map<string, number> {
  for (const [name, raw] of Object.entries(states)) {
    const state = raw as {
      Type?: string;
      TimeoutSeconds?: number;
      ItemProcessor?: { States?: Record<string, unknown> };
    };
    if (state.Type === 'Task') into.set(name, state.TimeoutSeconds ?? 60);
    if (state.ItemProcessor?.States !== undefined) taskTimeouts(state.ItemProcessor.States, into);
  }
  return into;
}

/** A Lambda context for one local invocation, with the same deadline as on AWS. */
function lambdaContext(functionName: string, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const unsupported = (): never => {
    throw new Error('callback-style completion is not used by these handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** What an event names for the failure line: the day or shard it was about. */
function subjectOf(payload: unknown): string {
  const p = payload as { date?: unknown; shard?: unknown } | null;
  if (typeof p?.date === 'string') return ` for ${p.date}`;
  if (typeof p?.shard === 'number') return ` for shard ${p.shard}`;
  return '';
}

/**
 * Executes an Amazon States Language definition in-process with aws-local-stepfunctions, each
 * `lambda:invoke` Task resolved by its state name to the deployed Lambda entry point, called with
 * the Task's payload and a Lambda context whose deadline is the Task's `TimeoutSeconds`. The
 * result is wrapped as `{ Payload, StatusCode, ExecutedVersion }`, as the integration returns it on AWS, so the
 * definition's paths work unchanged. On failure, rejects with the first error a Task threw (class
 * and message intact; a Task over its limit throws one line naming the state, its day or shard
 * and the limit), after the definition's own Catch states have run.
 */
export async function executeStateMachine(
  definition: { readonly States: Record<string, unknown> },
  input: unknown,
  tasks: Readonly<Record<string, LocalTask>>,
): Promise<unknown> {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const timeouts = taskTimeouts(definition.States);
  let firstError: unknown;
  const overrides: Record<string, (params: unknown) => Promise<unknown>> = {};
  for (const [state, task] of Object.entries(tasks)) {
    const timeout = timeouts.get(state) ?? 60;
    overrides[state] = async (params) => {
      const payload = (params as { Payload: unknown }).Payload;
      // The Task's own limit, a hair before the engine's: the run then fails with a line that says
      // which state, which day or shard, and which limit (what the Lambda's timeout does on AWS).
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new PipelineError(
                `${state}${subjectOf(payload)} timed out after ${timeout} s (its TimeoutSeconds, the Lambda's timeout)`,
                { stage: state },
              ),
            ),
          Math.max(1, timeout * 1000 - 1),
        );
      });
      try {
        const result = await Promise.race([
          task.handler(payload, lambdaContext(task.functionName, timeout)),
          limit,
        ]);
        return { Payload: result, StatusCode: 200, ExecutedVersion: '$LATEST' };
      } catch (error) {
        firstError ??= error;
        throw error;
      } finally {
        clearTimeout(timer);
      }
    };
  }
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: overrides as never },
  });
  try {
    return await execution.result;
  } catch (error) {
    throw firstError ?? error;
  }
}

/** The in-process engine: runs the same definition in this process, in the background. */
export class LocalEngine implements ExecutionEngine {
  private readonly runs = new Map<string, { status: RunStatus; error: string | null }>();

  constructor(private readonly execute: (request: RunRequest) => Promise<unknown>) {}

  async start(runId: string, request: RunRequest): Promise<void> {
    this.runs.set(runId, { status: 'RUNNING', error: null });
    this.execute(request).then(
      () => this.runs.set(runId, { status: 'SUCCEEDED', error: null }),
      (error: unknown) =>
        this.runs.set(runId, {
          status: 'FAILED',
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  async status(runId: string): Promise<{ status: RunStatus; error: string | null } | null> {
    return this.runs.get(runId) ?? null;
  }

  /** Resolves when no run is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while ([...this.runs.values()].some((r) => r.status === 'RUNNING'))
      await new Promise((r) => setTimeout(r, 20));
  }
}
