/**
 * Deliberate leakage for the leakage check's tests: rewrites a run's training-row Parquet so that
 * a user feature column carries the row's own label, as a feature computed after the event would.
 */
import { decodeParquet, encodeParquet } from '../../adapters/parquet';
import { TRAINING_ROW_COLUMNS } from '../../domain/features/columns';
import { outputKeys } from '../../domain/lake-layout';
import type { Lake } from '../../domain/ports';
import type { Column } from '../../domain/table';

/** The column the label is folded into. */
export const LEAKED_COLUMN = 'user_total_purchases';

/** A decoded Parquet value back in the form the encoder takes (INT64 as number, TIMESTAMP as epoch ms). */
function encodable(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  return value ?? null;
}

/**
 * Folds each row's label into `user_total_purchases` of every split of `runId`: the column becomes
 * its value (0 for users without features) plus 1000 for a purchase, so the purchase rows stand
 * out whatever the user's history.
 */
export async function foldLabelIntoUserFeature(output: Lake, runId: string): Promise<number> {
  const parts = (await output.list(outputKeys.datasetPrefix(runId))).filter((o) =>
    o.key.endsWith('.parquet'),
  );
  for (const part of parts) {
    const rows = await decodeParquet(await output.read(part.key));
    const columns: Column[] = TRAINING_ROW_COLUMNS.map((spec) => ({
      name: spec.name,
      type: spec.type,
      nullable: spec.nullable,
      values: rows.map((r) => {
        if (spec.name !== LEAKED_COLUMN) return encodable(r[spec.name]);
        const before = Number(encodable(r[spec.name]) ?? 0);
        return before + (r.interaction_type === 'purchase' ? 1000 : 0);
      }) as Column['values'],
    }));
    await output.write(part.key, encodeParquet({ columns, rowCount: rows.length }));
  }
  return parts.length;
}
