import { MemoryLake } from '../../../../adapters/memory-lake';
import { decodeParquet, decodeParquetColumns } from '../../../../adapters/parquet';
import { outputKeys } from '../../../../domain/lake-layout';
import { evaluateBaseline, trainBaseline } from '../../../../domain/model/train-baseline';

const deps = (output: MemoryLake) => ({
  output,
  decodeColumns: decodeParquetColumns,
  decodeTable: decodeParquet,
});
const withManifest = (manifest: object) =>
  new MemoryLake('out', [
    [outputKeys.manifest('r1'), JSON.stringify({ run_id: 'r1', outputs: [], ...manifest })],
  ]);

describe('trainBaseline refuses what it cannot train on, saying why', () => {
  it('a run without a manifest', async () => {
    await expect(trainBaseline(deps(new MemoryLake('out')), 'r1')).rejects.toThrow(
      'no manifest for run r1 at memory://out/runs/r1/manifest.json: the run does not exist under this output root, or has not finished',
    );
  });

  it('a failed run', async () => {
    await expect(trainBaseline(deps(withManifest({ status: 'FAILED', split: null })), 'r1')).rejects.toThrow(
      'run r1 did not succeed (status FAILED): it has no dataset to train on',
    );
  });

  it('an incremental run, which writes no split', async () => {
    const lake = withManifest({ status: 'SUCCEEDED', mode: 'incremental', split: null });
    await expect(trainBaseline(deps(lake), 'r1')).rejects.toThrow(
      'run r1 (mode incremental) wrote no training split: only full runs do',
    );
  });
});

describe('evaluateBaseline', () => {
  const split = (types: string[]) => ({
    rowCount: types.length,
    columns: { interaction_type: types, product_id: types.map((_, i) => `p${i % 2}`) },
  });

  it('needs purchases and other interactions in train, and rows in every split', () => {
    const run = { run_id: 'r1', as_of: null };
    expect(() =>
      evaluateBaseline(run, {
        train: split(['view', 'view']),
        validation: split(['view']),
        test: split(['purchase']),
      }),
    ).toThrow('run r1: the training split has 0 purchases among 2 rows; a purchase model needs both classes');
    expect(() =>
      evaluateBaseline(run, {
        train: split(['view', 'purchase']),
        validation: split([]),
        test: split(['view']),
      }),
    ).toThrow('the validation split has no rows');
  });
});
