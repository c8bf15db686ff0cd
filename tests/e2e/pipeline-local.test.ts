/**
 * End to end on the local disk: a generated faulty lake through `runPipelineRequest` (the CLI's
 * core), outputs read back and checked against the spec; then the failure paths.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadSettings } from '../../config';
import type { RunManifest } from '../../domain/pipeline/manifest';
import { runPipelineRequest } from '../../scripts/lib/pipeline-run';
import type { GenerateOptions } from '../../scripts/lib/generate/generate-lake';
import {
  E2E_LAKE,
  E2E_RUN,
  captureLog,
  describePipelineOutputChecks,
  listFiles,
  localReader,
  partition,
  sha256Hex,
  writeLakeDir,
  type FinishedRun,
} from '../support/e2e-pipeline';

const settings = loadSettings({});
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'e2e-local-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pipeline on a local faulty lake (7-day lake, run 2024-01-01..06)', () => {
  let run: FinishedRun;
  let lake: string;
  let out: string;
  const logged = captureLog();

  beforeAll(async () => {
    lake = join(root, 'happy');
    out = join(lake, 'processed');
    writeLakeDir(lake, E2E_LAKE);
    const outcome = await runPipelineRequest(
      { ...E2E_RUN, inputUri: lake, outputUri: out },
      settings,
      logged.log,
    );
    run = { outcome, readOutput: localReader(out), readInput: localReader(lake) };
  });

  describePipelineOutputChecks(() => run);

  it('prints the summary table and where the outputs are', () => {
    const text = logged.lines.join('\n');
    for (const label of [
      'raw',
      'valid',
      'rejected malformed_json',
      'removed bot_traffic',
      'clean',
      'train rows',
    ]) {
      expect(text).toMatch(new RegExp(`^\\s*${label}\\s+\\d+$`, 'm'));
    }
    expect(text).toContain(join(out, 'features/users/as_of=2024-01-07/part-00000.parquet'));
    expect(text).toContain(join(out, run.outcome.manifestKey));
  });

  it('writes nothing among the raw inputs and leaves no staging behind', () => {
    expect(listFiles(lake).filter((k) => !k.startsWith('raw/') && !k.startsWith('processed/'))).toEqual([]);
    expect(listFiles(out).filter((k) => k.startsWith('staging/'))).toEqual([]);
  });

  it('re-running the same run rewrites byte-identical outputs (manifest and stage records aside: they hold timings)', async () => {
    const before = new Map(listFiles(out).map((k) => [k, sha256Hex(readFileSync(join(out, k)))]));
    await runPipelineRequest({ ...E2E_RUN, inputUri: lake, outputUri: out }, settings, () => undefined);
    const after = new Map(listFiles(out).map((k) => [k, sha256Hex(readFileSync(join(out, k)))]));
    expect([...after.keys()]).toEqual([...before.keys()]);
    const timings = (k: string): boolean =>
      k === run.outcome.manifestKey || k.startsWith(`runs/${run.outcome.manifest.run_id}/stages/`);
    const changed = [...after].filter(([k, h]) => before.get(k) !== h).map(([k]) => k);
    expect(changed.filter((k) => !timings(k))).toEqual([]);
    expect(changed).toContain(run.outcome.manifestKey);
  });
});

/** A small faulty lake for the failure paths. */
const SMALL: GenerateOptions = { ...E2E_LAKE, days: 3, users: 60, products: 40, eventsPerDay: 200, seed: 5 };
const SMALL_RUN = {
  mode: 'full',
  startDate: '2024-01-01',
  endDate: '2024-01-03',
  now: '2024-02-01T02:00:00Z',
} as const;

function manifestsUnder(out: string): RunManifest[] {
  return listFiles(join(out, 'runs'))
    .filter((k) => k.endsWith('/manifest.json'))
    .map((k) => JSON.parse(readFileSync(join(out, 'runs', k), 'utf8')) as RunManifest);
}

