import { z } from 'zod';
import { readJsonOrNull } from '../lake-json';
import { OUTPUT_PREFIX, alertDateOf } from '../lake-layout';
import type { Lake } from '../ports';
import { formatDate, parseTimestamp } from '../time';

/** What an alert object must hold to be listed: when it was raised (monitoring owns the rest). */
const StoredAlert = z.looseObject({
  raised_at: z
    .string()
    .refine((s) => parseTimestamp(s) !== null, { message: 'must be an ISO-8601 timestamp' }),
});
type StoredAlert = z.infer<typeof StoredAlert>;

/** The alerts listed, newest first, and how many there are. */
export interface AlertList {
  readonly alerts: readonly StoredAlert[];
  readonly count: number;
}

/**
 * The stored alerts raised at or after `sinceMs`, newest first (ties by key), at most `limit`.
 * An alert is stored under the day it is about, and raised on that day or later, so objects
 * under days before `since` are never read. Objects that are not alerts are skipped.
 */
export async function listAlerts(
  output: Lake,
  query: { readonly sinceMs: number | null; readonly limit: number },
): Promise<AlertList> {
  const sinceDay = query.sinceMs === null ? null : formatDate(query.sinceMs);
  const keys = (await output.list(OUTPUT_PREFIX.alerts))
    .map((o) => o.key)
    .filter((key) => {
      const day = alertDateOf(key);
      return day !== null && (sinceDay === null || day >= sinceDay);
    });
  const found: { ms: number; key: string; alert: StoredAlert }[] = [];
  for (const key of keys) {
    let value: unknown;
    try {
      value = await readJsonOrNull(output, key);
    } catch {
      continue; // Not JSON: not an alert.
    }
    const parsed = StoredAlert.safeParse(value);
    if (!parsed.success) continue;
    const ms = (parseTimestamp(parsed.data.raised_at) as { ms: number }).ms;
    if (query.sinceMs === null || ms >= query.sinceMs) found.push({ ms, key, alert: parsed.data });
  }
  found.sort((a, b) => b.ms - a.ms || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const alerts = found.slice(0, query.limit).map((a) => a.alert);
  return { alerts, count: alerts.length };
}
