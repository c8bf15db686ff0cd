import { existsSync } from 'node:fs';
import { localLakeDir } from '../../adapters/local-lake';
import { type LakeSql, openLakeSql } from '../../adapters/duckdb-lake-sql';
import type { Settings } from '../../config';
import { PipelineError } from '../../domain/errors';
import { lakeKind } from '../../domain/lake-uri';
import { type SqlFormat, formatResult } from './sql-format';

/**
 * What `npm run sql` does, minus the terminal: open DuckDB over an output root (a clear error when
 * there is none) and answer a query as text. The tests of docs/queries.md go through here.
 */

/** A local root as a path (`file://` URIs and relative paths resolved), S3 roots unchanged. */
function rootPath(uri: string): string {
  if (lakeKind(uri) === 's3') return uri;
  return localLakeDir(uri);
}

/**
 * Opens the SQL session over `paths.output`. A local output root that does not exist is an error
 * naming it, and the lake when that is missing too.
 */
export async function openSqlSession(
  paths: { readonly input: string; readonly output: string },
  settings: Settings,
): Promise<LakeSql> {
  const root = rootPath(paths.output);
  if (lakeKind(root) === 'local' && !existsSync(root)) {
    const input = rootPath(paths.input);
    const lakeMissing = lakeKind(input) === 'local' && !existsSync(input);
    throw new PipelineError(
      lakeMissing
        ? `no lake at ${input} (and no output root at ${root}): pass --input-path, or run \`npm run generate\` and \`npm run pipeline\` first`
        : `no output root at ${root}: run \`npm run pipeline\` first, or pass --output-path`,
      { key: root },
    );
  }
  return openLakeSql({ root, s3: settings.s3 });
}

/** Runs `sql` in the session and formats its result. */
export async function answer(session: LakeSql, sql: string, format: SqlFormat): Promise<string> {
  return formatResult(await session.query(sql), format);
}

/** The `.tables` listing: each view, the files it reads and what it holds. */
export function tablesListing(session: LakeSql): string {
  return formatResult(
    {
      columns: ['table', 'files', 'holds'],
      numeric: [false, true, false],
      rows: session.views.map((v) => [v.name, v.files, v.description]),
    },
    'table',
  );
}
