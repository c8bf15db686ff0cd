/**
 * `npm run sync -- --products-db postgres://… --users-db postgres://… --date D [--output-path …]`:
 * the snapshot sync (api.md `syncSnapshots`) from the command line: day D's product and user
 * snapshots from their databases into the lake's `raw/products|users/…/part-00000.jsonl.gz`.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_GZIP_LEVEL, syncSnapshots } from '../adapters/postgres-snapshots';
import { loadSettings } from '../config';
import { SnapshotMapping } from '../domain/snapshots/snapshot-query';
import { parseDate } from '../domain/time';
import { createWiring } from '../wiring';
import { type CliSpec, type FlagSpec, UsageError, parseCli, positiveInt, runCli } from './lib/cli';

export const SYNC_CLI = {
  command: 'npm run sync --',
  summary:
    "Writes day D's product and user snapshots from the catalog and user databases (PostgreSQL) into the\n" +
    'lake, each read in one read-only REPEATABLE READ transaction and streamed, gzipped, into\n' +
    'raw/<products|users>/year=/month=/day=/part-00000.jsonl.gz (atomically; a re-run rewrites it).\n' +
    'Exits 1 naming the table, column or host when a database cannot be read, 2 on a bad flag.',
  flags: {
    'products-db': {
      type: 'string',
      placeholder: 'postgres://…',
      description: 'the catalog database (required)',
    },
    'users-db': { type: 'string', placeholder: 'postgres://…', description: 'the user database (required)' },
    date: {
      type: 'string',
      placeholder: 'YYYY-MM-DD',
      description: 'the day D the snapshots are dated (required)',
    },
    'output-path': {
      type: 'string',
      placeholder: 'uri',
      description: 'the lake to write under: a path, file:// or s3://bucket/prefix',
      default: '$LAKE_URI or ./lake',
    },
    mapping: {
      type: 'string',
      placeholder: 'file.json',
      description:
        'tables/columns or custom SELECTs, e.g. {"products":{"table":"shop.items","columns":{"name":"title"}}}',
      default: '$SNAPSHOT_MAPPING or tables products and users',
    },
    'gzip-level': {
      type: 'string',
      placeholder: '1-9',
      description: 'gzip level',
      default: `$SYNC_GZIP_LEVEL or ${DEFAULT_GZIP_LEVEL}`,
    },
  },
  examples: [
    'npm run sync -- --products-db postgres://app@catalog-db/catalog --users-db postgres://app@user-db/users --date 2024-01-30',
    'npm run sync -- --products-db "$CATALOG_URL" --users-db "$USERS_URL" --date 2024-01-30 --output-path s3://bucket/lake',
  ],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

/** A required `postgres://` URL flag. */
function databaseUrl(flag: string, value: string | undefined): string {
  if (value === undefined)
    throw new UsageError(`--${flag} is required (postgres://user:password@host:port/database)`);
  if (!/^postgres(ql)?:\/\//.test(value))
    throw new UsageError(`--${flag} must be a postgres:// URL, got "${value.replace(/:[^:@/]*@/, ':***@')}"`);
  return value;
}

/** The --mapping file, parsed with the mapping's schema. */
function mappingFile(file: string): SnapshotMapping {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--mapping ${file}: ${(error as Error).message}`);
  }
  const parsed = SnapshotMapping.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--mapping ${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

if (require.main === module)
  runCli(async () => {
    const flags = parseCli(SYNC_CLI, process.argv.slice(2));
    const products = databaseUrl('products-db', flags['products-db']);
    const users = databaseUrl('users-db', flags['users-db']);
    if (flags.date === undefined || parseDate(flags.date) === null)
      throw new UsageError(`--date must be a real calendar date YYYY-MM-DD, got "${flags.date ?? ''}"`);
    const settings = loadSettings();
    const gzipLevel = positiveInt('gzip-level', flags['gzip-level'], settings.sync.gzipLevel);
    if (gzipLevel > 9) throw new UsageError(`--gzip-level must be 1 to 9, got "${flags['gzip-level']}"`);
    const w = createWiring({ settings, log: (line) => console.error(line) });
    const lake = w.lake(flags['output-path'] ?? settings.lakeUri);
    console.error(`syncing the snapshots of ${flags.date} into ${lake.uri}`);
    await syncSnapshots(lake, {
      date: flags.date,
      databases: { products, users },
      mapping: flags.mapping === undefined ? settings.sync.mapping : mappingFile(flags.mapping),
      gzipLevel,
      retry: settings.sync.retry,
      log: w.log,
    });
  });
