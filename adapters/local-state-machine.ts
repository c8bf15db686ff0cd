import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Context } from 'aws-lambda';
import { PipelineError } from '../domain/errors';
import {
  AwsLimitError,
  type EngineEvent,
  type ErrorMatcher,
  ExecutionHistory,
  type StateKind,
  StatesError,
  dataLimitExceeded,
  jsonBytes,
  lambdaFunctionError,
  lambdaRequestTooLarge,
  lambdaResponseTooLarge,
  taskTimedOut,
} from './aws-limits';
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

/** A state of a definition, as far as the engine reads it. */
interface StateDefinition {
  readonly Type?: string;
  readonly TimeoutSeconds?: number;
  readonly Retry?: readonly ErrorMatcher[];
  readonly Catch?: readonly ErrorMatcher[];
  readonly ItemProcessor?: ProcessorDefinition;
  readonly Iterator?: ProcessorDefinition;
  readonly Branches?: readonly ProcessorDefinition[];
}

/** A Map's item processor or a Parallel branch. */
interface ProcessorDefinition {
  readonly ProcessorConfig?: { readonly Mode?: string };
  readonly StartAt?: string;
  readonly States?: Record<string, unknown>;
}

/** An Amazon States Language definition. */
export interface Definition {
  readonly StartAt?: string;
  readonly States: Record<string, unknown>;
}

/** How one execution went against the limits (`ExecutionOptions.observe`). */
export interface ExecutionStats {
  /** `execution`, or `<Map> child execution for <day or shard>` for a Distributed Map's iteration. */
  readonly execution: string;
  /** Events in its history, counted as AWS does. */
  readonly historyEvents: number;
  /** The largest state input or output, task input or task result, in bytes, and where it was. */
  readonly largestPayloadBytes: number;
  readonly largestPayloadAt: string;
}

/** Options of a local execution. */
export interface ExecutionOptions {
  /** Milliseconds to pause before each retry, per state (aws-local-stepfunctions' override): fast retries in tests. */
  readonly retryIntervalOverrides?: Readonly<Record<string, number | number[]>>;
  /** Sees each execution's history size and largest payload when it ends, the root execution last. */
  readonly observe?: (stats: ExecutionStats) => void;
}

/** A Distributed Map's child executions never time out locally (setTimeout's longest delay is ~24.8 days). */
const CHILD_EXECUTION_TIMEOUT_SECONDS = 2_000_000;

/** The resource of the Task that stands for a Distributed Map's child execution. */
const CHILD_EXECUTION_RESOURCE = 'arn:aws:states:::local:child-execution';

/** What a Distributed Map fails with when a child execution fails (its tolerated failure threshold is 0). */
const MAP_RUN_FAILED = {
  error: 'States.ExceedToleratedFailureThreshold',
  cause: 'The specified tolerated failure threshold was exceeded',
};

/** A definition as the engine runs it, with what the limits need to know of its states. */
interface PreparedDefinition {
  readonly definition: Definition;
  readonly kinds: Map<string, StateKind>;
  readonly tasks: Map<string, StateDefinition>;
  /** The Task standing for each Distributed Map's child execution: its Map and the child's definition. */
  readonly children: Map<
    string,
    { readonly map: string; readonly mapState: StateDefinition; readonly definition: Definition }
  >;
}

/**
 * Indexes the states of `definition` (inline Map and Parallel states included: they run in the
 * same execution) and replaces each Distributed Map's item processor by one Task that runs the
 * processor as a child execution of its own, as on AWS: with its own history, and failing its
 * Map with `States.ExceedToleratedFailureThreshold` when it fails.
 */
