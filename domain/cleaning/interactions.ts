import type { PipelineConfig } from '../config';
import type { CleanInteraction } from '../schemas/clean';
import { interactionTypeOf } from '../schemas/records';
import { blankToNull, compareCodePoints, normalizeKey, normalizeText } from '../text';
import type { Candidate } from '../validation/interactions';
import { isBotTraffic } from './bot-traffic';
import { UNKNOWN } from './snapshots';

/** `device_type` values kept as they are; anything else becomes `other`. */
export const DEVICE_TYPES: ReadonlySet<string> = new Set(['mobile', 'desktop', 'tablet', UNKNOWN]);

function cleanDeviceType(value: string | null | undefined): string {
  const v = blankToNull(value);
  if (v === null) return UNKNOWN;
  const key = normalizeKey(v);
  return DEVICE_TYPES.has(key) ? key : 'other';
}

function cleanRating(value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return value >= 1 && value <= 5 ? value : null;
}

/** Cleaning steps 1-3 of one valid record (text, missing values, UTC timestamp). */
export function cleanInteraction(c: Candidate): CleanInteraction {
  const r = c.record;
  const pageContext = blankToNull(r.page_context);
  return {
    interaction_id: normalizeText(r.interaction_id),
    user_id: normalizeText(r.user_id),
    product_id: normalizeText(r.product_id),
    interaction_type: interactionTypeOf(r),
    session_id: normalizeText(r.session_id),
    timestamp: c.timestampMs,
    rating: cleanRating(r.rating),
    device_type: cleanDeviceType(r.device_type),
    page_context: pageContext === null ? UNKNOWN : normalizeKey(pageContext),
  };
}

/** The cleaned day: kept records sorted by (timestamp, interaction_id), and the removed ones by code. */
export interface CleanedDay {
  readonly interactions: CleanInteraction[];
  readonly inactive: Candidate[];
  readonly bots: Candidate[];
}

/** Sort order of interactions everywhere: (timestamp, interaction_id). */
export function compareInteractions(a: CleanInteraction, b: CleanInteraction): number {
  return a.timestamp - b.timestamp || compareCodePoints(a.interaction_id, b.interaction_id);
}

/**
 * `list` sorted by `compareInteractions`, stably, without a comparator call per pair: integer
 * timestamps within a span that fits are packed with their position into one float, sorted
 * natively, and only runs of equal timestamps are ordered by id. Falls back to `Array#sort`.
 */
function sortInteractions(list: CleanInteraction[]): CleanInteraction[] {
  const n = list.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = (list[i] as CleanInteraction).timestamp;
    if (!Number.isSafeInteger(t)) return list.sort(compareInteractions);
    if (t < min) min = t;
    if (t > max) max = t;
  }
  if (n < 2 || (max - min + 1) * n > Number.MAX_SAFE_INTEGER) return list.sort(compareInteractions);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = ((list[i] as CleanInteraction).timestamp - min) * n + i;
  keys.sort();
  const out = new Array<CleanInteraction>(n);
  for (let i = 0; i < n; i++) out[i] = list[(keys[i] as number) % n] as CleanInteraction;
  for (let start = 0; start < n;) {
    const t = (out[start] as CleanInteraction).timestamp;
    let end = start + 1;
    while (end < n && (out[end] as CleanInteraction).timestamp === t) end++;
    // A run already in position order: a stable sort by id completes the (timestamp, id) order.
    if (end - start > 1) {
      const run = out.slice(start, end).sort(compareInteractions);
      for (let k = 0; k < run.length; k++) out[start + k] = run[k] as CleanInteraction;
    }
    start = end;
  }
  return out;
}

/**
 * Cleaning (data-contract.md §4) of a day's valid records: normalise, then drop interactions on
 * products inactive in the day's snapshot, then drop every record of users that look like bots.
 * `productActive` is keyed by the raw product id (referential checks use raw ids).
 */
export function cleanDay(
  valid: readonly Candidate[],
  productActive: (rawProductId: string) => boolean,
  config: PipelineConfig,
): CleanedDay {
  const inactive: Candidate[] = [];
  const kept: CleanInteraction[] = [];
  const keptSources: Candidate[] = [];
  for (const source of valid) {
    if (!productActive(source.record.product_id)) inactive.push(source);
    else {
      kept.push(cleanInteraction(source));
      keptSources.push(source);
    }
  }
  // Users in order of first appearance, each user's records in input order: a counting sort.
  const groupOf = new Int32Array(kept.length);
  const sizes: number[] = [];
  const groups = new Map<string, number>();
  for (let i = 0; i < kept.length; i++) {
    const user = (kept[i] as CleanInteraction).user_id;
    let g = groups.get(user);
    if (g === undefined) {
      g = sizes.length;
      groups.set(user, g);
      sizes.push(0);
    }
    groupOf[i] = g;
    sizes[g] = (sizes[g] as number) + 1;
  }
  const starts = new Int32Array(sizes.length + 1);
  for (let g = 0; g < sizes.length; g++) starts[g + 1] = (starts[g] as number) + (sizes[g] as number);
  const order = new Int32Array(kept.length);
  const fill = starts.slice(0, sizes.length);
  for (let i = 0; i < kept.length; i++) order[(fill[groupOf[i] as number] as number)++] = i;

  // Fewer records than every rule's limit cannot trip any rule: skip building their signals.
  const rules = config.bot;
  const alwaysHuman = Math.min(
    rules.maxDailyInteractions,
    rules.maxViewsWithoutIntent,
    rules.maxInBurstWindow,
  );
  const bots: Candidate[] = [];
  const interactions: CleanInteraction[] = [];
  for (let g = 0; g < sizes.length; g++) {
    const from = starts[g] as number;
    const to = starts[g + 1] as number;
    let bot = false;
    if (to - from > alwaysHuman) {
      const signals: CleanInteraction[] = [];
      for (let k = from; k < to; k++) signals.push(kept[order[k] as number] as CleanInteraction);
      bot = isBotTraffic(signals, rules);
    }
    for (let k = from; k < to; k++) {
      const i = order[k] as number;
      if (bot) bots.push(keptSources[i] as Candidate);
      else interactions.push(kept[i] as CleanInteraction);
    }
  }
  return { interactions: sortInteractions(interactions), inactive, bots };
}
