/** The Publish task never stores features dated in the future: they would shadow every later real publish. */
import { MemoryLake } from '../../../adapters/memory-lake';
import { InvalidArgumentError } from '../../../domain/errors';
import type { FeatureStore } from '../../../domain/online/ports';
import { lambdaHandler as publishHandler } from '../../../handlers/pipeline-publish';
import { createWiring, withWiring } from '../../../wiring';
import { memoryDeps, relaxedConfig } from '../../support/memory-pipeline';
import { testSettings } from '../../support/run-pipeline';

describe('Publish refuses an as_of in the future', () => {
  const clock = Date.parse('2024-02-01T02:00:00Z');
  const published: string[] = [];
  const store: FeatureStore = {
    publish: (_records, asOf) => {
      published.push(asOf);
      return Promise.resolve({ written: 0, skipped: 0, users: 0, items: 0 });
    },
    getUser: () => Promise.resolve(null),
    getItems: () => Promise.resolve(new Map()),
    getCounters: () => Promise.reject(new Error('not used')),
    getRequestContext: () => Promise.reject(new Error('not used')),
  };
  const run = {
    run_id: 'r1',
    input_uri: 'memory://input',
    output_uri: 'memory://output',
    plan_key: 'runs/r1/plan.json',
  };

  it.each(['9999-12-31', '2024-02-03'])(
    'as_of %s: a clear error naming as_of, nothing written',
    async (asOf) => {
      const output = new MemoryLake('output');
      const deps = memoryDeps(new MemoryLake('input'), output);
      const w = createWiring({
        settings: testSettings(relaxedConfig(), { inputUri: 'memory://input', outputUri: 'memory://output' }),
        portsFor: () => deps,
        now: () => clock,
        log: () => undefined,
        featureStore: store,
      });
      const error = await withWiring(w, () => publishHandler({ run, as_of: asOf })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe('as_of');
      expect((error as Error).message).toContain(asOf);
      expect(published).toEqual([]);
      expect(await output.list('')).toEqual([]);
    },
  );
});
