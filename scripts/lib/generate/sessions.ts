/**
 * Normal traffic: sessions of 1-40 events with gaps of seconds to minutes (occasionally > 30 min
 * inside one `session_id`), view → add_to_cart → purchase funnels (a purchase always follows a
 * cart of the same product in the session), and a diurnal start-time curve, so some sessions cross
 * midnight and their later events land in the next day's partition.
 */
import { DAY_MS, HOUR_MS, MIN_MS } from './calendar';
import type { GeneratorContext } from './context';
import { DEVICE_PART, EVENT_TYPE, eventLine, PAGE_PART, TYPE_JSON } from './events';
import { type EventParts, injectInlineFault } from './faults';

/** Session start-hour weights (UTC): quiet nights, busy evenings, so some sessions cross midnight. */
const HOUR_WEIGHTS = [3, 2, 1, 1, 1, 1, 2, 4, 5, 6, 6, 6, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 5] as const;
const HOUR_CDF = new Float64Array(24);
{
  let acc = 0;
  for (let h = 0; h < 24; h++) HOUR_CDF[h] = acc += HOUR_WEIGHTS[h]!;
  for (let h = 0; h < 24; h++) HOUR_CDF[h] = HOUR_CDF[h]! / acc;
}

/**
 * Generates the sessions starting on day d, `eventsPerDay` events in all: lines of day d go to
 * `today`, those past midnight to `tomorrow`.
 */
export function generateSessions(
  ctx: GeneratorContext,
  d: number,
  today: string[],
  tomorrow: string[],
): void {
  const { rng, sampler, eventsPerDay } = ctx;
  const dayStart = ctx.calendar.startMs + d * DAY_MS;
  const { userDayEvents } = sampler;
  userDayEvents.fill(0);
  const parts: EventParts = { typeJson: '', device: '', page: '', ts: undefined, rating: '', extra: '' };
  let produced = 0;
  while (produced < eventsPerDay) {
    const t = dayStart + startHour(rng) * HOUR_MS + Math.floor(rng() * HOUR_MS);
    const user = sampler.sampleUser(d, t);
    const length = Math.min(40, 1 + Math.floor(-Math.log(1 - rng()) * 7), eventsPerDay - produced);
    produced += length;
    if (user < 0) continue;
    userDayEvents[user] = userDayEvents[user]! + length;
    writeSession(ctx, d, user, t, length, parts, today, tomorrow);
  }
}

/** A session start hour drawn from the diurnal curve. */
function startHour(rng: () => number): number {
  const u = rng();
  let hour = 0;
  while (HOUR_CDF[hour]! <= u && hour < 23) hour++;
  return hour;
}

/** The events of one session of `user` from time `start`; it ends early at the lake's end or when no product is left. */
function writeSession(
  ctx: GeneratorContext,
  d: number,
  user: number,
  start: number,
  length: number,
  parts: EventParts,
  today: string[],
  tomorrow: string[],
): void {
  const { rng, faulty, faults, ids } = ctx;
  const { productOk, sampleProduct } = ctx.sampler;
  const { startMs, days, isoAt } = ctx.calendar;
  const productId = ctx.catalog.id;
  const uid = ctx.population.id[user]!;
  const sid = ids.session();
  const rd = rng();
  const devicePart = DEVICE_PART[rd < 0.55 ? 0 : rd < 0.9 ? 1 : 2];
  const cart: number[] = [];
  let t = start;
  let last = -1;
  let lastType = -1;
  let longGaps = 0;
  for (let k = 0; k < length; k++) {
    if (k > 0) {
      const g = rng();
      if (g < 0.015 && longGaps < 2) {
        longGaps++;
        t += (31 + Math.floor(rng() * 60)) * MIN_MS + Math.floor(rng() * MIN_MS);
      } else if (g < 0.1) t += (2 + Math.floor(rng() * 8)) * MIN_MS + Math.floor(rng() * MIN_MS);
      else t += 1000 + Math.floor(-Math.log(1 - rng()) * 25_000);
    }
    const e = Math.floor((t - startMs) / DAY_MS);
    if (e >= days) break;
    const r = rng();
    let type: number = EVENT_TYPE.view;
    let product = -1;
    let page: string = PAGE_PART.product;
    if (cart.length > 0 && r < 0.2) {
      const ci = Math.floor(rng() * cart.length);
      const p = cart[ci]!;
      cart[ci] = cart[cart.length - 1]!;
      cart.pop();
      if (productOk(p, e, t)) {
        type = EVENT_TYPE.purchase;
        product = p;
        page = PAGE_PART.cart;
      }
    } else if (lastType === EVENT_TYPE.view && r < 0.38 && productOk(last, e, t)) {
      type = EVENT_TYPE.addToCart;
      product = last;
      cart.push(last);
    }
    if (product < 0) {
      product = last >= 0 && r > 0.85 && productOk(last, e, t) ? last : sampleProduct(e, t);
      if (product < 0) break;
      page = browsePage(rng);
    }
    parts.rating = drawRating(type, rng);
    parts.typeJson = TYPE_JSON[type]!;
    parts.device = devicePart;
    parts.page = page;
    parts.ts = undefined;
    parts.extra = '';
    if (faulty) injectInlineFault(parts, type, t, isoAt, rng, faults);
    const line = eventLine(
      ids.event(),
      uid,
      productId[product]!,
      parts.typeJson,
      parts.ts ?? isoAt(t),
      sid,
      parts.rating,
      parts.device,
      parts.page,
      parts.extra,
    );
    if (e === d) today.push(line);
    else tomorrow.push(line);
    last = product;
    lastType = type;
  }
}

/** The page of a browsing event (not a cart or purchase): home, search, product page or a recommendation. */
function browsePage(rng: () => number): string {
  const rp = rng();
  return rp < 0.15
    ? PAGE_PART.home
    : rp < 0.4
      ? PAGE_PART.search
      : rp < 0.8
        ? PAGE_PART.product
        : PAGE_PART.rec;
}

/** The rating JSON: 15% of purchases and 0.5% of other events rate 1-5 (mostly 4 and 5). */
function drawRating(type: number, rng: () => number): string {
  if (!(type === EVENT_TYPE.purchase ? rng() < 0.15 : rng() < 0.005)) return 'null';
  const rr = rng();
  return rr < 0.05 ? '1' : rr < 0.1 ? '2' : rr < 0.25 ? '3' : rr < 0.6 ? '4' : '5';
}
