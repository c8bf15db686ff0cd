/**
 * The AWS limits the local state machine engine enforces, and the errors AWS reports when one is
 * exceeded, so that a definition or a handler that would fail on AWS fails the same way here:
 *
 * - Step Functions: 262,144 bytes (UTF-8 of the JSON) per state input and output, and per task
 *   result (`States.DataLimitExceeded`, a terminal error `States.ALL` does not match); 25,000
 *   events in one execution's history (the execution fails with `States.Runtime`).
 * - Lambda: a synchronous invocation's request is at most 6,291,456 bytes and its response
 *   6,291,556 bytes (the figure AWS's own error message names).
 *
 * Sources: the Step Functions developer guide (service quotas; error handling, "States.ALL ...
 * can't catch the States.DataLimitExceeded terminal error type and runtime error types") and the
 * error payloads AWS returns, quoted in docs/decisions.md.
 */
import { randomUUID } from 'node:crypto';
import type { StateMachine } from 'aws-local-stepfunctions';
import { PipelineError } from '../domain/errors';

/** Step Functions: the largest state input or output, task result or execution input, in bytes. */
export const STATE_PAYLOAD_LIMIT_BYTES = 262_144;
/** Step Functions: the most events one execution's history holds (a Distributed Map child has its own). */
export const HISTORY_EVENT_LIMIT = 25_000;
/** Lambda: the largest synchronous (RequestResponse) invocation request, in bytes. */
export const LAMBDA_REQUEST_LIMIT_BYTES = 6_291_456;
/** Lambda: the largest synchronous invocation response, in bytes (AWS's error message names this figure). */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_556;

/** The size Step Functions and Lambda measure: UTF-8 bytes of the JSON text. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

/** A retrier or catcher of a state's `Retry` or `Catch`. */
export interface ErrorMatcher {
  readonly ErrorEquals: readonly string[];
}

/** Errors `States.ALL` does not match (AWS: terminal and runtime errors). */
const NOT_MATCHED_BY_ALL = new Set(['States.DataLimitExceeded', 'States.Runtime']);

/**
 * Does AWS match `error` with one of `matchers`? `States.TaskFailed` matches anything but timeouts;
 * `States.Runtime` is matched by nothing, not even its own name (it always fails the execution).
 */
export function awsMatches(error: string, matchers: readonly ErrorMatcher[] | undefined): boolean {
  if (error === 'States.Runtime') return false;
  return (matchers ?? []).some((m) =>
    m.ErrorEquals.some(
      (name) =>
        name === error ||
        (name === 'States.ALL' && !NOT_MATCHED_BY_ALL.has(error)) ||
        (name === 'States.TaskFailed' && !NOT_MATCHED_BY_ALL.has(error) && error !== 'States.Timeout'),
    ),
  );
}

/**
 * An error as a Task reports it to Step Functions: `name` is its `Error`, `message` its `Cause`
 * (what a `Catch` puts under its `ResultPath`). `isRetryable` and `isCatchable` are what
 * aws-local-stepfunctions reads before matching a `Retry` or `Catch`: set from AWS's own
 * matching rules for the state, so that, for example, `States.ALL` never catches
 * `States.DataLimitExceeded`.
 */
export class StatesError extends Error {
  isRetryable = true;
  isCatchable = true;

  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }

  /** Retryable and catchable only where AWS would match this error in the state's fields. */
  matchedAsAwsDoes(state: {
    readonly Retry?: readonly ErrorMatcher[];
    readonly Catch?: readonly ErrorMatcher[];
  }): this {
    this.isRetryable = awsMatches(this.name, state.Retry);
    this.isCatchable = awsMatches(this.name, state.Catch);
    return this;
  }
}

/**
 * What the Lambda integration puts in `Cause` when the function itself fails: the Node.js
 * runtime's error payload, `{errorType, errorMessage, trace}`, as JSON (`errorType` is the
 * error's `name`, which is also the `Error` a Retry or Catch matches).
 */
