/**
 * The baseline model on a generated lake (the generator's library, the pipeline in memory): the
 * model beats item popularity and the constant on test AUC, nothing is flagged on the clean split,
 * and a split whose user feature carries the row's label is flagged by the leakage check.
 */
import { MemoryLake } from '../../adapters/memory-lake';
import { decodeParquet, decodeParquetColumns } from '../../adapters/parquet';
import { outputKeys } from '../../domain/lake-layout';
import { readJson } from '../../domain/lake-json';
import type { BaselineReport } from '../../domain/model/baseline-report';
import { trainBaseline } from '../../domain/model/train-baseline';
import { generateLake } from '../../scripts/lib/generate/generate-lake';
import { E2E_LAKE } from '../support/e2e-pipeline';
import { LEAKED_COLUMN, foldLabelIntoUserFeature } from '../support/leak-label';
import { type MemoryRun, runInMemory } from '../support/memory-pipeline';

/** Small but with enough purchases in test (about a hundred) for AUC differences to mean something. */
const LAKE = { ...E2E_LAKE, days: 8, eventsPerDay: 1200, seed: 23 };

let run: MemoryRun;
const deps = (output: MemoryLake) => ({
  output,
  decodeColumns: decodeParquetColumns,
  decodeTable: decodeParquet,
});

beforeAll(async () => {
  const files = new Map<string, Uint8Array | string>();
  generateLake(LAKE, (key, body) => void files.set(key, body));
  run = await runInMemory(files, { startDate: '2024-01-01', endDate: '2024-01-08' });
}, 120_000);

/** A copy of the run's output lake, so one test's rewrite does not reach another. */
async function outputCopy(): Promise<MemoryLake> {
  const objects = await run.output.list('');
  return new MemoryLake(
    'copy',
    await Promise.all(objects.map(async (o) => [o.key, await run.output.read(o.key)] as const)),
  );
}

describe('trainBaseline on a generated lake', () => {
  let report: BaselineReport;
  let output: MemoryLake;

  beforeAll(async () => {
    output = await outputCopy();
    ({ report } = await trainBaseline(deps(output), run.params.runId));
  }, 120_000);

  it('beats item popularity and the constant on test AUC and log loss', () => {
    const { model, baselines } = report;
    expect(report.positives.test).toBeGreaterThan(50);
    expect(model.test.auc).toBeGreaterThan((baselines.item_popularity.test.auc as number) + 0.05);
    expect(model.test.auc).toBeGreaterThan((baselines.constant.test.auc as number) + 0.05);
    expect(baselines.constant.test.auc).toBe(0.5);
    expect(model.test.log_loss).toBeLessThan(baselines.constant.test.log_loss);
    expect(model.test.log_loss).toBeLessThan(baselines.item_popularity.test.log_loss);
  });

  it('picks λ as the grid entry with the lowest validation log loss', () => {
    const best = Math.min(...report.model.grid.map((g) => g.validation_log_loss));
    expect(report.model.grid.find((g) => g.l2 === report.model.l2)?.validation_log_loss).toBe(best);
    expect(report.model.validation.log_loss).toBe(best);
  });

  it('flags nothing on the clean split and writes the report atomically to runs/<id>/baseline.json', async () => {
    expect(report.leakage).toMatchObject({ suspected: false, reasons: [] });
    expect(await readJson(output, outputKeys.baseline(run.params.runId))).toEqual(
      JSON.parse(JSON.stringify(report)),
    );
  });

  it('is deterministic: a second training writes the same bytes', async () => {
    const key = outputKeys.baseline(run.params.runId);
    const first = await output.read(key);
    await trainBaseline(deps(output), run.params.runId);
    expect(Buffer.from(await output.read(key)).equals(Buffer.from(first))).toBe(true);
  }, 120_000);
});

describe('the leakage check', () => {
  it('flags a model trained on a user feature that carries the row’s own label', async () => {
    const output = await outputCopy();
    expect(await foldLabelIntoUserFeature(output, run.params.runId)).toBeGreaterThan(0);
    const { report } = await trainBaseline(deps(output), run.params.runId);
    expect(report.leakage.suspected).toBe(true);
    expect(report.model.test.auc).toBeGreaterThan(0.98);
    expect(report.leakage.reasons.some((r) => r.startsWith('test AUC') && r.includes('near perfect'))).toBe(
      true,
    );
    expect(report.leakage.reasons.some((r) => r.includes(`"log1p(${LEAKED_COLUMN})"`))).toBe(true);
    const stored = await readJson<BaselineReport>(output, outputKeys.baseline(run.params.runId));
    expect(stored.leakage).toMatchObject({ suspected: true, reasons: report.leakage.reasons });
  }, 120_000);
});
