/**
 * The local engine fails where AWS would: each limit of adapters/aws-limits.ts fires here on a
 * small definition, with the error name and cause AWS gives, and matched by Retry and Catch the
 * way AWS matches it.
 */
import {
  AwsLimitError,
  HISTORY_EVENT_LIMIT,
  LAMBDA_REQUEST_LIMIT_BYTES,
  LAMBDA_RESPONSE_LIMIT_BYTES,
  STATE_PAYLOAD_LIMIT_BYTES,
  awsMatches,
  lambdaRequestTooLarge,
} from '../../adapters/aws-limits';
import {
  type Definition,
  type ExecutionStats,
  type LocalTask,
  executeStateMachine,
} from '../../adapters/local-state-machine';
import { failureMessage } from '../../handlers/pipeline-record-failure';

/** Local tasks from plain functions of the payload. */
function tasks(fns: Record<string, (payload: unknown) => unknown>): Record<string, LocalTask> {
  return Object.fromEntries(
    Object.entries(fns).map(([state, fn]) => [state, { functionName: state, handler: async (e) => fn(e) }]),
  );
}

/** A `lambda:invoke` Task passing its whole input as the payload and keeping the function's result. */
function task(flow: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: 'f', 'Payload.$': '$' },
    OutputPath: '$.Payload',
    ...flow,
  };
}

/** The error an execution rejects with. */
async function failureOf(execution: Promise<unknown>): Promise<AwsLimitError> {
  const error = await execution.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsLimitError);
  return error as AwsLimitError;
}

const CAUGHT = { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' };

describe('the 256 KiB state payload limit (States.DataLimitExceeded)', () => {
  /** A Pass state whose output is a string of `chars` characters, then a Task that must not run. */
  const passOf = (value: string): Definition => ({
    StartAt: 'Big',
    States: {
      Big: { Type: 'Pass', Result: value, Next: 'After' },
      After: { ...task({ End: true }), Parameters: { FunctionName: 'f', Payload: {} } },
    },
  });

  it('fails the execution when a Pass state outputs one byte over 262,144, and no later state runs', async () => {
    const ran: unknown[] = [];
    const fits = 'x'.repeat(STATE_PAYLOAD_LIMIT_BYTES - 2); // its JSON, with the quotes, is the limit
    await expect(
      executeStateMachine(passOf(fits), {}, tasks({ After: (p) => (ran.push(p), 'ok') })),
    ).resolves.toBe('ok');
    expect(ran).toHaveLength(1);

    const error = await failureOf(
      executeStateMachine(passOf(`${fits}x`), {}, tasks({ After: (p) => (ran.push(p), 'ok') })),
    );
    expect(error.error).toBe('States.DataLimitExceeded');
    expect(error.message).toBe(
      "States.DataLimitExceeded: the output of state 'Big' is 262,145 bytes, over Step Functions' 262,144 bytes per state",
    );
    expect(ran).toHaveLength(1);
  });

  it('counts UTF-8 bytes, not characters', async () => {
    // 131,072 two-byte characters: half the limit in characters, over it in bytes.
    const error = await failureOf(
      executeStateMachine(passOf('é'.repeat(131_072)), {}, tasks({ After: () => 'ok' })),
    );
    expect(error.message).toContain('262,146 bytes');
  });

  it('applies to the states of a Map iteration', async () => {
    const definition: Definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Grow',
            States: {
              // The iteration's item is small; Parameters repeat it past the limit.
              Grow: { Type: 'Pass', Parameters: { 'a.$': '$', 'b.$': '$', 'c.$': '$' }, Next: 'Route' },
              Route: {
                Type: 'Choice',
                Choices: [{ Variable: '$.a', IsPresent: true, Next: 'Done' }],
                Default: 'Done',
              },
              Done: { Type: 'Succeed' },
            },
          },
          End: true,
        },
      },
    };
    const item = 'y'.repeat(100_000);
    const error = await failureOf(executeStateMachine(definition, { items: [item] }, {}));
    expect(error.message).toMatch(/^States.DataLimitExceeded: the output of state 'Grow' is 300,0\d\d bytes/);
    // Two items of a third of the limit each fit.
    await expect(
      executeStateMachine(
        { ...definition, States: { Each: { ...(definition.States.Each as object), ResultPath: null } } },
        { items: ['z'.repeat(80_000)] },
        {},
      ),
    ).resolves.toEqual({ items: ['z'.repeat(80_000)] });
  });

  it('is not caught by States.ALL but by its own name, for a Task whose result is over the limit', async () => {
    const big = (): string => 'r'.repeat(300_000);
    const caught: unknown[] = [];
    const caughtBy = (errorEquals: string[]): Definition => ({
      StartAt: 'Produce',
      States: {
        Produce: task({ Catch: [{ ...CAUGHT, ErrorEquals: errorEquals }], End: true }),
        Caught: task({ End: true }),
      },
    });
    const handlers = tasks({ Produce: big, Caught: (p) => (caught.push(p), 'recorded') });

    const error = await failureOf(executeStateMachine(caughtBy(['States.ALL']), {}, handlers));
    expect(error.message).toMatch(/the result of state 'Produce' is 300,\d{3} bytes/);
    expect(caught).toEqual([]);

    await expect(executeStateMachine(caughtBy(['States.DataLimitExceeded']), {}, handlers)).resolves.toBe(
      'recorded',
    );
    expect(caught).toEqual([
      {
        error: {
          Error: 'States.DataLimitExceeded',
          Cause:
            "The state/task 'Produce' returned a result with a size exceeding the maximum number of bytes service limit.",
        },
      },
    ]);
  });

  it("checks a Task's input after Parameters", async () => {
    const definition: Definition = {
      StartAt: 'Send',
      States: {
        Send: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'f', Payload: { 'a.$': '$.x', 'b.$': '$.x', 'c.$': '$.x' } },
          End: true,
        },
      },
    };
    const called: unknown[] = [];
    const error = await failureOf(
      executeStateMachine(definition, { x: 's'.repeat(100_000) }, tasks({ Send: (p) => called.push(p) })),
    );
    expect(error.message).toMatch(/the input of state 'Send' is 300,\d{3} bytes/);
    expect(called).toEqual([]);
  });
});

