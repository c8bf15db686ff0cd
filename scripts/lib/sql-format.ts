import type { SqlResult } from '../../adapters/duckdb-lake-sql';
import { formatTable } from './cli';

/** How `npm run sql` prints a result. */
export const SQL_FORMATS = ['table', 'json', 'csv'] as const;
export type SqlFormat = (typeof SQL_FORMATS)[number];

/** A value as one table or CSV cell: nested values as JSON, NULL spelled out in tables. */
function cell(value: unknown, nullText: string): string {
  if (value === null || value === undefined) return nullText;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The aligned table: numbers right-aligned, a rule under the header, the row count last. */
function asTable(result: SqlResult): string {
  const body = result.rows.map((row) =>
    row.map((value, i) => {
      const text = cell(value, 'NULL');
      // DuckDB gives BIGINTs as strings (JSON-safe); numeric columns still align right.
      return result.numeric[i] === true && value !== null ? Number(text) : text;
    }),
  );
  const widths = result.columns.map((name, i) =>
    Math.max(name.length, ...body.map((r) => String(r[i] ?? '').length)),
  );
  const rule = widths.map((w) => '-'.repeat(w));
  const count = `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`;
  return `${formatTable([result.columns, rule, ...body])}\n${count}`;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV with a header line; NULL is an empty field. */
function asCsv(result: SqlResult): string {
  const lines = [result.columns, ...result.rows.map((r) => r.map((v) => cell(v, '')))];
  return lines.map((l) => l.map(csvField).join(',')).join('\n');
}

/** An array of objects, one per row, keyed by column name. */
function asJson(result: SqlResult): string {
  const objects = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
  return JSON.stringify(objects, null, 2);
}

/** A result in the given format, without a trailing newline. */
export function formatResult(result: SqlResult, format: SqlFormat): string {
  if (format === 'json') return asJson(result);
  if (format === 'csv') return asCsv(result);
  return asTable(result);
}
