/**
 * `npm run sql -- [--input-path LAKE] [--output-path ROOT] [--format table|json|csv] ["select …"]`
 * SQL over the output root with DuckDB, through views named like the Glue tables Athena queries
 * (docs/queries.md). Without a query: an interactive prompt. `--help` lists the flags.
 */
import { createInterface } from 'node:readline';
import type { LakeSql } from '../adapters/duckdb-lake-sql';
import { SqlQueryError } from '../adapters/duckdb-lake-sql';
import { loadSettings } from '../config';
import { type CliSpec, EXIT, type FlagSpec, UsageError, parseCommand, runCli } from './lib/cli';
import { PIPELINE_CLI, lakePathsFromFlags } from './lib/run-options';
import { SQL_FORMATS, type SqlFormat } from './lib/sql-format';
import { answer, openSqlSession, tablesListing } from './lib/sql-session';

const SQL_CLI = {
  command: 'npm run sql --',
  arguments: [
    {
      name: 'query',
      description: 'the SQL to run (in quotes); without it, an interactive prompt',
      optional: true,
    },
  ],
  summary:
    'Runs SQL over the output root with DuckDB. The views are named like the Glue tables (user_features,\n' +
    'item_features, training_rows, validation_reports, quarantine, alerts) and have their columns, partition\n' +
    'keys included, so the same query runs in Athena. Without a query: an interactive prompt (statements end\n' +
    'with ;, .tables lists the views, .quit leaves). Exits 1 on a SQL error or a missing lake, 2 on a bad flag.',
  flags: {
    'input-path': PIPELINE_CLI.flags['input-path'],
    'output-path': PIPELINE_CLI.flags['output-path'],
    format: {
      type: 'string',
      placeholder: SQL_FORMATS.join('|'),
      description: 'output format',
      default: 'table',
    },
  },
  examples: [
    'npm run sql -- "select split, count(*) as n from training_rows group by split"',
    'npm run sql -- --output-path ./lake/processed --format csv "select * from item_features limit 5"',
    'npm run sql',
  ],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

function formatOf(text: string | undefined): SqlFormat {
  const format = text ?? 'table';
  if (!(SQL_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${SQL_FORMATS.join(', ')}, got "${format}"`);
  return format as SqlFormat;
}

const HELP = [
  'Statements end with ; and may span lines. Commands:',
  '  .tables   the views, the files each reads, what each holds',
  '  .help     this text',
  '  .quit     leave (also .exit or Ctrl-D)',
].join('\n');

/** The prompt: reads lines until a `;` ends a statement, runs it, prints the result or the error. */
async function interactive(session: LakeSql, format: SqlFormat): Promise<number> {
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
  const prompt = (continued: boolean): void => {
    if (!tty) return;
    rl.setPrompt(continued ? '   ...> ' : 'sql> ');
    rl.prompt();
  };
  if (tty) console.log(`DuckDB over ${session.root}. ${HELP}`);
  let buffer = '';
  let failed = false;
  // Ctrl-C drops a statement being typed, as psql and duckdb do; on an empty prompt it leaves.
  rl.on('SIGINT', () => {
    if (buffer === '') return rl.close();
    buffer = '';
    process.stdout.write('\n');
    prompt(false);
  });
  prompt(false);
  for await (const line of rl) {
    const trimmed = line.trim();
    if (buffer === '' && trimmed.startsWith('.')) {
      if (trimmed === '.quit' || trimmed === '.exit') break;
      if (trimmed === '.tables') console.log(tablesListing(session));
      else if (trimmed === '.help') console.log(HELP);
      else console.error(`error: unknown command ${trimmed} (.help lists them)`);
    } else if (trimmed !== '' || buffer !== '') {
      buffer += `${line}\n`;
      if (trimmed.endsWith(';')) {
        const sql = buffer;
        buffer = '';
        try {
          console.log(await answer(session, sql, format));
        } catch (error) {
          if (!(error instanceof SqlQueryError)) throw error;
          console.error(`error: ${error.message}`);
          failed = true;
        }
      }
    }
    prompt(buffer !== '');
  }
  rl.close();
  // Piped input (a script of statements) reports a failed statement in the exit code.
  return failed && !tty ? EXIT.failed : EXIT.ok;
}

runCli(async () => {
  const { values: flags, args } = parseCommand(SQL_CLI, process.argv.slice(2));
  const format = formatOf(flags.format);
  const settings = loadSettings();
  const session = await openSqlSession(lakePathsFromFlags(flags, settings), settings);
  try {
    const [query] = args;
    if (query === undefined) return await interactive(session, format);
    if (query.trim() === '') throw new UsageError('the query is empty');
    console.log(await answer(session, query, format));
    return EXIT.ok;
  } finally {
    session.close();
  }
});
