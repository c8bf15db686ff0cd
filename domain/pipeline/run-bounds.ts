/**
 * The bounds of a run's dates (api.md, `POST /runs`): a run covers only days that have begun, at
 * most `maxRunDays` of them, and its features are never dated after the reference time plus a day.
 * `POST /runs`, the CLIs and the Plan task all hold a request to these same rules.
 */
import { InvalidArgumentError } from '../errors';
import { DAY_MS, dateMs, formatDate, formatTimestamp, parseTimestamp } from '../time';
import type { RunRequest } from './run-request';

/** What a request is measured against. */
export interface RunBounds {
  /** The wall clock (epoch ms): a request's reference time (`now`) is never after it. */
  readonly wallClockMs: number;
  /** The most days S..E one run may cover, both included (`MAX_RUN_DAYS`). */
  readonly maxRunDays: number;
}

/** The request fields a bound can fault. */
export type BoundedField = 'now' | 'start_date' | 'end_date' | 'date';

/** One broken bound: the field, and what is wrong with it. */
export interface RunBoundProblem {
  readonly field: BoundedField;
  readonly message: string;
}

/**
 * The reference time a request runs at: its `now`, else the wall clock. A `now` after the wall
 * clock is refused (`runBoundProblems`); until then the wall clock stands in for it, so that the
 * other bounds are not measured against a made-up future.
 */
function referenceTimeOf(request: RunRequest, wallClockMs: number): number {
  const now = request.now === undefined ? null : parseTimestamp(request.now);
  return now === null || now.ms > wallClockMs ? wallClockMs : now.ms;
}

/** Days `start..end`, both included. */
function spanDays(start: string, end: string): number {
  return Math.round((dateMs(end) - dateMs(start)) / DAY_MS) + 1;
}

/** The problem of a run over `start..end` when it is longer than `maxRunDays`, else null. */
export function spanProblem(start: string, end: string, maxRunDays: number): RunBoundProblem | null {
  const days = spanDays(start, end);
  if (days <= maxRunDays) return null;
  return {
    field: 'start_date',
    message: `${start}..${end} is ${days} days; one run covers at most ${maxRunDays} (MAX_RUN_DAYS)`,
  };
}

/** The problem of a day after the reference day, else null. */
function futureDayProblem(field: BoundedField, date: string, referenceDay: string): RunBoundProblem | null {
  if (date <= referenceDay) return null;
  return {
    field,
    message: `${date} is after the reference day ${referenceDay}: a run covers only days that have begun`,
  };
}

/**
 * Every bound the request's own fields break (empty when none): a `now` after the wall clock, a
 * day after the reference day (the UTC day of the reference time), a full run longer than the
 * limit. Dates the request leaves out are resolved, and bounded, by the Plan task.
 */
export function runBoundProblems(request: RunRequest, bounds: RunBounds): RunBoundProblem[] {
  const problems: RunBoundProblem[] = [];
  const now = request.now === undefined ? null : parseTimestamp(request.now);
  if (now !== null && now.ms > bounds.wallClockMs)
    problems.push({
      field: 'now',
      message: `must not be after the current time ${formatTimestamp(bounds.wallClockMs)}`,
    });
  const referenceDay = formatDate(referenceTimeOf(request, bounds.wallClockMs));
  // The end first: a start after the reference day is named on its own only without an end.
  for (const field of ['end_date', 'date', 'start_date'] as const) {
    const value = request[field];
    const problem = value === undefined ? null : futureDayProblem(field, value, referenceDay);
    if (problem !== null) problems.push(problem);
  }
  // An incremental run folds one day onto its state: its S is the state's, not a span to bound.
  if (request.mode === 'full' && request.start_date !== undefined && request.end_date !== undefined) {
    const problem = spanProblem(request.start_date, request.end_date, bounds.maxRunDays);
    if (problem !== null) problems.push(problem);
  }
  return problems;
}

/** Throws the first broken bound of `runBoundProblems` as an error naming its field. */
export function checkRunBounds(request: RunRequest, bounds: RunBounds): void {
  const [first] = runBoundProblems(request, bounds);
  if (first !== undefined) throw new InvalidArgumentError(first.field, request[first.field], first.message);
}

/**
 * Refuses features dated more than a day after the wall clock. A run's `as_of` is E + 1 with E on
 * or before the reference day, so it is at most the reference time plus a day; anything later
 * would be kept over every real publish (the store keeps the newest `as_of`) and outlive its TTL.
 */
export function checkAsOfNotFuture(asOf: string, wallClockMs: number): void {
  if (dateMs(asOf) > wallClockMs + DAY_MS)
    throw new InvalidArgumentError(
      'as_of',
      asOf,
      `is more than a day after the current time ${formatTimestamp(wallClockMs)}: features are never published for days that have not begun`,
    );
}
