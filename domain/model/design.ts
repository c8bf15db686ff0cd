/**
 * The baseline model's features and their design matrix: which training-row columns go in (and
 * which are kept out, with the reason), how each becomes numbers, and the standardisation, whose
 * statistics come from the training split only so that nothing of validation or test shapes it.
 */
import type { Matrix } from './logistic-regression';

/** Decoded columns of one split: each column's values as the Parquet reader gives them. */
export interface ColumnSet {
  readonly rowCount: number;
  readonly columns: Readonly<Record<string, ArrayLike<unknown>>>;
}

/** A numeric feature: one number per row, or null (imputed, with a missing indicator). */
export interface NumericFeature {
  readonly name: string;
  /** The training-row columns it reads. */
  readonly reads: readonly string[];
  readonly value: (set: ColumnSet, row: number) => number | null;
}

/** A small categorical column, one-hot encoded over its most frequent training levels. */
export interface CategoricalFeature {
  readonly column: string;
  readonly maxLevels: number;
}

/** A number from a decoded Parquet value: INT64 arrives as bigint, BOOLEAN as boolean. */
export function numberOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

const cell = (set: ColumnSet, column: string, row: number): number | null =>
  numberOf(set.columns[column]?.[row]);

/** Counts, durations and prices are heavy-tailed: log1p keeps a few large users from setting the scale. */
const log1pOf = (column: string): NumericFeature => ({
  name: `log1p(${column})`,
  reads: [column],
  value: (set, row) => {
    const v = cell(set, column, row);
    return v === null ? null : Math.log1p(Math.max(0, v));
  },
});

const plain = (column: string): NumericFeature => ({
  name: column,
  reads: [column],
  value: (set, row) => cell(set, column, row),
});

/** Hour of day and weekday are cyclic: 23 h is next to 0 h, which one number cannot say. */
const cyclic = (column: string, period: number, part: 'sin' | 'cos'): NumericFeature => ({
  name: `${part}(${column})`,
  reads: [column],
  value: (set, row) => {
    const v = cell(set, column, row);
    if (v === null) return null;
    const angle = (2 * Math.PI * v) / period;
    return part === 'sin' ? Math.sin(angle) : Math.cos(angle);
  },
});

/**
 * The numeric features. Every one is known when the online route serves a candidate (user and item
 * features as of the day, and the interaction features `POST /features/online` computes), so the
 * model could be served as trained.
 */
export const NUMERIC_FEATURES: readonly NumericFeature[] = [
  plain('user_item_affinity'),
  plain('category_match'),
  plain('price_match'),
  cyclic('time_of_day', 24, 'sin'),
  cyclic('time_of_day', 24, 'cos'),
  cyclic('day_of_week', 7, 'sin'),
  cyclic('day_of_week', 7, 'cos'),
  log1pOf('session_position'),
  {
    // A session's first event cannot be a purchase (a purchase follows a cart of the same session).
    name: 'session_position = 1',
    reads: ['session_position'],
    value: (set, row) => {
      const v = cell(set, 'session_position', row);
      return v === null ? null : v === 1 ? 1 : 0;
    },
  },
  log1pOf('user_total_interactions'),
  log1pOf('user_total_purchases'),
  {
    // A linear model cannot divide: the user's purchase share is given as a feature of its own.
    name: 'user_total_purchases / user_total_interactions',
    reads: ['user_total_purchases', 'user_total_interactions'],
    value: (set, row) => {
      const p = cell(set, 'user_total_purchases', row);
      const n = cell(set, 'user_total_interactions', row);
      return p === null || n === null || n === 0 ? null : p / n;
    },
  },
  log1pOf('user_avg_session_duration'),
  log1pOf('user_avg_price_point'),
  log1pOf('user_recency_days'),
  log1pOf('user_frequency_score'),
  log1pOf('user_monetary_value'),
  plain('user_diversity_score'),
  log1pOf('user_tenure_days'),
  log1pOf('item_popularity_score'),
  plain('item_conversion_rate'),
  plain('item_avg_rating'),
  plain('item_price_percentile'),
  plain('item_recency_score'),
  plain('item_category_popularity'),
  log1pOf('item_trending_score'),
  log1pOf('item_price'),
];

