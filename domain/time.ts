/** UTC time arithmetic and the contract's strict ISO-8601 grammar (data-contract.md §5). */

/** One day in milliseconds: the unit of every `*_days` feature. */
export const DAY_MS = 86_400_000;
/** Seven days: the unit of `frequency_score`. */
export const WEEK_MS = 7 * DAY_MS;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A parsed timestamp: epoch milliseconds (UTC) and whether the zone was missing. */
export interface ParsedTimestamp {
  readonly ms: number;
  readonly naive: boolean;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const PLUS = 0x2b;
const UPPER_T = 0x54;
const UPPER_Z = 0x5a;

/** The two ASCII digits at `i` as a number, or -1 when either is not `0`-`9` (or is past the end). */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  // NaN (past the end) fails both comparisons.
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Parses `YYYY-MM-DDTHH:mm:ss[.fraction][Z|±hh:mm]` into UTC epoch ms, or null when the text does
 * not follow the grammar or names no real date (`2024-02-30`). Fractions are truncated to ms; a
 * missing zone is read as UTC and flagged `naive`. Digits are ASCII `0`-`9` only. Written out by
 * hand rather than as a regular expression because every raw event goes through it.
 */
export function parseTimestamp(text: string): ParsedTimestamp | null {
  const n = text.length;
  if (n < 19) return null;
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== UPPER_T ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  )
    return null;
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if ((century | yearOfCentury | month | day | hour | minute | second) < 0) return null;
  const year = century * 100 + yearOfCentury;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === DOT) {
    const first = ++i;
    for (let d = text.charCodeAt(i) - 48; d >= 0 && d <= 9; d = text.charCodeAt(++i) - 48)
      if (i - first < 3) millis = millis * 10 + d;
    const digits = i - first;
    if (digits === 0) return null;
    // Right-pad to three digits: `.5` is 500 ms.
    if (digits === 1) millis *= 100;
    else if (digits === 2) millis *= 10;
  }
  let offsetMinutes = 0;
  const naive = i === n;
  if (!naive) {
    const sign = text.charCodeAt(i);
    if (sign === UPPER_Z) {
      if (i + 1 !== n) return null;
    } else if ((sign === PLUS || sign === DASH) && i + 6 === n && text.charCodeAt(i + 3) === COLON) {
      const oh = twoDigits(text, i + 1);
      const om = twoDigits(text, i + 4);
      if (oh < 0 || om < 0 || oh > 23 || om > 59) return null;
      offsetMinutes = (sign === DASH ? -1 : 1) * (oh * 60 + om);
    } else return null;
  }
  const ms =
    daysFromCivil(year, month, day) * DAY_MS +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    millis;
  return { ms, naive };
}

/** Parses a `YYYY-MM-DD` date to the epoch ms of its midnight (UTC), or null if it is not a real date. */
export function parseDate(text: string): number | null {
  const m = DATE.exec(text);
  if (m === null) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return daysFromCivil(y, mo, d) * DAY_MS;
}

/** `YYYY-MM-DD` of the UTC day holding `ms`. */
export function formatDate(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** The cleaned timestamp form `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** The date `n` days after `date` (both `YYYY-MM-DD`). */
export function addDays(date: string, n: number): string {
  return formatDate(dateMs(date) + n * DAY_MS);
}

/** Midnight (UTC) of a date already known to be valid. */
export function dateMs(date: string): number {
  const ms = parseDate(date);
  if (ms === null) throw new RangeError(`not a date: ${date}`);
  return ms;
}

/** Every date from `start` to `end`, both included. */
export function datesBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = dateMs(start), last = dateMs(end); t <= last; t += DAY_MS) out.push(formatDate(t));
  return out;
}

/** The partition path `year=YYYY/month=MM/day=DD` of a date. */
export function partitionPath(date: string): string {
  return `year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}`;
}

/** The date of a `.../year=YYYY/month=MM/day=DD/...` key, or null. */
export function partitionDateOf(key: string): string | null {
  const m = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//.exec(key);
  if (m === null) return null;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  return parseDate(date) === null ? null : date;
}

/** Epoch ms of a timestamp that validation already accepted (throws if it does not parse). */
export function timestampMs(text: string): number {
  const parsed = parseTimestamp(text);
  if (parsed === null) throw new RangeError(`not an ISO-8601 timestamp: ${text}`);
  return parsed.ms;
}
