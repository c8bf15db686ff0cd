/**
 * The users: a population existing before the range plus users joining mid-range, each written
 * once as a snapshot line; three ordinary-looking users are set aside as bots in faulty lakes.
 */
import { DAY_MS } from './calendar';
import { CATEGORIES } from './catalog';
import { type FaultCounts, messUser, type UserRecord } from './faults';
import { pad } from './format';

const AGE_GROUPS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
const LOCATIONS = [
  'New York',
  'London',
  'Berlin',
  'Paris',
  'Madrid',
  'Toronto',
  'Sydney',
  'Tokyo',
  'São Paulo',
  'Mumbai',
] as const;
const SEGMENTS = ['new', 'regular', 'vip', 'at_risk', 'bargain_hunter'] as const;
const GENDERS = ['M', 'F', 'Other'] as const;

/** Every user, as columns indexed by user (0-based; the last `joined` ones join mid-range). */
export interface Population {
  readonly size: number;
  /** Users joining inside the range: the last ones. */
  readonly joined: number;
  readonly id: readonly string[];
  /** Day the user appears in the snapshots, -1 when they joined before the range. */
  readonly joinDay: Int32Array;
  readonly joinMs: Float64Array;
  /** The user's snapshot line. */
  readonly line: readonly string[];
  /** 1 for the bots, which normal sessions never use. */
  readonly isBot: Uint8Array;
  /** The bots' user indexes: the crawler's, the burst's and the heavy user's. */
  readonly bots: readonly number[];
}

/** Draws the `size` users of a `days`-day lake from `startMs`, with their faults and bots unless `faults` is null. */
export function buildPopulation(
  size: number,
  startMs: number,
  days: number,
  rng: () => number,
  faults: FaultCounts | null,
): Population {
  const joined = days >= 2 ? Math.round(size * 0.08) : 0;
  const id: string[] = [];
  const joinDay = new Int32Array(size);
  const joinMs = new Float64Array(size);
  const line: string[] = [];
  for (let i = 0; i < size; i++) {
    id.push(`u_${pad(i + 1, 6)}`);
    const newIdx = i - (size - joined);
    if (newIdx >= 0) {
      const day = 1 + Math.floor((newIdx * (days - 1)) / joined);
      joinDay[i] = day;
      joinMs[i] = startMs + day * DAY_MS + Math.floor(600 + rng() * 8 * 3600) * 1000;
    } else {
      joinDay[i] = -1;
      joinMs[i] = startMs - Math.floor(1 + rng() * 900 * 86_400) * 1000;
    }
    const r = rng();
    const gender = r < 0.45 ? GENDERS[0] : r < 0.9 ? GENDERS[1] : r < 0.95 ? GENDERS[2] : null;
    const favs = [CATEGORIES[Math.floor(rng() * CATEGORIES.length)]!.name];
    const user: UserRecord = {
      user_id: id[i],
      age_group: AGE_GROUPS[Math.floor(rng() * AGE_GROUPS.length)]!,
      gender,
      location: LOCATIONS[Math.floor(rng() * LOCATIONS.length)]!,
      join_date: new Date(joinMs[i]!).toISOString(),
      customer_segment: SEGMENTS[Math.floor(rng() * SEGMENTS.length)]!,
      preferences: { newsletter: rng() < 0.4, favorite_categories: favs },
    };
    if (faults !== null) messUser(user, i, joinMs[i]!, rng, faults);
    line.push(JSON.stringify(user));
  }
  const isBot = new Uint8Array(size);
  const bots = faults === null ? [] : pickBots(size - joined, isBot, rng);
  return { size, joined, id, joinDay, joinMs, line, isBot, bots };
}

/** Marks up to three distinct users among the first `initial` (present from day 0) as bots. */
function pickBots(initial: number, isBot: Uint8Array, rng: () => number): number[] {
  const bots: number[] = [];
  while (bots.length < Math.min(3, initial)) {
    const u = Math.floor(rng() * initial);
    if (isBot[u]) continue;
    isBot[u] = 1;
    bots.push(u);
  }
  return bots;
}

/** The user snapshot lines of day `d`: every user joined by then. */
export function userSnapshotLines(population: Population, d: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < population.size; i++) if (population.joinDay[i]! <= d) lines.push(population.line[i]!);
  return lines;
}
