import { ITEM_FILE_COLUMNS, TRAINING_ROW_COLUMNS, USER_FILE_COLUMNS } from './features/columns';
import type { ColumnSpec } from './features/columns';
import { RAW_PREFIX } from './lake-layout';
import { SPLITS } from './split';
import type { ColumnType } from './table';
import { REJECTION_CODES, REMOVAL_CODES, WARNING_CODES } from './validation/codes';

/**
 * The SQL tables over an output root: the one description both the Glue Data Catalog
 * (`resources/glue.yml`, compared with it by the template test) and the DuckDB views of
 * `npm run sql` follow, so a query written against one runs against the other. Types are Hive's
 * (Glue's) type strings; partition keys come last, as Athena shows them.
 */

/** How a partition key's values are enumerated by Athena's partition projection (no crawler). */
export type Projection =
  | { readonly type: 'date'; readonly format: 'yyyy-MM-dd'; readonly range: string }
  | { readonly type: 'integer'; readonly range: string; readonly digits: number }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  /** Athena takes the value from the query's `WHERE key = '…'`, which every query must give. */
  | { readonly type: 'injected' };

/** A column: its name and Hive type (`string`, `bigint`, `struct<a:double>`, `array<string>`, …). */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
}

/** A partition key: a `string` column whose value is in the key, enumerated by its projection. */
export interface PartitionKey {
  readonly name: string;
  readonly projection: Projection;
}

/** The files of a table: Parquet, JSON lines, or one (pretty-printed) JSON document per file. */
export type TableFormat = 'parquet' | 'jsonl' | 'json';

/** One table over the output root. */
export interface LakeTable {
  readonly name: string;
  readonly description: string;
  readonly format: TableFormat;
  /** Where the table's files sit, relative to the output root (Glue's `Location`). */
  readonly prefix: string;
  /**
   * A partition's folder relative to the output root, with `${key}` per partition key (Glue's
   * `storage.location.template`); it spells the keys of `lake-layout.ts` (the template test
   * checks them against `outputKeys`).
   */
  readonly locationTemplate: string;
  /** How the table's data files end (other files in its folders, such as pages, are not rows). */
  readonly extension: string;
  readonly columns: readonly TableColumn[];
  readonly partitionKeys: readonly PartitionKey[];
}

const HIVE_TYPES: Record<ColumnType, string> = {
  STRING: 'string',
  DOUBLE: 'double',
  INT64: 'bigint',
  INT32: 'int',
  BOOLEAN: 'boolean',
  TIMESTAMP: 'timestamp',
};

/** The Hive columns of an output file's column specs. */
export function hiveColumns(specs: readonly ColumnSpec[]): TableColumn[] {
  return specs.map((s) => ({ name: s.name, type: HIVE_TYPES[s.type] }));
}

/** `struct<a:bigint,b:bigint>` of a list of names sharing one type. */
const structOf = (names: readonly string[], type: string): string =>
  `struct<${names.map((n) => `${n}:${type}`).join(',')}>`;

// Features are dated by T; the projection covers every day from the oldest lake on to today.
const AS_OF: PartitionKey = {
  name: 'as_of',
  projection: { type: 'date', format: 'yyyy-MM-dd', range: '2020-01-01,NOW' },
};

// The `year=YYYY/month=MM/day=DD` folders of the daily outputs (data-contract.md §1).
const DAY_KEYS: readonly PartitionKey[] = [
  { name: 'year', projection: { type: 'integer', range: '2020,2040', digits: 4 } },
  { name: 'month', projection: { type: 'integer', range: '1,12', digits: 2 } },
  { name: 'day', projection: { type: 'integer', range: '1,31', digits: 2 } },
];
const DAY_TEMPLATE = 'year=${year}/month=${month}/day=${day}/';

const SNAPSHOT_REJECTIONS = ['malformed_json', 'schema_violation', 'duplicate'] as const;

/** The columns of a validation report a query uses (the report's `inputs` and field maps are left out). */
const REPORT_COLUMNS: readonly TableColumn[] = [
  { name: 'schema_version', type: 'int' },
  { name: 'date', type: 'string' },
  { name: 'status', type: 'string' },
  {
    name: 'counts',
    type:
      'struct<raw:bigint,valid:bigint,clean:bigint,' +
      `rejected:${structOf(REJECTION_CODES, 'bigint')},removed:${structOf(REMOVAL_CODES, 'bigint')}>`,
  },
  { name: 'warnings', type: structOf(WARNING_CODES, 'bigint') },
  { name: 'null_share', type: structOf(['rating', 'device_type', 'page_context'], 'double') },
  { name: 'thresholds', type: 'array<struct<name:string,limit:double,observed:double,ok:boolean>>' },
  { name: 'run_id', type: 'string' },
  { name: 'reference_time', type: 'string' },
  {
    name: 'snapshots',
    type: `struct<${['products', 'users']
      .map(
        (s) =>
          `${s}:struct<date:string,stale:boolean,raw:bigint,valid:bigint,rejected:${structOf(SNAPSHOT_REJECTIONS, 'bigint')}>`,
      )
      .join(',')}>`,
  },
  { name: 'errors', type: 'array<string>' },
];

