/**
 * The window of event times a stream record is trusted with (data-contract.md §1): an event whose
 * `timestamp` is more than 7 days before its arrival or more than 5 minutes after it was stamped by
 * a bad clock (a device set to 1970, a replay with a made-up date), so ingestion files it under its
 * arrival day, where validation rejects it, and the real-time counters ignore it. Without the
 * bound one event dated 2099 would freeze its user's counters on that day, and one dated 1970
 * would stretch a run over 19,000 partitions.
 */
import { DAY_MS } from '../time';

/**
 * How late an event may arrive and still be filed under its own day. A week covers clients that
 * buffer events offline (mobile apps queue them for days) and the stream's own retention (48 h), and
 * is what the weekly full run re-reads; anything older is a replay or a broken clock.
 */
export const MAX_EVENT_AGE_MS = 7 * DAY_MS;

/**
 * How far ahead of its arrival an event may be stamped: client clock skew. The same 5 minutes as
 * validation's default `future_timestamp` tolerance, so a record ingestion trusts is not then
 * rejected as from the future.
 */
export const MAX_EVENT_LEAD_MS = 5 * 60_000;

/** True when an event stamped `eventMs` that arrived at `arrivalMs` lies inside the trusted window (bounds included). */
export function isWithinArrivalWindow(eventMs: number, arrivalMs: number): boolean {
  return eventMs >= arrivalMs - MAX_EVENT_AGE_MS && eventMs <= arrivalMs + MAX_EVENT_LEAD_MS;
}
