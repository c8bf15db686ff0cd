/** Daily runs on a generated lake: one full run, then a daily run per day, equal a full run byte for byte. */
import { shardNumbers } from '../../domain/features/shards';
import { outputKeys } from '../../domain/lake-layout';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../config';
import { addDays } from '../../domain/time';
import { runPipelineRequest } from '../../scripts/lib/pipeline-run';
import { writeLakeDir } from '../support/e2e-pipeline';

const DAYS = 31;
const START = '2024-01-01';
const END = addDays(START, DAYS - 1);
const NOW = '2024-02-01T02:00:00Z';

describe('incremental runs on a generated lake', () => {
  let dir: string;
  const settings = loadSettings({});
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'incremental-'));
    writeLakeDir(join(dir, 'lake'), {
      days: DAYS,
      users: 120,
      products: 80,
      eventsPerDay: 250,
      seed: 23,
      startDate: START,
      clean: false,
      gzip: true,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`a full run over day 1 and ${DAYS - 1} daily runs write the same features and state as a full run over all ${DAYS} days`, async () => {
    const lake = join(dir, 'lake');
    const full = join(dir, 'full');
    const daily = join(dir, 'daily');
    await runPipelineRequest(
      { inputUri: lake, outputUri: full, mode: 'full', startDate: START, endDate: END, now: NOW },
      settings,
      () => undefined,
    );
    await runPipelineRequest(
      { inputUri: lake, outputUri: daily, mode: 'full', startDate: START, endDate: START, now: NOW },
      settings,
      () => undefined,
    );
    for (let d = 1; d < DAYS; d++) {
      const outcome = await runPipelineRequest(
        { inputUri: lake, outputUri: daily, mode: 'incremental', date: addDays(START, d), now: NOW },
        settings,
        () => undefined,
      );
      expect(outcome.manifest).toMatchObject({
        mode: 'incremental',
        start_date: START,
        end_date: addDays(START, d),
        split: null,
      });
    }
    const asOf = addDays(END, 1);
    const shards = shardNumbers(settings.shardCount);
    for (const key of [
      ...shards.map((k) => outputKeys.userFeatures(asOf, k)),
      outputKeys.itemFeatures(asOf),
      ...shards.map((k) => outputKeys.userAffinity(asOf, k)),
      outputKeys.itemState(asOf),
      ...shards.map((k) => outputKeys.userState(asOf, k)),
      outputKeys.stateMeta(asOf),
    ])
      expect({
        key,
        same: Buffer.compare(readFileSync(join(daily, key)), readFileSync(join(full, key))) === 0,
      }).toEqual({ key, same: true });
  });
});
