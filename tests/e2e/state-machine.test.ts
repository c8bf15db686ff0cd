import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import definition from '../../state-machines/pipeline.asl.json';
import { type LambdaEntry, type LocalTask, executeStateMachine } from '../../adapters/local-state-machine';
import { TASK_HANDLERS } from '../../handlers/lib/pipeline-engine';
import {
  TASK_TIMEOUT_SECONDS,
  functionSuffix,
  pipelineDefinition,
} from '../../state-machines/pipeline-definition';

type State = {
  Type: string;
  Next?: string;
  Catch?: unknown[];
  Retry?: unknown[];
  TimeoutSeconds?: number;
  MaxConcurrencyPath?: string;
  ItemProcessor?: { States: Record<string, State> };
};
const states = definition.States as unknown as Record<string, State>;

/** Every Task state of the definition, nested Map processors included. */
function taskStates(all: Record<string, State>): [string, State][] {
  return Object.entries(all).flatMap(([name, s]) => [
    ...(s.Type === 'Task' ? ([[name, s]] as [string, State][]) : []),
    ...(s.ItemProcessor === undefined ? [] : taskStates(s.ItemProcessor.States)),
  ]);
}

/** Local tasks from plain functions of the payload. */
function tasks(fns: Record<string, (payload: unknown) => Promise<unknown>>): Record<string, LocalTask> {
  return Object.fromEntries(
    Object.entries(fns).map(([state, fn]) => [state, { functionName: state, handler: (event) => fn(event) }]),
  );
}

