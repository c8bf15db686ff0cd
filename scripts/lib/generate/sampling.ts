/**
 * Who acts and on what: Zipf-like popularity over products (s = 0.95) and, milder, over users
 * (s = 0.6), restricted to what the day's snapshot lists as present and active.
 */
import type { Catalog } from './catalog';
import type { Population } from './population';
import { zipfSampler } from './random';
import type { SnapshotPlan } from './snapshot-plan';

/** Draws of available users and products for the events of day e at time t. */
export interface Sampler {
  /** Product i is listed, active and already created at time t of day e. */
  readonly productOk: (i: number, e: number, t: number) => boolean;
  /** A popular product available at time t of day e; -1 if none. */
  readonly sampleProduct: (e: number, t: number) => number;
  /** An active user present at time t of day e, not a bot and under 400 events today; -1 if none. */
  readonly sampleUser: (e: number, t: number) => number;
  /** Events per user of the current day (the sessions reset and count them). */
  readonly userDayEvents: Int32Array;
}

/** Max events a normal user makes in a day, so only the bots look like bots. */
const MAX_USER_DAY_EVENTS = 400;

/**
 * The samplers of a run: popularity ranks from `catalogRng` (which also draws the Zipf samples),
 * fallback scans from `rng`.
 */
export function createSampler(
  catalog: Catalog,
  population: Population,
  snapshots: SnapshotPlan,
  catalogRng: () => number,
  rng: () => number,
): Sampler {
  const zipfProduct = zipfSampler(catalog.size, 0.95, catalogRng);
  const zipfUser = zipfSampler(population.size, 0.6, catalogRng);
  const { createdDay, inactiveFrom, createdMs } = catalog;
  const { joinDay, joinMs, isBot } = population;
  const { productDay, userDay } = snapshots;
  const userDayEvents = new Int32Array(population.size);
  const productOk = (i: number, e: number, t: number): boolean =>
    createdDay[i]! <= productDay[e]! && inactiveFrom[i]! > productDay[e]! && createdMs[i]! <= t;
  const userOk = (u: number, e: number, t: number): boolean =>
    joinDay[u]! <= userDay[e]! &&
    joinMs[u]! <= t &&
    isBot[u] === 0 &&
    userDayEvents[u]! < MAX_USER_DAY_EVENTS;
  /** Eight popularity draws, then a scan from a random start, so rare misses stay cheap. */
  const sample = (
    zipf: () => number,
    n: number,
    ok: (i: number, e: number, t: number) => boolean,
    e: number,
    t: number,
  ): number => {
    for (let k = 0; k < 8; k++) {
      const i = zipf();
      if (ok(i, e, t)) return i;
    }
    const s = Math.floor(rng() * n);
    for (let k = 0; k < n; k++) {
      const i = (s + k) % n;
      if (ok(i, e, t)) return i;
    }
    return -1;
  };
  return {
    productOk,
    sampleProduct: (e, t) => sample(zipfProduct, catalog.size, productOk, e, t),
    sampleUser: (e, t) => sample(zipfUser, population.size, userOk, e, t),
    userDayEvents,
  };
}
