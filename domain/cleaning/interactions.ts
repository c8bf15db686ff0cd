import type { PipelineConfig } from '../config';
import type { CleanInteraction } from '../schemas/clean';
import { interactionTypeOf } from '../schemas/records';
import { blankToNull, compareCodePoints, normalizeKey, normalizeText } from '../text';
import type { Candidate } from '../validation/interactions';
import { isBotTraffic } from './bot-traffic';
import { UNKNOWN } from './snapshots';

/** `device_type` values kept as they are; anything else becomes `other`. */
export const DEVICE_TYPES: ReadonlySet<string> = new Set(['mobile', 'desktop', 'tablet', UNKNOWN]);

/** A valid record after the text, missing-value and timestamp steps, still tied to its raw line. */
export interface CleanedCandidate {
  readonly clean: CleanInteraction;
  readonly source: Candidate;
}

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
  const kept: CleanedCandidate[] = [];
  for (const source of valid) {
    if (!productActive(source.record.product_id)) inactive.push(source);
    else kept.push({ clean: cleanInteraction(source), source });
  }
  const byUser = new Map<string, CleanedCandidate[]>();
  for (const k of kept) {
    const list = byUser.get(k.clean.user_id);
    if (list === undefined) byUser.set(k.clean.user_id, [k]);
    else list.push(k);
  }
  const bots: Candidate[] = [];
  const interactions: CleanInteraction[] = [];
  for (const records of byUser.values()) {
    const signals = records.map((r) => r.clean);
    if (isBotTraffic(signals, config.bot)) for (const r of records) bots.push(r.source);
    else for (const r of records) interactions.push(r.clean);
  }
  interactions.sort(compareInteractions);
  return { interactions, inactive, bots };
}