/** Every table over the output root, in the order `.tables` lists them. */
export const LAKE_TABLES: readonly LakeTable[] = [
  {
    name: 'user_features',
    description: 'User features as of T (features.md §3), one file per user shard',
    format: 'parquet',
    prefix: 'features/users/',
    locationTemplate: 'features/users/as_of=${as_of}/',
    extension: '.parquet',
    columns: hiveColumns(USER_FILE_COLUMNS),
    partitionKeys: [AS_OF],
  },
  {
    name: 'item_features',
    description: 'Item features as of T (features.md §4)',
    format: 'parquet',
    prefix: 'features/items/',
    locationTemplate: 'features/items/as_of=${as_of}/',
    extension: '.parquet',
    columns: hiveColumns(ITEM_FILE_COLUMNS),
    partitionKeys: [AS_OF],
  },
  {
    name: 'training_rows',
    description: 'Training rows and the temporal split (features.md §6); query with a run_id filter',
    format: 'parquet',
    prefix: 'datasets/',
    locationTemplate: 'datasets/run_id=${run_id}/split=${split}/',
    extension: '.parquet',
    columns: hiveColumns(TRAINING_ROW_COLUMNS),
    partitionKeys: [
      { name: 'run_id', projection: { type: 'injected' } },
      { name: 'split', projection: { type: 'enum', values: SPLITS } },
    ],
  },
  {
    name: 'validation_reports',
    description:
      "Each day's validation report (data-contract.md §5): counts per reason, null shares, thresholds",
    format: 'json',
    prefix: 'validation_reports/',
    locationTemplate: `validation_reports/${DAY_TEMPLATE}`,
    extension: '.json',
    columns: REPORT_COLUMNS,
    partitionKeys: DAY_KEYS,
  },
  {
    name: 'quarantine',
    description: 'Every rejected raw line with its reason, field, source object and line number',
    format: 'jsonl',
    prefix: 'quarantine/',
    locationTemplate: `quarantine/\${dataset}/${DAY_TEMPLATE}`,
    extension: '.jsonl',
    columns: [
      { name: 'run_id', type: 'string' },
      { name: 'reason', type: 'string' },
      { name: 'field', type: 'string' },
      { name: 'source_key', type: 'string' },
      { name: 'line_number', type: 'bigint' },
      { name: 'raw_line', type: 'string' },
    ],
    partitionKeys: [
      { name: 'dataset', projection: { type: 'enum', values: Object.keys(RAW_PREFIX) } },
      ...DAY_KEYS,
    ],
  },
  {
    name: 'alerts',
    description:
      'Data-quality alerts, one per day and check (volume, freshness, completeness, drift, validation)',
    format: 'json',
    prefix: 'alerts/',
    locationTemplate: 'alerts/date=${date}/',
    extension: '.json',
    columns: [
      { name: 'check', type: 'string' },
      { name: 'raised_at', type: 'string' },
      { name: 'severity', type: 'string' },
      { name: 'message', type: 'string' },
      { name: 'observed', type: 'double' },
      { name: 'threshold', type: 'double' },
      { name: 'run_id', type: 'string' },
      {
        name: 'findings',
        type: 'array<struct<dataset:string,field:string,observed:double,threshold:double>>',
      },
    ],
    partitionKeys: [
      { name: 'date', projection: { type: 'date', format: 'yyyy-MM-dd', range: '2020-01-01,NOW' } },
    ],
  },
];

/** The Glue table parameters of a table's partition projection (`projection.<key>.*`). */
export function projectionParameters(table: LakeTable, lakeRoot: string): Record<string, string> {
  const params: Record<string, string> = { 'projection.enabled': 'true' };
  for (const { name, projection: p } of table.partitionKeys) {
    const at = `projection.${name}`;
    params[`${at}.type`] = p.type;
    if (p.type === 'date') {
      params[`${at}.format`] = p.format;
      params[`${at}.range`] = p.range;
      params[`${at}.interval`] = '1';
      params[`${at}.interval.unit`] = 'DAYS';
    } else if (p.type === 'integer') {
      params[`${at}.range`] = p.range;
      params[`${at}.digits`] = String(p.digits);
    } else if (p.type === 'enum') {
      params[`${at}.values`] = p.values.join(',');
    }
  }
  params['storage.location.template'] = `${lakeRoot}${table.locationTemplate}`;
  return params;
}

/** The folder of one partition: the template with each key's value put in. */
export function partitionLocation(table: LakeTable, values: Readonly<Record<string, string>>): string {
  return table.locationTemplate.replace(/\$\{([a-z_]+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${table.name}: no value for partition key ${key}`);
    return value;
  });
}
