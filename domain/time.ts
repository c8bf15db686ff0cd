/** UTC time arithmetic and the contract's strict ISO-8601 grammar (data-contract.md §5). */

/** One day in milliseconds: the unit of every `*_days` feature. */
export const DAY_MS = 86_400_000;
/** Seven days: the unit of `frequency_score`. */
export const WEEK_MS = 7 * DAY_MS;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;
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

/**
 * Parses `YYYY-MM-DDTHH:mm:ss[.fraction][Z|±hh:mm]` into UTC epoch ms, or null when the text does
 * not follow the grammar or names no real date (`2024-02-30`). Fractions are truncated to ms; a
 * missing zone is read as UTC and flagged `naive`.
 */
export function parseTimestamp(text: string): ParsedTimestamp | null {
  const m = TIMESTAMP.exec(text);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms =
    daysFromCivil(year, month, day) * DAY_MS +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    millis;
  return { ms, naive: zone === undefined };
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
