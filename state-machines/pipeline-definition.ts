/**
 * The source of `pipeline.asl.json`, the one Step Functions definition run on AWS (through
 * serverless.yml) and on one machine (aws-local-stepfunctions). Written as code so that the retry
 * policy, the failure route and each Task's shape are spelled once; `npm run asl` writes the JSON
 * and a test fails when the two differ.
 *
 * Every Task passes pointers (the run, a date) and returns counts: stage outputs live in the lake,
 * so no state's payload grows with the data.
 */

/** Each Task state's Lambda timeout in seconds: the Task's `TimeoutSeconds` and the function's `timeout`. */
export const TASK_TIMEOUT_SECONDS = {
  Plan: 120,
  ValidateCleanDay: 900,
  FoldItems: 900,
  FoldUsers: 900,
  AssembleDays: 900,
  Publish: 900,
  Monitor: 300,
  CommitRun: 120,
  RecordFailure: 60,
} as const;

/**
 * The longest a run may last (the definition's top-level `TimeoutSeconds`): Step Functions stops
 * an execution past it, so a run's lock on its output root older than this is stale.
 */
export const RUN_TIMEOUT_SECONDS = 86_400;

/** The Task states, in execution order; each runs `handlers/pipeline-<kebab-case name>.ts`. */
export type TaskState = keyof typeof TASK_TIMEOUT_SECONDS;

/** The Tasks that run as Map iterations (one Lambda per day or shard on AWS, worker threads locally). */
export const MAP_TASKS = [
  'ValidateCleanDay',
  'FoldUsers',
  'AssembleDays',
] as const satisfies readonly TaskState[];

/** The serverless.yml function key of the Lambda that runs Task `state`: `pipeline<State>`. */
export function functionKey(state: TaskState): string {
  return `pipeline${state}`;
}

/** A Task state's Lambda function, kebab-case after the state (`ValidateCleanDay` → `pipeline-validate-clean-day`). */
export function functionSuffix(state: TaskState): string {
  return `pipeline-${state.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/** Transient Lambda faults and storage throttling are retried; everything else fails the run. */
const RETRY = [
  {
    ErrorEquals: [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 2,
    MaxAttempts: 4,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
  { ErrorEquals: ['StorageError'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 },
];

/**
 * Any failure is recorded in the run's manifest before the execution fails. `States.ALL` does not
 * match `States.DataLimitExceeded` (a state's input or output over 256 KiB), so it is named on its
 * own; `States.Runtime` (such as the 25,000-event history limit) cannot be caught at all.
 */
const TO_RECORD_FAILURE = [
  { ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'RecordFailure' },
  { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' },
];

/** A `lambda:invoke` Task of the pipeline's function for `state`, with its payload and result handling. */
function task(
  state: TaskState,
  payload: Record<string, string>,
  flow: Record<string, unknown>,
  catchFailures = true,
): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: `\${self:service}-\${sls:stage}-${functionSuffix(state)}`, Payload: payload },
    ResultSelector: { 'result.$': '$.Payload' },
    TimeoutSeconds: TASK_TIMEOUT_SECONDS[state],
    Retry: RETRY,
    ...(catchFailures ? { Catch: TO_RECORD_FAILURE } : {}),
    ...flow,
  };
}

/**
 * A Distributed Map over `itemsPath` running one Task per item in its own child execution
 * (architecture.md): items come from the state input (no ItemReader, no ResultWriter, which the
 * local engine lacks), each iteration's record is in the lake, so the Map's result is dropped.
 */
function distributedMap(
  itemsPath: string,
  itemSelector: Record<string, string>,
  state: TaskState,
  payload: Record<string, string>,
  next: string,
): Record<string, unknown> {
  return {
    Type: 'Map',
    ItemsPath: itemsPath,
    MaxConcurrencyPath: '$.max_concurrency',
    ItemSelector: { 'run.$': '$.run', ...itemSelector },
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: state,
      // An iteration's output is its status code only: a Distributed Map gathers its children's
      // outputs (under the 256 KiB limit without a ResultWriter) even though it then drops them.
      States: {
        [state]: task(
          state,
          { 'run.$': '$.run', ...payload },
          { ResultSelector: { 'status.$': '$.StatusCode' }, OutputPath: '$.status', End: true },
          false,
        ),
      },
    },
    // Each iteration's record is in the lake (runs/<id>/stages/<State>/<item>.json): the state
    // keeps only the run pointer, whatever the number of days, shards or raw objects.
    ResultPath: null,
    Catch: TO_RECORD_FAILURE,
    Next: next,
  };
}

/** The pipeline definition (Amazon States Language). */
export const pipelineDefinition = {
  Comment:
    'Feature pipeline: plan the run, validate and clean each day in parallel, fold the item counts, fold the users shard by shard in parallel, assemble each day of training rows and its split in parallel (full runs), publish the features online, monitor, then commit the state and the run manifest. Any failure is recorded in the run manifest before the execution fails.',
  StartAt: 'Plan',
  TimeoutSeconds: RUN_TIMEOUT_SECONDS,
  States: {
    Plan: task('Plan', { 'request.$': '$' }, { OutputPath: '$.result', Next: 'ValidateCleanDays' }),
    ValidateCleanDays: distributedMap(
      '$.days',
      { 'date.$': '$$.Map.Item.Value' },
      'ValidateCleanDay',
      { 'date.$': '$.date' },
      'FoldItems',
    ),
    FoldItems: task('FoldItems', { 'run.$': '$.run' }, { ResultPath: '$.items', Next: 'FoldUserShards' }),
    FoldUserShards: distributedMap(
      '$.shards',
      { 'shard.$': '$$.Map.Item.Value.shard' },
      'FoldUsers',
      { 'shard.$': '$.shard' },
      'AssembleTrainingDays',
    ),
    AssembleTrainingDays: distributedMap(
      '$.training_days',
      { 'date.$': '$$.Map.Item.Value' },
      'AssembleDays',
      { 'date.$': '$.date' },
      'Publish',
    ),
    Publish: task(
      'Publish',
      { 'run.$': '$.run', 'as_of.$': '$.items.result.as_of' },
      { ResultPath: '$.publish', Next: 'Monitor' },
    ),
    Monitor: task(
      'Monitor',
      { 'run.$': '$.run', 'as_of.$': '$.items.result.as_of' },
      { ResultPath: '$.monitor', Next: 'CommitRun' },
    ),
    CommitRun: task('CommitRun', { 'run.$': '$.run' }, { OutputPath: '$.result', End: true }),
    RecordFailure: task(
      'RecordFailure',
      { 'state.$': '$' },
      { ResultPath: '$.recorded', Next: 'Failed' },
      false,
    ),
    Failed: { Type: 'Fail', Error: 'PipelineFailed', CausePath: '$.recorded.result.error' },
  },
} as const;
