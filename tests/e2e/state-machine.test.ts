import definition from '../../state-machines/pipeline.asl.json';
import { executeStateMachine } from '../../adapters/local-state-machine';
import { TASK_STATES } from '../../handlers/lib/local-pipeline';

type State = {
  Type: string;
  Next?: string;
  Catch?: unknown[];
  Retry?: unknown[];
  MaxConcurrency?: number;
  ItemProcessor?: { States: Record<string, State> };
};
const states = definition.States as unknown as Record<string, State>;

/** Every Task state of the definition, nested Map processors included. */
function taskStates(all: Record<string, State>): string[] {
  return Object.entries(all).flatMap(([name, s]) => [
    ...(s.Type === 'Task' ? [name] : []),
    ...(s.ItemProcessor === undefined ? [] : taskStates(s.ItemProcessor.States)),
  ]);
}

describe('state-machines/pipeline.asl.json', () => {
  it('has exactly the Task states the local engine resolves to handlers', () => {
    expect(taskStates(states).sort()).toEqual(Object.keys(TASK_STATES).sort());
  });

  it('fans days out with MaxConcurrency 5 and catches every failure into RecordFailure then Fail', () => {
    expect(states.ProcessDays?.MaxConcurrency).toBe(5);
    for (const name of ['Plan', 'ProcessDays', 'BuildFeatures', 'Publish', 'Monitor'])
      expect(JSON.stringify(states[name]?.Catch)).toContain('RecordFailure');
    expect(states.RecordFailure?.Next).toBe('Failed');
    expect(states.Failed?.Type).toBe('Fail');
    for (const name of ['Plan', 'BuildFeatures', 'Publish', 'Monitor'])
      expect(states[name]?.Retry?.length).toBeGreaterThan(0);
  });

  it('runs end to end in-process: days fan out, results flow to Monitor', async () => {
    const seen: string[] = [];
    const result = await executeStateMachine(
      definition,
      { mode: 'full' },
      {
        Plan: async () => ({ run: { run_id: 'r1' }, days: ['2024-01-01', '2024-01-02', '2024-01-03'] }),
        ValidateCleanDay: async (p) => {
          seen.push((p as { date: string }).date);
          return { date: (p as { date: string }).date, clean: 1 };
        },
        BuildFeatures: async (p) => ({ asOf: '2024-01-04', days: (p as { days: unknown[] }).days.length }),
        Publish: async (p) => ({ as_of: (p as { build: { asOf: string } }).build.asOf }),
        Monitor: async (p) => ({ status: 'SUCCEEDED', got: p }),
        RecordFailure: async () => ({ error: 'not expected' }),
      },
    );
    expect(seen.sort()).toEqual(['2024-01-01', '2024-01-02', '2024-01-03']);
    const got = (result as { got: { days: unknown[]; build: { days: number }; publish: { as_of: string } } })
      .got;
    expect(got.days).toHaveLength(3);
    expect(got.build.days).toBe(3);
    expect(got.publish.as_of).toBe('2024-01-04');
  });

  it('records a failing day through RecordFailure, then fails with the task error itself', async () => {
    let recorded: unknown;
    const failing = new Error('validation failed for 2024-01-02: rejected_share 0.3000 > 0.2');
    await expect(
      executeStateMachine(
        definition,
        { mode: 'full' },
        {
          Plan: async () => ({ run: { run_id: 'r2' }, days: ['2024-01-01', '2024-01-02'] }),
          ValidateCleanDay: async (p) => {
            if ((p as { date: string }).date === '2024-01-02') throw failing;
            return {};
          },
          BuildFeatures: async () => ({}),
          Publish: async () => ({}),
          Monitor: async () => ({}),
          RecordFailure: async (p) => {
            recorded = p;
            return { error: 'recorded' };
          },
        },
      ),
    ).rejects.toBe(failing);
    const state = (recorded as { state: { run: { run_id: string }; error: { Cause: string } } }).state;
    expect(state.run.run_id).toBe('r2');
    expect(state.error.Cause).toContain('rejected_share');
  });
});
