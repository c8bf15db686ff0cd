import type { GenerateOptions } from '../../scripts/lib/generate/generate-lake';
import { E2E_LAKE } from './e2e-pipeline';

/** One query of docs/queries.md: its `###` title, its description line and the SQL of its block. */
export interface DocQuery {
  readonly title: string;
  readonly description: string;
  readonly sql: string;
}

/**
 * The queries of a Markdown document: every ```sql block, with the `###` heading above it and the
 * prose between the heading and the block. A block without a heading is an error naming it.
 */
export function extractQueries(markdown: string): DocQuery[] {
  const out: DocQuery[] = [];
  const block = /^### (.+)\n([\s\S]*?)^```sql\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(block)) {
    const [, title = '', prose = '', sql = ''] = m;
    out.push({ title: title.trim(), description: prose.trim(), sql: sql.trim() });
  }
  const blocks = markdown.match(/^```sql$/gm)?.length ?? 0;
  if (blocks !== out.length)
    throw new Error(`${blocks - out.length} sql block(s) have no ### title above them`);
  return out;
}

/** The run id of the sample lake `npm start` builds, which docs/queries.md names. */
export const SQL_SAMPLE_RUN_ID = 'full-20240101-20240130-a098d9fe3732';

/** A small lake of five days: a full run over four, a daily run for the fifth. */
export const SQL_LAKE: GenerateOptions = {
  ...E2E_LAKE,
  days: 5,
  users: 60,
  products: 40,
  eventsPerDay: 250,
  seed: 5,
};