export function lambdaFunctionError(error: unknown): StatesError {
  const e = error instanceof Error ? error : new Error(String(error));
  const payload = { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
  return new StatesError(e.name, JSON.stringify(payload));
}

/** A limit the local engine enforced: one line naming the state, the size and the limit, with AWS's Error and Cause. */
export class AwsLimitError extends PipelineError {
  constructor(
    message: string,
    /** The error name AWS reports (`States.DataLimitExceeded`, `States.Runtime`, ...). */
    readonly error: string,
    /** The cause AWS reports. */
    readonly awsCause: string,
    stage?: string,
  ) {
    super(`${error}: ${message}`, stage === undefined ? {} : { stage });
  }

  /** The error handed to the engine: AWS's Error and Cause. */
  toStatesError(): StatesError {
    return new StatesError(this.error, this.awsCause);
  }
}

const bytes = (n: number): string => `${n.toLocaleString('en-US')} bytes`;

/** A state's input (`input`), output or task result over Step Functions' payload limit, or null. */
export function dataLimitExceeded(
  state: string,
  what: 'input' | 'output' | 'result',
  size: number,
): AwsLimitError | null {
  if (size <= STATE_PAYLOAD_LIMIT_BYTES) return null;
  const cause =
    what === 'input'
      ? `The state/task '${state}' has an input with a size exceeding the maximum number of bytes service limit.`
      : `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit.`;
  return new AwsLimitError(
    `the ${what} of state '${state}' is ${bytes(size)}, over Step Functions' ${bytes(STATE_PAYLOAD_LIMIT_BYTES)} per state`,
    'States.DataLimitExceeded',
    cause,
    state,
  );
}

/** A Lambda request over the synchronous invocation limit (how the lambda:invoke integration reports the 413), or null. */
export function lambdaRequestTooLarge(state: string, size: number): AwsLimitError | null {
  if (size <= LAMBDA_REQUEST_LIMIT_BYTES) return null;
  // Lambda answers 413 RequestEntityTooLargeException, an error code the Java SDK Step Functions
  // uses does not model: it surfaces as the SDK's generic Lambda.AWSLambdaException.
  return new AwsLimitError(
    `the Lambda request of state '${state}' is ${bytes(size)}, over Lambda's ${bytes(LAMBDA_REQUEST_LIMIT_BYTES)}`,
    'Lambda.AWSLambdaException',
    `Request must be smaller than ${LAMBDA_REQUEST_LIMIT_BYTES} bytes for the InvokeFunction operation (Service: AWSLambda; Status Code: 413; Error Code: RequestEntityTooLargeException; Request ID: ${randomUUID()}; Proxy: null)`,
    state,
  );
}

/** A Lambda response over the synchronous invocation limit (a function error, as Lambda reports it), or null. */
export function lambdaResponseTooLarge(state: string, size: number): AwsLimitError | null {
  if (size <= LAMBDA_RESPONSE_LIMIT_BYTES) return null;
  const payload = {
    errorMessage: `Response payload size exceeded maximum allowed payload size (${LAMBDA_RESPONSE_LIMIT_BYTES} bytes).`,
    errorType: 'Function.ResponseSizeTooLarge',
  };
  return new AwsLimitError(
    `the Lambda response of state '${state}' is ${bytes(size)}, over Lambda's ${bytes(LAMBDA_RESPONSE_LIMIT_BYTES)}`,
    payload.errorType,
    JSON.stringify(payload),
    state,
  );
}

/** A Task over its `TimeoutSeconds` (the function's timeout): `States.Timeout`, with a line naming the state and limit. */
export function taskTimedOut(line: string, state: string): AwsLimitError {
  return new AwsLimitError(line, 'States.Timeout', line, state);
}

/** An execution whose history reached the limit: AWS fails it with `States.Runtime`. */
export function historyLimitReached(execution: string, state: string | undefined): AwsLimitError {
  const cause = `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`;
  const at = state === undefined ? '' : ` at state '${state}'`;
  return new AwsLimitError(
    `${execution} reached ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')} history events${at}: ${cause}`,
    'States.Runtime',
    cause,
    state,
  );
}

/** An event of aws-local-stepfunctions' execution log. */
export type EngineEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** What the history model needs to know of each state of an execution (nested inline Maps included). */
export interface StateKind {
  readonly type: string;
  /** A Map in DISTRIBUTED mode: its iterations are child executions with their own history. */
  readonly distributed: boolean;
}

/**
 * How many events AWS writes to an execution's history for one event of the local engine, after
 * the history of a `lambda:invoke` Task (TaskStateEntered, TaskScheduled, TaskStarted,
 * TaskSucceeded, TaskStateExited), of a Map (MapStateEntered, MapStateStarted or MapRunStarted,
 * MapStateSucceeded or MapRunSucceeded, MapStateExited; an inline Map's iterations add
 * MapIterationStarted and MapIterationSucceeded around their own states' events, a Distributed
 * Map's iterations add nothing here) and of the other states (entered and exited).
 */
function awsEventCount(event: EngineEvent, kind: StateKind | undefined, failed: boolean): number {
  const type = kind?.type;
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
      return 1;
    case 'StateEntered':
      // Task: also scheduled and started; Map and Parallel: also started (a Map Run for a Distributed Map).
      return type === 'Task' ? 3 : type === 'Map' || type === 'Parallel' ? 2 : 1;
    case 'StateExited':
      // After a success: TaskSucceeded, MapStateSucceeded (MapRunSucceeded), ParallelStateSucceeded, then
      // the exit; after a caught failure, the exit alone (the failure was counted when it happened).
      return !failed && (type === 'Task' || type === 'Map' || type === 'Parallel') ? 2 : 1;
    case 'StateFailed':
      // TaskFailed or TaskTimedOut, MapStateFailed (MapRunFailed), ParallelStateFailed.
      return type === 'Task' || type === 'Map' || type === 'Parallel' ? 1 : 0;
    case 'StateRetried':
      // The next attempt: TaskScheduled and TaskStarted again (a Map or Parallel starts again).
      return type === 'Task' ? 2 : 1;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return 1;
    default:
      // StateCaught, Parallel branch markers: no event of their own on AWS.
      return 0;
  }
}