function prepare(definition: Definition): PreparedDefinition {
  const cached = preparedDefinitions.get(definition);
  if (cached !== undefined) return cached;
  const prepared: PreparedDefinition = {
    definition,
    kinds: new Map(),
    tasks: new Map(),
    children: new Map(),
  };
  const walk = (states: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(states).map(([name, raw]) => {
        const state = raw as StateDefinition;
        const processor = state.ItemProcessor ?? state.Iterator;
        const distributed = state.Type === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
        prepared.kinds.set(name, { type: state.Type ?? '', distributed });
        if (state.Type === 'Task') prepared.tasks.set(name, state);
        if (processor === undefined) {
          const branches = state.Branches?.map((b) => ({ ...b, States: walk(b.States ?? {}) }));
          return [name, branches === undefined ? state : { ...state, Branches: branches }];
        }
        const { Iterator: _iterator, ...rest } = state as StateDefinition & Record<string, unknown>;
        if (!distributed)
          return [name, { ...rest, ItemProcessor: { ...processor, States: walk(processor.States ?? {}) } }];
        const child = `${name} child execution`;
        const { ProcessorConfig: _config, ...childDefinition } = processor;
        prepared.children.set(child, {
          map: name,
          mapState: state,
          definition: childDefinition as Definition,
        });
        prepared.kinds.set(child, { type: 'Task', distributed: false });
        return [
          name,
          {
            ...rest,
            ItemProcessor: {
              ProcessorConfig: processor.ProcessorConfig,
              StartAt: child,
              States: {
                [child]: {
                  Type: 'Task',
                  Resource: CHILD_EXECUTION_RESOURCE,
                  TimeoutSeconds: CHILD_EXECUTION_TIMEOUT_SECONDS,
                  End: true,
                },
              },
            },
          },
        ];
      }),
    );
  const result = { ...prepared, definition: { ...definition, States: walk(definition.States) } };
  preparedDefinitions.set(definition, result);
  return result;
}

/** Each definition is prepared, and validated, once: a run starts one child execution per day or shard. */
const preparedDefinitions = new WeakMap<Definition, PreparedDefinition>();
const validatedDefinitions = new WeakSet<Definition>();

/** The engine's machine for a prepared definition, validated by aws-local-stepfunctions the first time. */
function machineOf(definition: Definition): StateMachine {
  const validated = validatedDefinitions.has(definition);
  validatedDefinitions.add(definition);
  return new StateMachine(definition as never, {
    validationOptions: validated ? { noValidate: true } : { checkArn: false },
  });
}

