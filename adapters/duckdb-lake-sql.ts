import { DuckDBConnection, DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { PipelineError } from '../domain/errors';
import type { LakeTable } from '../domain/lake-tables';
import { LAKE_TABLES } from '../domain/lake-tables';

/**
 * SQL over an output root with DuckDB: one view per table of `domain/lake-tables.ts`, named like
 * its Glue table and reading the same files with the same columns (partition keys last, taken
 * from the paths as Athena does), so a query runs unchanged here and in Athena.
 */

/** Where the output root is and how to reach S3 (from the settings; adapters read none). */
export interface LakeSqlOptions {
  /** The output root: a local folder, `file://…` or `s3://bucket/prefix`. */
  readonly root: string;
  readonly s3?: { readonly endpoint?: string; readonly region: string; readonly forcePathStyle?: boolean };
  /**
   * Where DuckDB keeps its extensions and the repository it downloads them from (default: DuckDB's
   * own, `~/.duckdb/extensions` and extensions.duckdb.org); the tests point both at empty places.
   */
  readonly extensions?: { readonly directory: string; readonly repository: string };
}

/** A query's result: column names, whether each is numeric, and the rows (JSON-safe values). */
export interface SqlResult {
  readonly columns: readonly string[];
  readonly numeric: readonly boolean[];
  readonly rows: readonly (readonly unknown[])[];
}

/** A view as `.tables` lists it: its name, how many files it reads, what it holds. */
export interface ViewSummary {
  readonly name: string;
  readonly files: number;
  readonly description: string;
}

/** A SQL error, with DuckDB's own message. */
export class SqlQueryError extends PipelineError {
  constructor(message: string) {
    super(message, { stage: 'sql' });
  }
}

/** An open session over one output root. */
export interface LakeSql {
  readonly root: string;
  /** The views and how many files each reads. */
  readonly views: readonly ViewSummary[];
  /** Runs one or more statements; the last one's rows are returned. */
  query(sql: string): Promise<SqlResult>;
  close(): void;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * A Hive type string (`bigint`, `array<struct<a:double>>`) in DuckDB's spelling
 * (`BIGINT`, `STRUCT("a" DOUBLE)[]`).
 */
export function duckdbType(hive: string): string {
  let at = 0;
  const peek = (): string => hive.slice(at);
  const expect = (token: string): void => {
    if (!hive.startsWith(token, at)) throw new Error(`bad Hive type ${hive}: expected ${token} at ${at}`);
    at += token.length;
  };
  const name = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(peek());
    if (m === null) throw new Error(`bad Hive type ${hive} at ${at}`);
    at += m[0].length;
    return m[0];
  };
  const PRIMITIVE: Record<string, string> = {
    string: 'VARCHAR',
    bigint: 'BIGINT',
    int: 'INTEGER',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    // Athena reads the UTC-adjusted Parquet timestamps as UTC wall-clock times without a zone.
    timestamp: 'TIMESTAMP',
  };
  const type = (): string => {
    const word = name();
    if (word === 'array') {
      expect('<');
      const element = type();
      expect('>');
      return `${element}[]`;
    }
    if (word === 'struct') {
      expect('<');
      const fields: string[] = [];
      for (;;) {
        const field = name();
        expect(':');
        fields.push(`${quote(field)} ${type()}`);
        if (peek().startsWith('>')) break;
        expect(',');
      }
      expect('>');
      return `STRUCT(${fields.join(', ')})`;
    }
    const primitive = PRIMITIVE[word];
    if (primitive === undefined) throw new Error(`Hive type ${word} has no DuckDB mapping`);
    return primitive;
  };
  const out = type();
  if (at !== hive.length) throw new Error(`bad Hive type ${hive}: trailing ${peek()}`);
  return out;
}

/** The glob of a table's data files under the root: every `${key}` of its template is `*`. */
export function tableGlob(table: LakeTable, root: string): string {
  const folders = table.locationTemplate.replace(/\$\{[a-z_]+\}/g, '*');
  return `${root.replace(/\/+$/, '')}/${folders}*${table.extension}`;
}

// Keys spelled `key=${key}` are Hive partitions DuckDB reads from the path; a bare `${key}`
// segment (quarantine's dataset) is cut out of the file name.
const isHiveKey = (table: LakeTable, key: string): boolean =>
  table.locationTemplate.includes(`${key}=\${${key}}`);

/**
 * The value of a bare `${key}` folder, cut out of the file name by a pattern of the whole template
 * anchored at the end (so a folder of the same name higher up the root does not match).
 */
function pathExpression(table: LakeTable, key: string): string {
  const pattern = table.locationTemplate
    .split(/(\$\{[a-z_]+\})/)
    .map((part) => {
      if (part === `\${${key}}`) return '([^/]+)';
      if (/^\$\{[a-z_]+\}$/.test(part)) return '[^/]+';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return `regexp_extract(filename, ${literal(`/${pattern}[^/]+$`)}, 1)`;
}

/** The `select` list of a view: every column cast to its Glue type, then the partition keys. */
function selectList(table: LakeTable, fromFiles: boolean): string {
  const columns = table.columns.map((c) => {
    const source = fromFiles ? quote(c.name) : 'NULL';
    return `CAST(${source} AS ${duckdbType(c.type)}) AS ${quote(c.name)}`;
  });
  const keys = table.partitionKeys.map((k) => {
    const source = !fromFiles
      ? 'NULL'
      : isHiveKey(table, k.name)
        ? quote(k.name)
        : pathExpression(table, k.name);
    return `CAST(${source} AS VARCHAR) AS ${quote(k.name)}`;
  });
  return [...columns, ...keys].join(',\n  ');
}

/** The table function reading a table's files, with its partition keys as strings (as in Glue). */
function readFiles(table: LakeTable, glob: string): string {
  const hiveKeys = table.partitionKeys.filter((k) => isHiveKey(table, k.name));
  const hiveTypes = `{${hiveKeys.map((k) => `${literal(k.name)}: 'VARCHAR'`).join(', ')}}`;
  const common = `hive_partitioning = true, hive_types = ${hiveTypes}, filename = true, union_by_name = true`;
  if (table.format === 'parquet') return `read_parquet(${literal(glob)}, ${common})`;
  // Explicit columns: fields the table does not name are not read, absent ones are NULL.
  const columns = `{${table.columns.map((c) => `${literal(c.name)}: ${literal(duckdbType(c.type))}`).join(', ')}}`;
  const format = table.format === 'jsonl' ? 'newline_delimited' : 'auto';
  return `read_json(${literal(glob)}, columns = ${columns}, format = ${literal(format)}, ${common})`;
}

/**
 * The view of a table: its files cast to the Glue columns, or, when it has no file yet, an empty
 * view with the same columns (so a query on a table a run has not written returns no rows).
 */
export function viewSql(table: LakeTable, root: string, hasFiles: boolean): string {
  const body = hasFiles
    ? `SELECT\n  ${selectList(table, true)}\nFROM ${readFiles(table, tableGlob(table, root))}`
    : `SELECT\n  ${selectList(table, false)}\nLIMIT 0`;
  return `CREATE OR REPLACE VIEW ${quote(table.name)} AS\n${body}`;
}

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

/** An error's message (DuckDB's own text, e.g. `Catalog Error: Table with name x does not exist!`). */
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Loads httpfs for an S3 root, installing it when absent; says plainly when that is impossible. */
async function enableS3(connection: DuckDBConnection, options: LakeSqlOptions): Promise<void> {
  try {
    await connection.run('LOAD httpfs');
  } catch {
    const from = options.extensions === undefined ? '' : ` FROM ${literal(options.extensions.repository)}`;
    try {
      await connection.run(`INSTALL httpfs${from}`);
      await connection.run('LOAD httpfs');
    } catch (error) {
      throw new PipelineError(
        `an S3 output root (${options.root}) needs DuckDB's httpfs extension, which is not installed and could not ` +
          `be downloaded (offline?): ${messageOf(error).split('\n')[0] ?? ''}. Run once with network access, ` +
          'or copy the output root to a local folder (aws s3 sync) and pass its path.',
        { key: options.root },
      );
    }
  }
  const s3 = options.s3;
  const parts = [`TYPE s3`, `PROVIDER credential_chain`, `REGION ${literal(s3?.region ?? 'us-east-1')}`];
  if (s3?.endpoint !== undefined) {
    const url = new URL(s3.endpoint);
    parts.push(`ENDPOINT ${literal(url.host)}`, `USE_SSL ${url.protocol === 'https:' ? 'true' : 'false'}`);
  }
  if (s3?.forcePathStyle === true) parts.push(`URL_STYLE 'path'`);
  try {
    await connection.run(`CREATE OR REPLACE SECRET lake_s3 (${parts.join(', ')})`);
  } catch {
    // The credential chain needs the aws extension; without it DuckDB reads the AWS_* variables.
    await connection.run(
      `CREATE OR REPLACE SECRET lake_s3 (${parts.filter((p) => !p.startsWith('PROVIDER')).join(', ')})`,
    );
  }
}

/** The root as DuckDB reads it: `file://` becomes a path. */
function duckdbRoot(root: string): string {
  return root.startsWith('file://') ? new URL(root).pathname : root;
}

async function countFiles(connection: DuckDBConnection, glob: string): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM glob(${literal(glob)})`);
  return Number(reader.getRowsJson()[0]?.[0] ?? 0);
}

/** Opens DuckDB in memory over the output root and creates a view per lake table. */
export async function openLakeSql(options: LakeSqlOptions): Promise<LakeSql> {
  const root = duckdbRoot(options.root);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    // Timestamps are shown, and cast, in UTC whatever the machine's zone.
    await connection.run("SET TimeZone = 'UTC'");
    if (options.extensions !== undefined)
      await connection.run(`SET extension_directory = ${literal(options.extensions.directory)}`);
    if (root.startsWith('s3://')) await enableS3(connection, options);
    const views: ViewSummary[] = [];
    for (const table of LAKE_TABLES) {
      const files = await countFiles(connection, tableGlob(table, root));
      await connection.run(viewSql(table, root, files > 0));
      views.push({ name: table.name, files, description: table.description });
    }
    return {
      root: options.root,
      views,
      query: (sql) => runQuery(connection, sql),
      close: () => {
        connection.closeSync();
        instance.closeSync();
      },
    };
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
}

async function runQuery(connection: DuckDBConnection, sql: string): Promise<SqlResult> {
  let reader;
  try {
    reader = await connection.runAndReadAll(sql);
  } catch (error) {
    throw new SqlQueryError(messageOf(error));
  }
  return {
    columns: reader.columnNames(),
    numeric: reader.columnTypes().map((t) => NUMERIC.has(t.typeId)),
    rows: reader.getRowsJson() as unknown[][],
  };
}