/** Levels kept per categorical column: the generator's have 3 to 10, real ones are cut to the common. */
const MAX_LEVELS = 12;

/** The small categorical columns, one-hot encoded. */
export const CATEGORICAL_FEATURES: readonly CategoricalFeature[] = [
  { column: 'user_age_group', maxLevels: MAX_LEVELS },
  { column: 'user_gender', maxLevels: MAX_LEVELS },
  { column: 'user_location', maxLevels: MAX_LEVELS },
  { column: 'user_customer_segment', maxLevels: MAX_LEVELS },
  { column: 'item_category', maxLevels: MAX_LEVELS },
];

/** The label column and its positive value. */
export const LABEL = { column: 'interaction_type', positive: 'purchase' } as const;

/**
 * The training-row columns kept out of the model, each with its reason. A test checks that every
 * column of `TRAINING_ROW_COLUMNS` is either read by a feature or listed here.
 */
export const EXCLUDED_COLUMNS: Readonly<Record<string, string>> = {
  interaction_type: 'the label',
  rating:
    "the row's own event: ratings come with purchases (15% of them in the generator, 0.5% of other events), so it leaks the label",
  page_context: "the row's own event: purchases happen on the cart page, so it leaks the label",
  device_type: "the row's own event, and POST /features/online does not serve it",
  timestamp: 'absolute time does not carry over to later days (the split is temporal); hour and weekday do',
  interaction_id: 'an identifier',
  user_id: 'an identifier (memorising users does not generalise)',
  product_id: 'an identifier (the popularity baseline uses it)',
  session_id: 'an identifier',
  user_favorite_category: 'enters through category_match; one-hot over every category adds little',
  item_subcategory: 'too many levels for a one-hot baseline',
  item_brand: 'too many levels for a one-hot baseline',
};

/** Every training-row column the model reads (the label and the popularity baseline's key included). */
export function columnsRead(): string[] {
  const names = new Set<string>([LABEL.column, 'product_id']);
  for (const f of NUMERIC_FEATURES) for (const c of f.reads) names.add(c);
  for (const f of CATEGORICAL_FEATURES) names.add(f.column);
  return [...names];
}

/** The 0/1 purchase label of every row. */
export function labelsOf(set: ColumnSet): Uint8Array {
  const values = set.columns[LABEL.column];
  if (values === undefined) throw new RangeError(`no ${LABEL.column} column`);
  const out = new Uint8Array(set.rowCount);
  for (let i = 0; i < set.rowCount; i++) out[i] = values[i] === LABEL.positive ? 1 : 0;
  return out;
}

/** One column of the design matrix, with the training statistics that standardise it. */
export interface DesignColumn {
  readonly name: string;
  readonly mean: number;
  readonly scale: number;
}

/** How one numeric feature enters the design: its imputed value, and a missing indicator if needed. */
interface NumericEncoding {
  readonly feature: NumericFeature;
  /** The training mean of its non-null values, given to null rows. */
  readonly fill: number;
  readonly indicator: boolean;
}

/** The fitted encoding of every feature and the standardisation of every design column. */
export interface Design {
  readonly numeric: readonly NumericEncoding[];
  readonly categorical: readonly { readonly column: string; readonly levels: readonly string[] }[];
  /** Design columns in matrix order; columns constant on the training split are dropped. */
  readonly columns: readonly DesignColumn[];
  /** For each kept column, its index among all candidate columns. */
  readonly keep: Int32Array;
}

/** Each numeric feature's raw values over a split, NaN for null. */
function rawValues(feature: NumericFeature, set: ColumnSet): Float64Array {
  const out = new Float64Array(set.rowCount);
  for (let i = 0; i < set.rowCount; i++) out[i] = feature.value(set, i) ?? Number.NaN;
  return out;
}