/** A Lambda context for one local invocation, with the same deadline as on AWS. */
export function lambdaContext(functionName: string, timeoutSeconds: number, start = Date.now()): Context {
  const deadline = start + timeoutSeconds * 1000;
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

/** What `lambda:invoke` returns on AWS: the function's result under `Payload`, with the SDK's metadata. */
function lambdaInvokeResult(payload: unknown, requestId: string): Record<string, unknown> {
  const headers = {
    Connection: 'keep-alive',
    'Content-Length': String(jsonBytes(payload)),
    'Content-Type': 'application/json',
    Date: new Date().toUTCString(),
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
    'X-Amzn-Trace-Id': `Root=1-00000000-${requestId.replaceAll('-', '').slice(0, 24)};Sampled=0`,
  };
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

/** What an event names for the failure line: the day or shard it was about. */
function subjectOf(payload: unknown): string {
  const p = payload as { date?: unknown; shard?: unknown } | null;
  if (typeof p?.date === 'string') return ` for ${p.date}`;
  if (typeof p?.shard === 'number') return ` for shard ${p.shard}`;
  return '';
}

/** Lets the executions' event logs catch up (they are read in microtasks). */
const eventLogsRead = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One running execution: its limit violation, if any, and its largest payload so far. */
class ExecutionState {
  violation: AwsLimitError | null = null;
  largest = { bytes: 0, at: '' };
  abort: () => void = () => undefined;
  /** Stopped by Step Functions because its Map Run or its parent failed: not a failure of its own. */
  stopped = false;
  /** Its Distributed Maps' current Map Runs, by Map state. */
  readonly mapRuns = new Map<string, MapRun>();

  constructor(readonly name: string) {}

  /** Records a payload's size; the data-limit error when it is over the limit. */
  measure(state: string, what: 'input' | 'output' | 'result', size: number): AwsLimitError | null {
    if (size > this.largest.bytes) this.largest = { bytes: size, at: `${what} of ${state}` };
    return dataLimitExceeded(state, what, size);
  }

  /** Ends the execution as AWS would: no state runs after this, nor in its child executions. */
  fail(violation: AwsLimitError): void {
    this.violation ??= violation;
    this.abort();
    for (const mapRun of this.mapRuns.values()) for (const child of mapRun.running) child.stop();
  }

  /** Stopped by Step Functions (its Map Run or its parent failed). */
  stop(): void {
    this.stopped = true;
    this.abort();
  }
}

/** One run of a Distributed Map: whether it failed, and its child executions still running. */
interface MapRun {
  failed: boolean;
  readonly running: Set<ExecutionState>;
}

/**
 * The local executions of one run: the root execution and the child executions of its Distributed
 * Maps, with the Task failures not yet overcome by a retry (the run's error when it fails).
 */
class LocalRun {
  private readonly failures = new Map<string, unknown>();

  constructor(
    private readonly tasks: Readonly<Record<string, LocalTask>>,
    private readonly options: ExecutionOptions,
  ) {}

  /** The error to reject with: what ended the execution, else the first Task failure that stood. */
  errorOf(execution: ExecutionState, error: unknown): unknown {
    return execution.violation ?? [...this.failures.values()][0] ?? error;
  }

  /** Runs `definition` on `input` as one execution, enforcing the payload and history limits on every state. */
  async execute(definition: Definition, input: unknown, execution: ExecutionState): Promise<unknown> {
    const { name } = execution;
    const prepared = prepare(definition);
    const history = new ExecutionHistory(name, prepared.kinds);
    const machine = machineOf(prepared.definition);
    const overrides: Record<string, (params: unknown) => Promise<unknown>> = {};
    for (const [state, definitionOfState] of prepared.tasks) {
      const task = this.tasks[state];
      // Without a local handler the engine would invoke the real Lambda through the AWS SDK.
      if (task === undefined)
        throw new PipelineError(`Task state ${state} has no local handler (give one for every Task state)`, {
          stage: state,
        });
      overrides[state] = (params) => this.task(execution, state, definitionOfState, task, params);
    }
    for (const [state, child] of prepared.children)
      overrides[state] = (params) => this.childExecution(execution, child, params);
    const run = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: overrides as never,
        ...(this.options.retryIntervalOverrides === undefined
          ? {}
          : { retryIntervalOverrides: this.options.retryIntervalOverrides as never }),
      },
    });
    execution.abort = run.abort;
    const watched = this.watch(run.eventLogs, execution, history, prepared);
    try {
      const result = await run.result;
      await watched;
      if (execution.violation !== null) throw execution.violation;
      return result;
    } catch (error) {
      await watched;
      throw this.errorOf(execution, error);
    } finally {
      this.options.observe?.({
        execution: name,
        historyEvents: history.count,
        largestPayloadBytes: execution.largest.bytes,
        largestPayloadAt: execution.largest.at,
      });
    }
  }

  /** Reads the execution's event log: counts its history and measures every state's input and output. */
  private async watch(
    events: AsyncGenerator<EngineEvent>,
    execution: ExecutionState,
    history: ExecutionHistory,
    prepared: PreparedDefinition,
  ): Promise<void> {
    const childTask = (name: string): boolean => prepared.children.has(name);
    const distributed = (name: string): boolean => prepared.kinds.get(name)?.distributed === true;
    for await (const event of events) {
      if (execution.violation !== null) continue;
      // A Distributed Map's iterations are child executions: nothing of them is in this history.
      if ('state' in event && childTask(event.state.name)) continue;
      if (
        'parentState' in event &&
        event.type.startsWith('MapIteration') &&
        distributed(event.parentState.name)
      )
        continue;
      const violation =
        history.add(event) ??
        (event.type === 'ExecutionStarted'
          ? execution.measure(execution.name, 'input', jsonBytes(event.input))
          : event.type === 'StateEntered'
            ? execution.measure(event.state.name, 'input', jsonBytes(event.state.input))
            : event.type === 'StateExited'
              ? execution.measure(event.state.name, 'output', jsonBytes(event.state.output))
              : null);
      if (violation !== null) execution.fail(violation);
      // Each time a Distributed Map starts (again), it starts a new Map Run.
      if ((event.type === 'StateEntered' || event.type === 'StateRetried') && distributed(event.state.name))
        execution.mapRuns.set(event.state.name, { failed: false, running: new Set() });
    }
  }

  /**
   * A `lambda:invoke` Task: the state's input and Lambda's request limits, the function's handler
   * raced against the Task's `TimeoutSeconds`, then Lambda's response and the state's result
   * limits. A failure reaches the definition's Retry and Catch as AWS reports it (`Error` and
   * `Cause`); the run keeps the error itself to reject with.
   */
  private async task(
    execution: ExecutionState,
    state: string,
    definition: StateDefinition,
    task: LocalTask,
    params: unknown,
  ): Promise<unknown> {
    // The Task's time runs from when the engine scheduled it, as the engine's own timer does.
    const scheduled = Date.now();
    // A limit an earlier state broke ends the execution before this Task starts.
    await eventLogsRead();
    if (execution.violation !== null) throw execution.violation.toStatesError().matchedAsAwsDoes({});
    const payload = (params as { Payload?: unknown } | null)?.Payload;
    const key = `${state} ${JSON.stringify(payload)}`;
    try {
      const result = await this.invoke(execution, state, definition, task, params, payload, scheduled);
      this.failures.delete(key);
      return result;
    } catch (error) {
      this.failures.delete(key);
      this.failures.set(key, error);
      const reported = error instanceof AwsLimitError ? error.toStatesError() : lambdaFunctionError(error);
      throw reported.matchedAsAwsDoes(definition);
    }
  }

  /** One invocation of the function behind a Task, with AWS's limits around it. */
  private async invoke(
    execution: ExecutionState,
    state: string,
    definition: StateDefinition,
    task: LocalTask,
    params: unknown,
    payload: unknown,
    scheduled: number,
  ): Promise<unknown> {
    const limitOfInput =
      execution.measure(state, 'input', jsonBytes(params)) ??
      lambdaRequestTooLarge(state, jsonBytes(payload));
    if (limitOfInput !== null) throw limitOfInput;
    const timeout = definition.TimeoutSeconds ?? 60;
    const context = lambdaContext(task.functionName, timeout, scheduled);
    // The Task's own limit, a hair before the engine's: the run then fails with a line that says
    // which state, which day or shard, and which limit (what the Lambda's timeout does on AWS).
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            taskTimedOut(
              `${state}${subjectOf(payload)} timed out after ${timeout} s (its TimeoutSeconds, the Lambda's timeout)`,
              state,
            ),
          ),
        Math.max(1, scheduled + timeout * 1000 - 1 - Date.now()),
      );
    });
    let result: unknown;
    try {
      result = await Promise.race([task.handler(payload, context), limit]);
    } finally {
      clearTimeout(timer);
    }
    const limitOfResult = lambdaResponseTooLarge(state, jsonBytes(result));
    if (limitOfResult !== null) throw limitOfResult;
    const output = lambdaInvokeResult(result, context.awsRequestId);
    const limitOfOutput = execution.measure(state, 'result', jsonBytes(output));
    if (limitOfOutput !== null) throw limitOfOutput;
    return output;
  }

  /**
   * One iteration of a Distributed Map: a child execution. Its failure fails the Map Run, as on
   * AWS: the Map fails with `States.ExceedToleratedFailureThreshold`, the children still running
   * are stopped and no other child starts.
   */
  private async childExecution(
    parent: ExecutionState,
    child: { readonly map: string; readonly mapState: StateDefinition; readonly definition: Definition },
    input: unknown,
  ): Promise<unknown> {
    await eventLogsRead();
    if (parent.violation !== null) throw parent.violation.toStatesError().matchedAsAwsDoes({});
    const mapRunFailed = (): StatesError =>
      new StatesError(MAP_RUN_FAILED.error, MAP_RUN_FAILED.cause).matchedAsAwsDoes(child.mapState);
    let mapRun = parent.mapRuns.get(child.map);
    if (mapRun === undefined) {
      mapRun = { failed: false, running: new Set() };
      parent.mapRuns.set(child.map, mapRun);
    }
    if (mapRun.failed) throw mapRunFailed();
    const execution = new ExecutionState(`${child.map} child execution${subjectOf(input)}`);
    mapRun.running.add(execution);
    try {
      return await this.execute(child.definition, input, execution);
    } catch (error) {
      if (execution.stopped) throw mapRunFailed();
      // A limit the child broke, or a definition the engine refused, is the run's error too.
      if (![...this.failures.values()].includes(error))
        this.failures.set(`${execution.name} ${JSON.stringify(input)}`, error);
      mapRun.failed = true;
      for (const sibling of mapRun.running) if (sibling !== execution) sibling.stop();
      throw mapRunFailed();
    } finally {
      mapRun.running.delete(execution);
    }
  }
}

/**
 * Executes an Amazon States Language definition in-process with aws-local-stepfunctions, as strict
 * as AWS: each `lambda:invoke` Task resolved by its state name to the deployed Lambda entry point,
 * called with the Task's payload and a Lambda context whose deadline is the Task's
 * `TimeoutSeconds`; each Distributed Map iteration a child execution of its own; the limits of
 * `aws-limits.ts` on every state, Task and execution. The result is wrapped as the integration
 * returns it on AWS (`{ Payload, StatusCode, ExecutedVersion, ... }`), so the definition's paths
 * work unchanged, and failures reach Retry and Catch with AWS's `Error` and `Cause`.
 *
 * On failure, rejects with what ended the execution: a limit (an `AwsLimitError`, one line
 * naming the state, the size or time and the limit), else the first Task error that no retry
 * overcame (class and message intact), after the definition's own Catch states have run.
 */
export async function executeStateMachine(
  definition: Definition,
  input: unknown,
  tasks: Readonly<Record<string, LocalTask>>,
  options: ExecutionOptions = {},
): Promise<unknown> {
  return new LocalRun(tasks, options).execute(definition, input, new ExecutionState('execution'));
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