describe('the 25,000-event execution history (States.Runtime)', () => {
  /** A Pass and a Choice looping forever: four history events a turn. */
  const loop = (mode: 'INLINE' | 'DISTRIBUTED' | null): Definition => {
    const spin: Definition = {
      StartAt: 'Spin',
      States: {
        Spin: { Type: 'Pass', Next: 'Again' },
        Again: {
          Type: 'Choice',
          Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
          Default: 'Spin',
        },
        Done: { Type: 'Succeed' },
      },
    };
    if (mode === null) return spin;
    return {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { ProcessorConfig: { Mode: mode, ExecutionType: 'STANDARD' }, ...spin },
          ResultPath: null,
          Catch: [CAUGHT],
          End: true,
        },
        Caught: task({ End: true }),
      },
    };
  };

  it('fails a looping execution with the message AWS gives, which no Catch sees', async () => {
    const stats: ExecutionStats[] = [];
    const caught: unknown[] = [];
    const error = await failureOf(
      executeStateMachine(loop('INLINE'), { items: [{}] }, tasks({ Caught: (p) => caught.push(p) }), {
        observe: (s) => stats.push(s),
      }),
    );
    expect(error.error).toBe('States.Runtime');
    expect(error.awsCause).toBe('The execution reached the maximum number of history events (25000).');
    expect(caught).toEqual([]);
    expect(stats.at(-1)?.historyEvents).toBeGreaterThan(HISTORY_EVENT_LIMIT - 5);
    expect(stats.at(-1)?.historyEvents).toBeLessThan(HISTORY_EVENT_LIMIT);
  });

  it("gives each Distributed Map iteration its own history: the child fails, its Map Run fails, the Map's Catch runs", async () => {
    const stats: ExecutionStats[] = [];
    const caught: unknown[] = [];
    const result = await executeStateMachine(
      loop('DISTRIBUTED'),
      { items: [{}] },
      tasks({ Caught: (p) => (caught.push(p), 'recorded') }),
      { observe: (s) => stats.push(s) },
    );
    expect(result).toBe('recorded');
    expect(caught).toEqual([
      {
        items: [{}],
        error: {
          Error: 'States.ExceedToleratedFailureThreshold',
          Cause: 'The specified tolerated failure threshold was exceeded',
        },
      },
    ]);
    const child = stats.find((s) => s.execution === 'Each child execution');
    expect(child?.historyEvents).toBeGreaterThan(HISTORY_EVENT_LIMIT - 5);
    // The parent holds its own few events only: started, the Map's four, the Task's five, ended.
    expect(stats.find((s) => s.execution === 'execution')?.historyEvents).toBe(11);
  });

  it('counts an inline Map iteration in the parent history, a Distributed one in its own', async () => {
    // Each iteration: MapIterationStarted, PassStateEntered, PassStateExited, MapIterationSucceeded.
    const items = Array.from({ length: 6_300 }, () => 0);
    const each = (mode: 'INLINE' | 'DISTRIBUTED'): Definition => ({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 100,
          ItemProcessor: {
            ProcessorConfig: { Mode: mode, ExecutionType: 'STANDARD' },
            StartAt: 'One',
            States: { One: { Type: 'Pass', End: true } },
          },
          ResultPath: null,
          End: true,
        },
      },
    });
    const error = await failureOf(executeStateMachine(each('INLINE'), { items }, {}));
    expect(error.error).toBe('States.Runtime');

    const stats: ExecutionStats[] = [];
    await expect(
      executeStateMachine(each('DISTRIBUTED'), { items }, {}, { observe: (s) => stats.push(s) }),
    ).resolves.toEqual({ items });
    expect(stats).toHaveLength(items.length + 1);
    expect(stats.at(-1)).toMatchObject({ execution: 'execution', historyEvents: 6 });
    expect(stats[0]).toMatchObject({ execution: 'Each child execution', historyEvents: 4 });
  });

  it('counts a lambda:invoke Task as five events, and a retry as two more', async () => {
    const stats: ExecutionStats[] = [];
    let calls = 0;
    const definition: Definition = {
      StartAt: 'Once',
      States: {
        Once: task({ Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 1 }], End: true }),
      },
    };
    const flaky = (): string => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('try again'), { name: 'Flaky' });
      return 'ok';
    };
    await expect(
      executeStateMachine(definition, {}, tasks({ Once: flaky }), {
        observe: (s) => stats.push(s),
        retryIntervalOverrides: { Once: 0 },
      }),
    ).resolves.toBe('ok');
    // Started; entered, scheduled, started, failed; scheduled, started, succeeded, exited; succeeded.
    expect(stats).toEqual([expect.objectContaining({ historyEvents: 10 })]);
  });
});

