/**
 * Step Functions caps a state's input and output at 256 KiB. The pipeline's Tasks pass pointers
 * only, so the payloads stay far under that whatever the number of raw objects or days: checked
 * here with the deployed handlers on a day made of 10,000 raw objects, and on a 400-day plan.
 */
import { MemoryLake } from '../../adapters/memory-lake';
import { rawKeys } from '../../domain/lake-layout';
import { deriveRunId } from '../../domain/pipeline/run-id';
import { MAX_SHARDS } from '../../domain/pipeline/run-request';
import { addDays, formatTimestamp } from '../../domain/time';
import { lambdaHandler as planHandler } from '../../handlers/pipeline-plan';
import { generateLake } from '../../scripts/lib/generate/generate-lake';
import type { TaskState } from '../../state-machines/pipeline-definition';
import { createWiring, withWiring } from '../../wiring';
import { REFERENCE_TIME_MS, memoryDeps, relaxedConfig } from '../support/memory-pipeline';
import { runPipeline, testSettings } from '../support/run-pipeline';

/** Far under Step Functions' 256 KiB, so a state machine has room around the Tasks' own fields. */
const LIMIT = 64 * 1024;
const UTF8 = new TextDecoder();
const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '');

describe('payloads between states', () => {
  it('stay under 64 KiB when one day is made of 10,000 raw objects', async () => {
    const files = new Map<string, string>();
    generateLake(
      {
        days: 3,
        users: 50,
        products: 30,
        eventsPerDay: 300,
        seed: 4,
        startDate: '2024-01-01',
        clean: true,
        gzip: false,
      },
      (key, body) => files.set(key, typeof body === 'string' ? body : UTF8.decode(body)),
    );
    // Day 2's events become 10,000 one-line objects (cycled: the repeats are rejected as duplicates).
    const day2 = rawKeys.partition('interactions', '2024-01-02');
    const lines: string[] = [];
    for (const [key, text] of [...files])
      if (key.startsWith(day2)) {
        lines.push(...text.split('\n').filter((l) => l !== ''));
        files.delete(key);
      }
    expect(lines.length).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++)
      files.set(
        rawKeys.object('interactions', '2024-01-02', `kinesis-${String(i).padStart(5, '0')}.jsonl`),
        `${lines[i % lines.length]}\n`,
      );

    const seen: { state: TaskState; bytes: number }[] = [];
    const config = relaxedConfig();
    const base = {
      mode: 'full' as const,
      startDate: '2024-01-01',
      endDate: '2024-01-03',
      referenceTimeMs: REFERENCE_TIME_MS,
      config,
    };
    const output = new MemoryLake('output');
    const outcome = await runPipeline(
      memoryDeps(new MemoryLake('input', files), output),
      {
        ...base,
        runId: deriveRunId(base, (t) => t.length.toString(16)),
        codeVersion: 'test',
        shardCount: 16,
      },
      {},
      {
        observe: (state, event, result) =>
          seen.push({ state, bytes: Math.max(bytesOf(event), bytesOf(result)) }),
      },
    );
    expect(outcome.manifest.days.find((d) => d.date === '2024-01-02')?.counts.raw).toBe(10_000);
    expect(outcome.manifest.inputs.length).toBeGreaterThan(10_000);
    expect(seen.map((s) => s.state).sort()).toEqual(
      [
        'CommitRun',
        'FoldItems',
        'Monitor',
        'Plan',
        'Publish',
        ...Array(3).fill('ValidateCleanDay'),
        ...Array(16).fill('FoldUsers'),
        ...Array(3).fill('AssembleDays'),
      ].sort(),
    );
    for (const s of seen) expect([s.state, s.bytes < LIMIT]).toEqual([s.state, true]);
  });

  it('stay under 64 KiB for a 400-day plan with the most user shards a run may have', async () => {
    const files = new Map<string, string>();
    // 400 days ending before the reference time (2024-02-01): a run covers only days that have begun.
    const start = '2022-12-01';
    for (let d = 0; d < 400; d++)
      files.set(rawKeys.object('interactions', addDays(start, d), 'part-0.jsonl'), '{}\n');
    files.set(rawKeys.object('products', start, 'snapshot.jsonl'), '{}\n');
    files.set(rawKeys.object('users', start, 'snapshot.jsonl'), '{}\n');
    const input = new MemoryLake('input', files);
    const deps = memoryDeps(input, new MemoryLake('output'));
    const w = createWiring({
      settings: testSettings(relaxedConfig(), { inputUri: input.uri, outputUri: 'memory://output' }),
      portsFor: () => deps,
      log: () => undefined,
      now: () => REFERENCE_TIME_MS,
    });
    const out = await withWiring(w, () =>
      planHandler({
        request: {
          mode: 'full',
          start_date: start,
          end_date: addDays(start, 399),
          now: formatTimestamp(REFERENCE_TIME_MS),
          shards: MAX_SHARDS,
        },
      }),
    );
    expect(out.days).toHaveLength(400);
    expect(out.training_days).toHaveLength(400);
    expect(out.shards).toHaveLength(MAX_SHARDS);
    expect(bytesOf(out)).toBeLessThan(LIMIT);
    // Each Map iteration's event is the run pointer and one date.
    expect(bytesOf({ run: out.run, date: out.days[0] })).toBeLessThan(1024);
    expect(bytesOf({ run: out.run, shard: MAX_SHARDS - 1 })).toBeLessThan(1024);
  });
});
