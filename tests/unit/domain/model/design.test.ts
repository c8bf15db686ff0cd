import { TRAINING_ROW_COLUMNS } from '../../../../domain/features/columns';
import {
  type ColumnSet,
  EXCLUDED_COLUMNS,
  LABEL,
  NUMERIC_FEATURES,
  columnsRead,
  designMatrix,
  fitDesign,
  labelsOf,
  numberOf,
} from '../../../../domain/model/design';

describe('the feature list', () => {
  const read = new Set(columnsRead());
  read.delete(LABEL.column);
  read.delete('product_id'); // the popularity baseline's key, not a model input

  it('decides on every training-row column: read by a feature, or excluded with a reason', () => {
    for (const { name } of TRAINING_ROW_COLUMNS) {
      const decided = read.has(name) || EXCLUDED_COLUMNS[name] !== undefined;
      expect({ name, decided }).toEqual({ name, decided: true });
    }
    // And only training-row columns are read.
    const known = new Set(TRAINING_ROW_COLUMNS.map((c) => c.name));
    for (const name of columnsRead()) expect(known.has(name)).toBe(true);
  });

  it('keeps the label and the row’s own event columns out of the model', () => {
    for (const name of ['interaction_type', 'rating', 'page_context', 'device_type'])
      expect({ name, read: read.has(name) }).toEqual({ name, read: false });
    for (const name of read) expect(EXCLUDED_COLUMNS[name]).toBeUndefined();
  });
});

describe('numberOf', () => {
  it('reads the Parquet decoder’s values as numbers', () => {
    expect([numberOf(3), numberOf(BigInt(7)), numberOf(true), numberOf(false)]).toEqual([3, 7, 1, 0]);
    expect([numberOf(null), numberOf(undefined), numberOf(Number.NaN), numberOf('x')]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('fitDesign and designMatrix', () => {
  const value = NUMERIC_FEATURES.find((f) => f.name === 'item_conversion_rate');
  const share = NUMERIC_FEATURES.find((f) => f.name === 'user_total_purchases / user_total_interactions');
  if (value === undefined || share === undefined) throw new Error('features renamed');
  const set = (columns: Record<string, unknown[]>): ColumnSet => ({
    rowCount: Object.values(columns)[0]?.length ?? 0,
    columns,
  });
  const train = set({
    item_conversion_rate: [0.1, null, 0.3, 0.2],
    user_total_purchases: [BigInt(1), BigInt(0), BigInt(2), null],
    user_total_interactions: [BigInt(4), BigInt(5), BigInt(4), null],
    item_category: ['a', 'b', 'a', null],
  });

  it('imputes nulls with the training mean, adds a missing indicator, one-hots levels, standardises on train', () => {
    const design = fitDesign(train, [value, share], [{ column: 'item_category', maxLevels: 1 }]);
    expect(design.columns.map((c) => c.name)).toEqual([
      'item_conversion_rate',
      'item_conversion_rate is null',
      'user_total_purchases / user_total_interactions',
      'user_total_purchases / user_total_interactions is null',
      'item_category = a',
    ]);
    // item_conversion_rate: the null gets the mean 0.2, so the column is [0.1, 0.2, 0.3, 0.2].
    const rate = design.columns[0];
    expect(rate?.mean).toBeCloseTo(0.2, 15);
    expect(rate?.scale).toBeCloseTo(Math.sqrt(0.005), 15);
    const x = designMatrix(design, train);
    expect(x.rows).toBe(4);
    expect(x.columns).toBe(5);
    for (let j = 0; j < 5; j++) {
      let mean = 0;
      let square = 0;
      for (let i = 0; i < 4; i++) {
        mean += (x.values[i * 5 + j] as number) / 4;
        square += (x.values[i * 5 + j] as number) ** 2 / 4;
      }
      expect(mean).toBeCloseTo(0, 12);
      expect(square).toBeCloseTo(1, 12);
    }
  });

  it('encodes another split with the training statistics, not its own', () => {
    const design = fitDesign(train, [value], []);
    const later = set({ item_conversion_rate: [0.5, null] });
    const x = designMatrix(design, later);
    const scale = Math.sqrt(0.005);
    expect(x.values[0]).toBeCloseTo((0.5 - 0.2) / scale, 12);
    expect(x.values[2]).toBeCloseTo((0.2 - 0.2) / scale, 12); // a null gets the training mean
    expect(x.values[3]).toBeCloseTo((1 - 0.25) / Math.sqrt(0.25 * 0.75), 12); // its indicator
  });

  it('drops columns that are constant on train', () => {
    const design = fitDesign(set({ item_conversion_rate: [0.4, 0.4, 0.4] }), [value], []);
    expect(design.columns).toEqual([]);
    expect(designMatrix(design, set({ item_conversion_rate: [1, 2] })).columns).toBe(0);
  });

  it('labels purchases 1 and every other interaction 0', () => {
    expect([...labelsOf(set({ interaction_type: ['purchase', 'view', 'add_to_cart', 'purchase'] }))]).toEqual(
      [1, 0, 0, 1],
    );
  });
});