describe("Lambda's 6 MB synchronous payloads", () => {
  it('fails a Task whose function returns over 6,291,556 bytes with Function.ResponseSizeTooLarge', async () => {
    const caught: { error: { Error: string; Cause: string } }[] = [];
    const definition: Definition = {
      StartAt: 'Produce',
      States: { Produce: task({ Catch: [CAUGHT], End: true }), Caught: task({ End: true }) },
    };
    await executeStateMachine(
      definition,
      {},
      tasks({
        Produce: () => 'm'.repeat(LAMBDA_RESPONSE_LIMIT_BYTES),
        Caught: (p) => caught.push(p as (typeof caught)[number]),
      }),
    );
    expect(caught).toHaveLength(1);
    const error = caught[0]?.error;
    expect(error?.Error).toBe('Function.ResponseSizeTooLarge');
    expect(JSON.parse(error?.Cause ?? '')).toEqual({
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
    // RecordFailure's parser reads Lambda's message out of it, as on AWS.
    expect(failureMessage(error)).toBe(
      'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    );
  });

  it('reports a response between 256 KiB and 6 MB as the state limit, not the Lambda one', async () => {
    const definition: Definition = { StartAt: 'Produce', States: { Produce: task({ End: true }) } };
    const error = await failureOf(
      executeStateMachine(definition, {}, tasks({ Produce: () => 'm'.repeat(1_000_000) })),
    );
    expect(error.error).toBe('States.DataLimitExceeded');
  });

  it('reports a request over 6,291,456 bytes as the Lambda integration does; in a state machine the 256 KiB limit comes first', async () => {
    expect(lambdaRequestTooLarge('Send', LAMBDA_REQUEST_LIMIT_BYTES)).toBeNull();
    const error = lambdaRequestTooLarge('Send', LAMBDA_REQUEST_LIMIT_BYTES + 1);
    expect(error?.error).toBe('Lambda.AWSLambdaException');
    expect(error?.awsCause).toMatch(
      /^Request must be smaller than 6291456 bytes for the InvokeFunction operation \(Service: AWSLambda; Status Code: 413; Error Code: RequestEntityTooLargeException;/,
    );
    // A 7 MB payload never reaches Lambda: the Task's input is over Step Functions' limit first.
    const definition: Definition = {
      StartAt: 'Send',
      States: {
        Send: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: 'f',
            Payload: Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}.$`, '$.x'])),
          },
          End: true,
        },
      },
    };
    const failed = await failureOf(
      executeStateMachine(definition, { x: 'q'.repeat(100_000) }, tasks({ Send: () => 'never' })),
    );
    expect(failed.error).toBe('States.DataLimitExceeded');
  });
});

describe("a Task's TimeoutSeconds (States.Timeout)", () => {
  const slow = (): Promise<string> => new Promise((resolve) => setTimeout(() => resolve('late'), 1_500));
  const timedOut = (errorEquals: string[]): Definition => ({
    StartAt: 'Slow',
    States: {
      Slow: task({ TimeoutSeconds: 1, Catch: [{ ...CAUGHT, ErrorEquals: errorEquals }], End: true }),
      Caught: task({ End: true }),
    },
  });

  it('fails the Task with States.Timeout, which States.TaskFailed does not match, and a plain-text Cause', async () => {
    const caught: unknown[] = [];
    const handlers = tasks({ Slow: slow, Caught: (p) => (caught.push(p), 'recorded') });
    const error = await failureOf(executeStateMachine(timedOut(['States.TaskFailed']), {}, handlers));
    expect(error.message).toBe(
      "States.Timeout: Slow timed out after 1 s (its TimeoutSeconds, the Lambda's timeout)",
    );
    expect(caught).toEqual([]);

    await expect(executeStateMachine(timedOut(['States.Timeout']), {}, handlers)).resolves.toBe('recorded');
    expect(caught).toEqual([
      {
        error: {
          Error: 'States.Timeout',
          Cause: "Slow timed out after 1 s (its TimeoutSeconds, the Lambda's timeout)",
        },
      },
    ]);
  });

  it("gives the function a context whose remaining time is the Task's", async () => {
    let remaining = 0;
    const definition: Definition = { StartAt: 'T', States: { T: task({ TimeoutSeconds: 7, End: true }) } };
    await executeStateMachine(
      definition,
      {},
      {
        T: {
          functionName: 'fn',
          handler: async (_event, context) => {
            remaining = context.getRemainingTimeInMillis();
            return 'ok';
          },
        },
      },
    );
    expect(remaining).toBeGreaterThan(6_000);
    expect(remaining).toBeLessThanOrEqual(7_000);
  });
});

describe('a Distributed Map Run', () => {
  /** A Distributed Map over `$.items`, each child a Task then a second Task; a failure goes to `Caught`. */
  const map = (concurrency: number): Definition => ({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: concurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'First',
          States: { First: task({ Next: 'Second' }), Second: task({ End: true }) },
        },
        ResultPath: null,
        Catch: [CAUGHT],
        End: true,
      },
      Caught: task({ End: true }),
    },
  });

  it('starts no child after one failed, and stops those still running', async () => {
    const first: unknown[] = [];
    const second: unknown[] = [];
    const handlers = tasks({
      First: async (item) => {
        first.push(item);
        if (item === 'bad') throw new Error('bad item');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return item;
      },
      Second: (item) => second.push(item),
      Caught: () => 'recorded',
    });
    // One at a time: the items after the failed one never start.
    await expect(executeStateMachine(map(1), { items: ['bad', 'b', 'c'] }, handlers)).resolves.toBe(
      'recorded',
    );
    expect(first).toEqual(['bad']);
    // All at once: the slow ones are stopped before their second state.
    first.length = 0;
    await expect(executeStateMachine(map(3), { items: ['a', 'bad', 'c'] }, handlers)).resolves.toBe(
      'recorded',
    );
    expect(first.sort()).toEqual(['a', 'bad', 'c']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second).toEqual([]);
  });
});

describe('how AWS matches the errors of the limits', () => {
  it('matches States.DataLimitExceeded by name only, States.Timeout by all but States.TaskFailed, States.Runtime never', () => {
    const by = (...names: string[]) => [{ ErrorEquals: names }];
    expect(awsMatches('States.DataLimitExceeded', by('States.ALL'))).toBe(false);
    expect(awsMatches('States.DataLimitExceeded', by('States.TaskFailed'))).toBe(false);
    expect(awsMatches('States.DataLimitExceeded', by('States.DataLimitExceeded'))).toBe(true);
    expect(awsMatches('States.Timeout', by('States.TaskFailed'))).toBe(false);
    expect(awsMatches('States.Timeout', by('States.ALL'))).toBe(true);
    expect(awsMatches('States.Runtime', by('States.Runtime'))).toBe(false);
    expect(awsMatches('StorageError', by('States.TaskFailed'))).toBe(true);
    expect(awsMatches('Function.ResponseSizeTooLarge', by('Lambda.AWSLambdaException'))).toBe(false);
  });
});
