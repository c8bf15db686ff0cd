/**
 * The records injected into a day on top of its sessions (faults.ts has the table): rejections
 * and removals at per-day rates, and the bots' traffic.
 */
import { DAY_MS } from './calendar';
import type { GeneratorContext } from './context';
import { DEVICE_PART, EVENT_TYPE, eventLine, PAGE_PART, TYPE_JSON } from './events';
import { pad } from './format';

/** Per-day injected rejections and removals, as a share of `eventsPerDay`. */
const DAILY_RATES = {
  malformed_json: 0.001,
  schema_violation: 0.0015,
  bad_timestamp: 0.001,
  future_timestamp: 0.0005,
  wrong_partition: 0.001,
  unknown_user: 0.001,
  unknown_product: 0.001,
  duplicate_id: 0.001,
  duplicate_double_fire: 0.001,
  before_join_date: 0.0005,
  before_product_created: 0.0005,
  inactive_product: 0.002,
  blank_line: 0.0005,
} as const;
type DailyKind = keyof typeof DAILY_RATES;
const DAILY_KINDS = Object.keys(DAILY_RATES) as DailyKind[];

/**
 * The day's injected rejections, removals and bot traffic for partition d; `today` (the day's
 * session lines so far) is the source of the duplicates.
 */
export function injectDayFaults(ctx: GeneratorContext, d: number, today: readonly string[]): string[] {
  const { rng, faults, eventsPerDay } = ctx;
  const { days } = ctx.calendar;
  const dayStart = ctx.calendar.startMs + d * DAY_MS;
  const out: string[] = [];
  const randomTime = (): number => dayStart + 60_000 + Math.floor(rng() * (DAY_MS - 120_000));
  for (let ki = 0; ki < DAILY_KINDS.length; ki++) {
    const kind = DAILY_KINDS[ki]!;
    let count = Math.floor(eventsPerDay * DAILY_RATES[kind] + rng());
    if (count === 0 && d === (ki * 7) % days) count = 1; // every kind at least once per lake
    for (let c = 0; c < count; c++) {
      const line = faultLine(ctx, kind, d, today, randomTime());
      if (line === null) continue;
      out.push(line);
      faults[kind]++;
    }
  }
  injectBots(ctx, d, out);
  return out;
}

/**
 * Bots: a crawler (> 300 views, no cart) every 4th day from day 1, a burst (> 60 events in 60 s)
 * every 4th day from day 3, and one heavy user (> 1000 events) in big lakes.
 */
function injectBots(ctx: GeneratorContext, d: number, out: string[]): void {
  const { rng, eventsPerDay } = ctx;
  const { days } = ctx.calendar;
  const { bots } = ctx.population;
  const dayStart = ctx.calendar.startMs + d * DAY_MS;
  if (d % 4 === 1)
    botSession(
      ctx,
      d,
      out,
      bots[0],
      320 + Math.floor(rng() * 60),
      dayStart + Math.floor(rng() * 50_000) * 1000,
      30_000,
      90_000,
      0,
    );
  if (d % 4 === 3)
    botSession(
      ctx,
      d,
      out,
      bots[1],
      65 + Math.floor(rng() * 25),
      dayStart + Math.floor(rng() * 80_000) * 1000,
      100,
      600,
      0.1,
    );
  if (d === Math.min(14, days - 1) && eventsPerDay >= 20_000)
    botSession(ctx, d, out, bots[2], 1050, dayStart + 60_000, 30_000, 60_000, 0.1);
}

/**
 * `n` events of bot `u` from `t0`, `minGap`..`maxGap` ms apart, a `cartShare` of them carts, a new
 * session every 50 events; none when the bot is absent or not yet listed.
 */
function botSession(
  ctx: GeneratorContext,
  d: number,
  out: string[],
  u: number | undefined,
  n: number,
  t0: number,
  minGap: number,
  maxGap: number,
  cartShare: number,
): void {
  const { rng, faults, ids, sampler } = ctx;
  const { isoAt } = ctx.calendar;
  const { joinDay, id: userId } = ctx.population;
  if (u === undefined || joinDay[u]! > ctx.snapshots.userDay[d]!) return;
  let t = t0;
  let sid = ids.session();
  for (let k = 0; k < n; k++) {
    const p = sampler.sampleProduct(d, t);
    if (p < 0) return;
    if (k % 50 === 49) sid = ids.session();
    const type = rng() < cartShare ? EVENT_TYPE.addToCart : EVENT_TYPE.view;
    out.push(
      eventLine(
        ids.event(),
        userId[u]!,
        ctx.catalog.id[p]!,
        TYPE_JSON[type],
        isoAt(t),
        sid,
        'null',
        DEVICE_PART[1],
        PAGE_PART.product,
        '',
      ),
    );
    faults.bot_traffic++;
    t += minGap + Math.floor(rng() * (maxGap - minGap));
  }
}

/** A valid event object at time t of day d, the base that the injected faults mutate. */
function baseEvent(
  ctx: GeneratorContext,
  d: number,
  t: number,
  user = -1,
  product = -1,
): Record<string, unknown> {
  const { rng, sampler, ids } = ctx;
  const u = user >= 0 ? user : Math.max(0, sampler.sampleUser(d, t));
  const p = product >= 0 ? product : Math.max(0, sampler.sampleProduct(d, t));
  return {
    interaction_id: ids.event(),
    user_id: ctx.population.id[u],
    product_id: ctx.catalog.id[p],
    interaction_type: 'view',
    timestamp: ctx.calendar.isoAt(t),
    session_id: ids.session(),
    rating: null,
    device_type: rng() < 0.6 ? 'mobile' : 'desktop',
    page_context: 'product_page',
  };
}