/**
 * One execution's history as AWS would count it, failing the execution like AWS does when it
 * reaches `HISTORY_EVENT_LIMIT` (the failure event is the last one that fits).
 */
export class ExecutionHistory {
  private events = 0;
  private readonly failedStates = new Set<string>();

  constructor(
    private readonly name: string,
    private readonly kinds: ReadonlyMap<string, StateKind>,
    private readonly limit = HISTORY_EVENT_LIMIT,
  ) {}

  /** Events counted so far (the execution's last one included once it ended). */
  get count(): number {
    return this.events;
  }

  /** Counts `event`; the error that ends the execution when it would not fit, else null. */
  add(event: EngineEvent): AwsLimitError | null {
    const stateName = 'state' in event ? event.state.name : undefined;
    const key = stateName === undefined ? '' : `${stateName}#${'index' in event ? String(event.index) : ''}`;
    if (event.type === 'StateFailed') this.failedStates.add(key);
    const n = awsEventCount(
      event,
      stateName === undefined ? undefined : this.kinds.get(stateName),
      this.failedStates.has(key),
    );
    if (event.type === 'StateExited' || event.type === 'StateRetried') this.failedStates.delete(key);
    if (n === 0) return null;
    // The execution's end always fits: when nothing else does, the failure event takes the last place.
    const end = event.type.startsWith('Execution') && event.type !== 'ExecutionStarted';
    if (!end && this.events + n >= this.limit) return historyLimitReached(this.name, stateName);
    this.events += n;
    return null;
  }
}
