/**
 * `npm run schemas`: regenerates `data/schemas/v{N}.json` from the zod schemas.
 * `npm run schemas -- --check` exits 1 when the committed file has drifted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordJsonSchemas } from '../domain/schemas/json-schema';
import { SCHEMA_VERSION } from '../domain/schemas/records';
import { type CliSpec, EXIT, type FlagSpec, parseCli, runCli } from './lib/cli';

/** Path of the committed JSON Schema of the current version. */
export const SCHEMA_FILE = join(__dirname, '..', 'data', 'schemas', `v${SCHEMA_VERSION}.json`);

/** The file's expected text. */
export function schemaFileText(): string {
  return JSON.stringify(recordJsonSchemas(), null, 2) + '\n';
}

const SPEC = {
  command: 'npm run schemas --',
  summary: `Regenerates data/schemas/v${SCHEMA_VERSION}.json from the zod schemas.`,
  flags: {
    check: { type: 'boolean', description: 'Write nothing; exit 1 when the committed file has drifted' },
  },
  examples: ['npm run schemas', 'npm run schemas -- --check'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

if (require.main === module)
  runCli(async () => {
    const flags = parseCli(SPEC, process.argv.slice(2));
    if (flags.check) {
      const same = readFileSync(SCHEMA_FILE, 'utf8') === schemaFileText();
      console.log(
        same
          ? `${SCHEMA_FILE} is up to date`
          : `${SCHEMA_FILE} differs from the zod schemas: run npm run schemas`,
      );
      return same ? EXIT.ok : EXIT.failed;
    }
    writeFileSync(SCHEMA_FILE, schemaFileText());
    console.log(`wrote ${SCHEMA_FILE}`);
    return EXIT.ok;
  });
