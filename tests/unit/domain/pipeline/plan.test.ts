import { MemoryLake } from '../../../../adapters/memory-lake';
import { defaultConfig } from '../../../../domain/config';
import { rawKeys } from '../../../../domain/lake-layout';
import { type TaskContext, plan } from '../../../../domain/pipeline/plan';
import { addDays } from '../../../../domain/time';
import { memoryDeps } from '../../../support/memory-pipeline';

/**
 * A lake with one tiny interaction object per day from `first` for `days` days (and on each of
 * `strayDays`), and a snapshot on day one.
 */
function lakeOf(first: string, days: number, strayDays: readonly string[] = []): MemoryLake {
  const files = new Map<string, string>();
  for (let d = 0; d < days; d++)
    files.set(rawKeys.object('interactions', addDays(first, d), 'part-0.jsonl'), '{}\n');
  for (const day of strayDays) files.set(rawKeys.object('interactions', day, 'part-0.jsonl'), '{}\n');
  files.set(rawKeys.object('products', first, 'snapshot.jsonl'), '{}\n');
  files.set(rawKeys.object('users', first, 'snapshot.jsonl'), '{}\n');
  return new MemoryLake('input', files);
}

const ctx = (windowDays: number): TaskContext => ({
  config: defaultConfig(),
  codeVersion: 'test',
  wallClock: () => Date.parse('2025-01-01T02:00:00Z'),
  defaults: { input_uri: 'memory://input', output_uri: 'memory://output' },
  shardCount: 4,
  mapMaxConcurrency: 2,
  trainingWindowDays: windowDays,
  registryUri: 'memory://output',
  runMaxSeconds: 3600,
  maxRunDays: 730,
});

describe('Plan: the days of a full run without dates', () => {
  it('covers the training window ending at the last day, not the whole history', async () => {
    const ports = memoryDeps(lakeOf('2024-01-01', 200), new MemoryLake('output'));
    const out = await plan(() => ports, { mode: 'full' }, ctx(90));
    expect(out.days).toHaveLength(90);
    expect(out.days[0]).toBe(addDays('2024-01-01', 110));
    expect(out.days[89]).toBe(addDays('2024-01-01', 199));
  });

  it('starts at the lake’s first day when the lake is shorter than the window', async () => {
    const ports = memoryDeps(lakeOf('2024-03-01', 10), new MemoryLake('output'));
    const out = await plan(() => ports, { mode: 'full' }, ctx(90));
    expect(out.days).toEqual(Array.from({ length: 10 }, (_, d) => addDays('2024-03-01', d)));
  });

  it('keeps an explicit start date, however far back', async () => {
    const ports = memoryDeps(lakeOf('2024-01-01', 200), new MemoryLake('output'));
    const out = await plan(() => ports, { mode: 'full', start_date: '2024-01-01' }, ctx(90));
    expect(out.days).toHaveLength(200);
  });
});

describe('Plan: stray partitions never stretch or shift a run', () => {
  /** The 200-day lake plus one stray interaction partition. */
  const withStray = (date: string): MemoryLake => lakeOf('2024-01-01', 200, [date]);

  it('a weekly run over a lake with one 1970 partition covers the training window, not 19,738 days', async () => {
    const ports = memoryDeps(withStray('1970-01-01'), new MemoryLake('output'));
    const out = await plan(() => ports, { mode: 'full', schedule: 'weekly' }, ctx(90));
    expect(out.days).toHaveLength(90);
    expect(out.days[89]).toBe(addDays('2024-01-01', 199));
  });

  it('a partition dated after the reference day is not the default end: the last day on or before it is', async () => {
    const logs: string[] = [];
    const ports = {
      ...memoryDeps(withStray('2099-01-01'), new MemoryLake('output')),
      log: (l: string) => logs.push(l),
    };
    const out = await plan(() => ports, { mode: 'full' }, ctx(90));
    expect(out.days[89]).toBe(addDays('2024-01-01', 199));
    expect(logs.join('\n')).toContain('2099-01-01');
  });

  it('an explicit start date more than MAX_RUN_DAYS before the end is refused, naming start_date', async () => {
    const ports = memoryDeps(lakeOf('2024-01-01', 200), new MemoryLake('output'));
    await expect(
      plan(() => ports, { mode: 'full', start_date: '2024-01-01' }, { ...ctx(90), maxRunDays: 100 }),
    ).rejects.toMatchObject({ field: 'start_date' });
  });
});