/** The most frequent levels of a string column (ties: code-point order), at most `max`. */
function topLevels(values: ArrayLike<unknown> | undefined, rowCount: number, max: number): string[] {
  if (values === undefined) return [];
  const counts = new Map<string, number>();
  for (let i = 0; i < rowCount; i++) {
    const v = values[i];
    if (typeof v === 'string') counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, max)
    .map(([level]) => level);
}

/** The unstandardised candidate columns of a split under the encodings, and their names. */
function candidateColumns(
  numeric: readonly NumericEncoding[],
  categorical: Design['categorical'],
  set: ColumnSet,
): { names: string[]; values: Float64Array[] } {
  const names: string[] = [];
  const values: Float64Array[] = [];
  for (const e of numeric) {
    const raw = rawValues(e.feature, set);
    const filled = new Float64Array(set.rowCount);
    const missing = new Float64Array(set.rowCount);
    for (let i = 0; i < set.rowCount; i++) {
      const v = raw[i] as number;
      const isNull = Number.isNaN(v);
      filled[i] = isNull ? e.fill : v;
      missing[i] = isNull ? 1 : 0;
    }
    names.push(e.feature.name);
    values.push(filled);
    if (e.indicator) {
      names.push(`${e.feature.name} is null`);
      values.push(missing);
    }
  }
  for (const c of categorical) {
    const column = set.columns[c.column];
    for (const level of c.levels) {
      const indicator = new Float64Array(set.rowCount);
      if (column !== undefined)
        for (let i = 0; i < set.rowCount; i++) indicator[i] = column[i] === level ? 1 : 0;
      names.push(`${c.column} = ${level}`);
      values.push(indicator);
    }
  }
  return { names, values };
}

/** Fits the encodings and the standardisation on the training split. */
export function fitDesign(
  train: ColumnSet,
  numericFeatures: readonly NumericFeature[] = NUMERIC_FEATURES,
  categoricalFeatures: readonly CategoricalFeature[] = CATEGORICAL_FEATURES,
): Design {
  const numeric: NumericEncoding[] = numericFeatures.map((feature) => {
    const raw = rawValues(feature, train);
    let sum = 0;
    let count = 0;
    for (const v of raw)
      if (!Number.isNaN(v)) {
        sum += v;
        count++;
      }
    return { feature, fill: count === 0 ? 0 : sum / count, indicator: count < raw.length };
  });
  const categorical = categoricalFeatures.map((c) => ({
    column: c.column,
    levels: topLevels(train.columns[c.column], train.rowCount, c.maxLevels),
  }));
  const { names, values } = candidateColumns(numeric, categorical, train);
  const columns: DesignColumn[] = [];
  const keep: number[] = [];
  values.forEach((column, index) => {
    let mean = 0;
    for (const v of column) mean += v;
    mean /= Math.max(1, column.length);
    let variance = 0;
    for (const v of column) variance += (v - mean) ** 2;
    const scale = Math.sqrt(variance / Math.max(1, column.length));
    // A column constant on train carries nothing the intercept does not.
    if (scale > 1e-12) {
      columns.push({ name: names[index] as string, mean, scale });
      keep.push(index);
    }
  });
  return { numeric, categorical, columns, keep: Int32Array.from(keep) };
}

/** The standardised design matrix of a split (any split: the statistics are the training ones). */
export function designMatrix(design: Design, set: ColumnSet): Matrix {
  const { values } = candidateColumns(design.numeric, design.categorical, set);
  const d = design.columns.length;
  const out = new Float64Array(set.rowCount * d);
  for (let j = 0; j < d; j++) {
    const column = values[design.keep[j] as number] as Float64Array;
    const { mean, scale } = design.columns[j] as DesignColumn;
    for (let i = 0; i < set.rowCount; i++) out[i * d + j] = ((column[i] as number) - mean) / scale;
  }
  return { rows: set.rowCount, columns: d, values: out };
}
