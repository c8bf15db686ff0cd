import type { PipelineConfig } from '../config';

/** What the bot rules need of one interaction. */
export interface BotSignal {
  readonly timestamp: number;
  readonly interaction_type: string;
}

/**
 * Whether a user's interactions of one day look like a bot (data-contract.md §4.5): too many in
 * the day, too many inside one window `[t, t + window)`, or many views without any intent.
 */
export function isBotTraffic(events: readonly BotSignal[], rules: PipelineConfig['bot']): boolean {
  if (events.length > rules.maxDailyInteractions) return true;
  let views = 0;
  let intents = 0;
  for (const e of events) {
    if (e.interaction_type === 'view') views++;
    else intents++;
  }
  if (views > rules.maxViewsWithoutIntent && intents === 0) return true;
  return hasBurst(
    events.map((e) => e.timestamp),
    rules.burstWindowMs,
    rules.maxInBurstWindow,
  );
}

/** True when more than `limit` timestamps fall inside some window `[t, t + windowMs)` starting at an event. */
export function hasBurst(timestamps: number[], windowMs: number, limit: number): boolean {
  if (timestamps.length <= limit) return false;
  const sorted = Float64Array.from(timestamps).sort();
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    const limitTime = (sorted[start] as number) + windowMs;
    while (end < sorted.length && (sorted[end] as number) < limitTime) end++;
    if (end - start > limit) return true;
  }
  return false;
}