describe('pipeline failure paths', () => {
  it('a day with > 20% malformed lines fails the run naming the day and rejected_share; nothing is published', async () => {
    const lake = join(root, 'malformed');
    const out = join(lake, 'processed');
    const summary = writeLakeDir(lake, SMALL);
    const events = summary.days[1]?.events ?? 0;
    const extra = Math.ceil(events * 0.3);
    const target = join(lake, 'raw/interactions', partition('2024-01-02'), 'part-0000.jsonl');
    appendFileSync(
      target,
      Array.from({ length: extra }, (_, i) => `{"interaction_id": "broken_${i}",\n`).join(''),
    );

    const error = await runPipelineRequest(
      { ...SMALL_RUN, inputUri: lake, outputUri: out },
      settings,
      () => undefined,
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain('2024-01-02');
    expect(error?.message).toContain('rejected_share');
    expect(error?.message.split('\n')).toHaveLength(1);

    const files = listFiles(out);
    expect(files.filter((k) => k.startsWith('features/') || k.startsWith('datasets/'))).toEqual([]);
    const report = JSON.parse(
      readFileSync(join(out, 'validation_reports', partition('2024-01-02'), 'report.json'), 'utf8'),
    ) as {
      status: string;
      counts: { raw: number; rejected: Record<string, number> };
      thresholds: { name: string; ok: boolean; observed: number }[];
    };
    expect(report.status).toBe('failed');
    expect(report.counts.rejected.malformed_json).toBeGreaterThanOrEqual(extra);
    const share = report.thresholds.find((t) => t.name === 'rejected_share');
    expect(share).toMatchObject({ ok: false });
    expect(share?.observed).toBeGreaterThan(0.2);
    // The quarantine of the failed day is still written, and holds the malformed lines.
    const quarantine = readFileSync(
      join(out, 'quarantine/interactions', partition('2024-01-02'), 'part-00000.jsonl'),
      'utf8',
    );
    expect(
      quarantine.split('\n').filter((l) => l.includes('"malformed_json"')).length,
    ).toBeGreaterThanOrEqual(extra);

    const manifests = manifestsUnder(out);
    expect(manifests).toHaveLength(1);
    expect(manifests[0]).toMatchObject({ status: 'FAILED', outputs: [], split: null });
    expect(manifests[0]?.error).toContain('2024-01-02');
  });

  it('a corrupt .jsonl.gz object fails the run with a message naming the object key', async () => {
    const lake = join(root, 'corrupt');
    const out = join(lake, 'processed');
    writeLakeDir(lake, SMALL);
    const key = `raw/interactions/${partition('2024-01-02')}/part-0001.jsonl.gz`;
    const file = join(lake, key);
    expect(existsSync(file)).toBe(true);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, Math.floor(statSync(file).size / 2)));

    const error = await runPipelineRequest(
      { ...SMALL_RUN, inputUri: lake, outputUri: out },
      settings,
      () => undefined,
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain(key);
    expect(error?.message.split('\n')).toHaveLength(1);
    expect(listFiles(out).filter((k) => k.startsWith('features/') || k.startsWith('datasets/'))).toEqual([]);
    expect(manifestsUnder(out).map((m) => m.status)).toEqual(['FAILED']);
  });

  it('a day before the first snapshots fails naming the missing datasets; its report says why', async () => {
    const lake = join(root, 'early');
    const out = join(lake, 'processed');
    writeLakeDir(lake, SMALL);
    const error = await runPipelineRequest(
      { ...SMALL_RUN, startDate: '2023-12-31', endDate: '2024-01-02', inputUri: lake, outputUri: out },
      settings,
      () => undefined,
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/2023-12-31/);
    expect(error?.message).toMatch(/product snapshot/);
    expect(error?.message).toMatch(/user snapshot/);
    const report = JSON.parse(
      readFileSync(join(out, 'validation_reports', partition('2023-12-31'), 'report.json'), 'utf8'),
    ) as { status: string; errors: string[] };
    expect(report.status).toBe('failed');
    expect(report.errors.join(' ')).toMatch(/no product snapshot on or before 2023-12-31/);
    expect(listFiles(out).filter((k) => k.startsWith('features/') || k.startsWith('datasets/'))).toEqual([]);
    expect(manifestsUnder(out).map((m) => m.status)).toEqual(['FAILED']);
  });

  it('a missing lake (empty directory) fails naming what is missing', async () => {
    const lake = join(root, 'empty');
    const out = join(lake, 'processed');
    mkdirSync(lake, { recursive: true });

    const withDates = await runPipelineRequest(
      { ...SMALL_RUN, inputUri: lake, outputUri: out },
      settings,
      () => undefined,
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(withDates?.message).toMatch(/missing input/);
    expect(withDates?.message).toMatch(/snapshot/);
    expect(withDates?.message).toContain(join(lake, 'raw/'));

    const withoutDates = await runPipelineRequest(
      { mode: 'full', now: SMALL_RUN.now, inputUri: lake, outputUri: out },
      settings,
      () => undefined,
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(withoutDates?.message).toMatch(/missing input: no raw interactions/);
    expect(withoutDates?.message).toContain(join(lake, 'raw/interactions'));
    expect(listFiles(out).filter((k) => k.startsWith('features/'))).toEqual([]);
  });
});