/** One injected record of `kind` at time t for partition d, or null when the day offers no candidate. */
function faultLine(
  ctx: GeneratorContext,
  kind: DailyKind,
  d: number,
  today: readonly string[],
  t: number,
): string | null {
  const { rng, sampler, ids, catalog, population } = ctx;
  const { productDay, userDay } = ctx.snapshots;
  const { dayIso, endMs } = ctx.calendar;
  const dayStart = ctx.calendar.startMs + d * DAY_MS;
  const pick = rng();
  switch (kind) {
    case 'blank_line':
      return pick < 0.5 ? '' : '  \t ';
    case 'malformed_json': {
      const ev = JSON.stringify(baseEvent(ctx, d, t));
      if (pick < 0.25) return ev.slice(0, Math.floor(ev.length / 2));
      if (pick < 0.5) return `[${ev}]`;
      if (pick < 0.75) return ev.replace('"rating":null', '"rating":NaN');
      return ev.replace(/}$/, ',}');
    }
    case 'schema_violation': {
      const ev = baseEvent(ctx, d, t);
      if (pick < 0.2) delete ev.user_id;
      else if (pick < 0.4) ev.product_id = pick < 0.3 ? '' : '   ';
      else if (pick < 0.6) ev.interaction_type = 'click';
      else if (pick < 0.8) ev.rating = '5';
      else ev.user_id = 12345;
      return JSON.stringify(ev);
    }
    case 'bad_timestamp': {
      const ev = baseEvent(ctx, d, t);
      const date = dayIso[d]!;
      if (pick < 0.34) ev.timestamp = `${date.slice(0, 4)}-02-30T10:00:00Z`;
      else if (pick < 0.67) ev.timestamp = `${date} 10:00:00`;
      else ev.timestamp = `${date}T10:00Z`;
      return JSON.stringify(ev);
    }
    case 'future_timestamp': {
      const ev = baseEvent(ctx, d, t);
      const years = pick < 0.5 ? 1 : 10;
      ev.timestamp = new Date(endMs + years * 365 * DAY_MS + (t - dayStart)).toISOString();
      return JSON.stringify(ev);
    }
    case 'wrong_partition': {
      const ev = baseEvent(ctx, d, t);
      ev.timestamp = new Date(t + (d > 0 ? -DAY_MS : DAY_MS)).toISOString();
      return JSON.stringify(ev);
    }
    case 'unknown_user': {
      const ev = baseEvent(ctx, d, t);
      const later = population.size - 1;
      ev.user_id =
        pick < 0.5 && population.joinDay[later]! > userDay[d]!
          ? population.id[later]
          : `u_ghost_${pad(Math.floor(rng() * 1e6), 6)}`;
      return JSON.stringify(ev);
    }
    case 'unknown_product': {
      const ev = baseEvent(ctx, d, t);
      const later = catalog.size - 1;
      ev.product_id =
        pick < 0.5 && catalog.createdDay[later]! > productDay[d]!
          ? catalog.id[later]
          : `p_ghost_${pad(Math.floor(rng() * 1e6), 6)}`;
      return JSON.stringify(ev);
    }
    case 'duplicate_id':
    case 'duplicate_double_fire': {
      if (today.length === 0) return null;
      const src = today[Math.floor(pick * today.length)]!;
      if (kind === 'duplicate_id') return src;
      const ev = JSON.parse(src) as Record<string, unknown>;
      ev.interaction_id = ids.event();
      return JSON.stringify(ev);
    }
    case 'before_join_date': {
      if (userDay[d] !== d) return null;
      const { joined } = population;
      const first = population.size - joined;
      for (let k = 0; k < joined; k++) {
        const u = first + ((Math.floor(pick * joined) + k) % joined);
        if (population.joinDay[u] === d) {
          const at = dayStart + Math.floor(rng() * (population.joinMs[u]! - dayStart));
          return JSON.stringify(baseEvent(ctx, d, at, u, Math.max(0, sampler.sampleProduct(d, at))));
        }
      }
      return null;
    }
    case 'before_product_created': {
      if (productDay[d] !== d) return null;
      const { created } = catalog;
      const first = catalog.size - created;
      for (let k = 0; k < created; k++) {
        const p = first + ((Math.floor(pick * created) + k) % created);
        if (catalog.createdDay[p] === d && catalog.inactiveFrom[p]! > d) {
          const at = dayStart + Math.floor(rng() * (catalog.createdMs[p]! - dayStart));
          return JSON.stringify(baseEvent(ctx, d, at, Math.max(0, sampler.sampleUser(d, at)), p));
        }
      }
      return null;
    }
    case 'inactive_product': {
      const s = productDay[d]!;
      const from = Math.floor(pick * catalog.size);
      for (let k = 0; k < catalog.size; k++) {
        const p = (from + k) % catalog.size;
        if (catalog.createdDay[p]! <= s && catalog.inactiveFrom[p]! <= s && catalog.createdMs[p]! <= t) {
          return JSON.stringify(baseEvent(ctx, d, t, -1, p));
        }
      }
      return null;
    }
  }
}