describe('state-machines/pipeline.asl.json', () => {
  it('is what its source, pipeline-definition.ts, generates (npm run asl)', () => {
    expect(definition).toEqual(JSON.parse(JSON.stringify(pipelineDefinition)));
  });

  it('has exactly the Task states the local engine resolves to handler files of the same name', () => {
    const names = taskStates(states).map(([n]) => n);
    expect(names.sort()).toEqual(Object.keys(TASK_HANDLERS).sort());
    for (const name of names) {
      const file = join(__dirname, '..', '..', 'handlers', `${functionSuffix(name as never)}.ts`);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain(`Task \`${name}\``);
    }
  });

  it('sets every Task TimeoutSeconds to its function timeout, retries and catches every failure', () => {
    for (const [name, s] of taskStates(states)) {
      expect(s.TimeoutSeconds).toBe(TASK_TIMEOUT_SECONDS[name as keyof typeof TASK_TIMEOUT_SECONDS]);
      expect(s.Retry?.length).toBeGreaterThan(0);
    }
    for (const map of ['ValidateCleanDays', 'FoldUserShards', 'AssembleTrainingDays'])
      expect(states[map]?.MaxConcurrencyPath).toBe('$.max_concurrency');
    for (const name of [
      'Plan',
      'ValidateCleanDays',
      'FoldItems',
      'FoldUserShards',
      'AssembleTrainingDays',
      'Publish',
      'Monitor',
      'CommitRun',
    ])
      expect(JSON.stringify(states[name]?.Catch)).toContain('RecordFailure');
    expect(states.RecordFailure?.Next).toBe('Failed');
    expect(states.Failed?.Type).toBe('Fail');
  });

  it('refuses to run a Task state without a local handler (it would invoke the real Lambda)', async () => {
    await expect(executeStateMachine(definition, {}, tasks({ Plan: async () => ({}) }))).rejects.toThrow(
      'Task state FoldItems has no local handler (give one for every Task state)',
    );
  });

  it('runs end to end in-process: days fan out, only pointers flow between states', async () => {
    const seen: string[] = [];
    const payloads: string[] = [];
    const record = (p: unknown) => payloads.push(JSON.stringify(p));
    const run = { run_id: 'r1', input_uri: 'in', output_uri: 'out', plan_key: 'runs/r1/plan.json' };
    const result = await executeStateMachine(
      definition,
      { mode: 'full' },
      tasks({
        Plan: async () => ({
          run,
          days: ['2024-01-01', '2024-01-02', '2024-01-03'],
          shards: [{ shard: 0 }, { shard: 1 }],
          training_days: ['2024-01-01', '2024-01-02', '2024-01-03'],
          max_concurrency: 2,
        }),
        ValidateCleanDay: async (p) => {
          record(p);
          seen.push((p as { date: string }).date);
          return { date: (p as { date: string }).date, inputs: new Array(1000).fill('raw/x.jsonl') };
        },
        FoldItems: async (p) => (record(p), { as_of: '2024-01-04', items: 3 }),
        FoldUsers: async (p) => {
          record(p);
          seen.push(`shard ${(p as { shard: number }).shard}`);
          return { shard: (p as { shard: number }).shard, users: 1, rows: 1 };
        },
        AssembleDays: async (p) => {
          record(p);
          seen.push(`rows ${(p as { date: string }).date}`);
          return { date: (p as { date: string }).date, rows: 1 };
        },
        Publish: async (p) => (record(p), { as_of: (p as { as_of: string }).as_of }),
        Monitor: async (p) => (record(p), { alerts: 0 }),
        CommitRun: async (p) => (record(p), { status: 'SUCCEEDED', got: p }),
        RecordFailure: async () => ({ error: 'not expected' }),
      }),
    );
    expect(seen.sort()).toEqual([
      '2024-01-01',
      '2024-01-02',
      '2024-01-03',
      'rows 2024-01-01',
      'rows 2024-01-02',
      'rows 2024-01-03',
      'shard 0',
      'shard 1',
    ]);
    // Shard items are objects (`{"shard": 0}`), each Task gets the run pointer and its item only.
    expect(payloads).toContain(JSON.stringify({ run, shard: 1 }));
    expect(payloads).toContain(JSON.stringify({ run, date: '2024-01-02' }));
    expect((result as { got: unknown }).got).toEqual({ run });
    // The Map's results (here with a long list each) never reach the states after it.
    for (const p of payloads) expect(p.length).toBeLessThan(1024);
    expect(payloads.filter((p) => p.includes('"as_of":"2024-01-04"'))).toHaveLength(2);
  });

  it('records a failing day through RecordFailure (as a failed Map Run), then fails with the task error itself', async () => {
    let recorded: unknown;
    const failing = new Error('validation failed for 2024-01-02: rejected_share 0.3000 > 0.2');
    await expect(
      executeStateMachine(
        definition,
        { mode: 'full' },
        tasks({
          Plan: async () => ({
            run: { run_id: 'r2' },
            days: ['2024-01-01', '2024-01-02'],
            shards: [{ shard: 0 }],
            training_days: ['2024-01-01', '2024-01-02'],
            max_concurrency: 2,
          }),
          ValidateCleanDay: async (p) => {
            if ((p as { date: string }).date === '2024-01-02') throw failing;
            return {};
          },
          FoldItems: async () => ({}),
          FoldUsers: async () => ({}),
          AssembleDays: async () => ({}),
          Publish: async () => ({}),
          Monitor: async () => ({}),
          CommitRun: async () => ({}),
          RecordFailure: async (p) => {
            recorded = p;
            return { error: 'recorded' };
          },
        }),
      ),
    ).rejects.toBe(failing);
    const state = (recorded as { state: { run: { run_id: string }; error: unknown } }).state;
    expect(state.run.run_id).toBe('r2');
    // As on AWS, a Distributed Map whose child execution fails reports its Map Run's failure, not
    // the child's error (the run's own error, above, is the child's).
    expect(state.error).toEqual({
      Error: 'States.ExceedToleratedFailureThreshold',
      Cause: 'The specified tolerated failure threshold was exceeded',
    });
  });

  it('ends a timed-out Task with one line naming the state, the day and the limit', async () => {
    // The same definition with a 1 s limit on the day Task, which takes longer.
    const fast = JSON.parse(JSON.stringify(definition)) as typeof definition;
    (
      fast.States.ValidateCleanDays.ItemProcessor.States.ValidateCleanDay as { TimeoutSeconds: number }
    ).TimeoutSeconds = 1;
    const slow: LambdaEntry = () => new Promise((resolve) => setTimeout(() => resolve({}), 1500));
    const error = await executeStateMachine(
      fast,
      { mode: 'full' },
      {
        ...tasks({
          Plan: async () => ({
            run: { run_id: 'r3' },
            days: ['2024-03-01'],
            shards: [{ shard: 0 }],
            training_days: ['2024-03-01'],
            max_concurrency: 1,
          }),
          FoldItems: async () => ({}),
          FoldUsers: async () => ({}),
          AssembleDays: async () => ({}),
          Publish: async () => ({}),
          Monitor: async () => ({}),
          CommitRun: async () => ({}),
          RecordFailure: async () => ({ error: 'recorded' }),
        }),
        ValidateCleanDay: { functionName: 'day', handler: slow },
      },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "States.Timeout: ValidateCleanDay for 2024-03-01 timed out after 1 s (its TimeoutSeconds, the Lambda's timeout)",
    );
  });

  it('names the shard when a FoldUsers iteration times out', async () => {
    const fast = JSON.parse(JSON.stringify(definition)) as typeof definition;
    (fast.States.FoldUserShards.ItemProcessor.States.FoldUsers as { TimeoutSeconds: number }).TimeoutSeconds =
      1;
    const slow: LambdaEntry = () => new Promise((resolve) => setTimeout(() => resolve({}), 1500));
    const error = await executeStateMachine(
      fast,
      { mode: 'full' },
      {
        ...tasks({
          Plan: async () => ({
            run: { run_id: 'r4' },
            days: ['2024-03-01'],
            shards: [{ shard: 7 }],
            training_days: [],
            max_concurrency: 1,
          }),
          ValidateCleanDay: async () => ({}),
          FoldItems: async () => ({}),
          AssembleDays: async () => ({}),
          Publish: async () => ({}),
          Monitor: async () => ({}),
          CommitRun: async () => ({}),
          RecordFailure: async () => ({ error: 'recorded' }),
        }),
        FoldUsers: { functionName: 'shard', handler: slow },
      },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "States.Timeout: FoldUsers for shard 7 timed out after 1 s (its TimeoutSeconds, the Lambda's timeout)",
    );
  });
});
